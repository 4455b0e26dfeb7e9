"""`vigil lexicon check FILE` (validate an operator lexicon) and `vigil lexicon scan FILE TEXT...`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from vigil.progress import console


def register(app: typer.Typer) -> None:
    lex_app = typer.Typer(help="Operator lexicon: validate it, try it on texts.", no_args_is_help=True)

    @lex_app.command("check")
    def check(path: Path = typer.Argument(..., help="lexicon YAML")) -> None:
        """Validate and compile a lexicon; every problem names its entry and line."""
        from vigil.signals import LexiconError, load_lexicon

        try:
            lex = load_lexicon(path)
        except LexiconError as e:
            console.print(f"[red]{e}[/]")
            raise typer.Exit(1) from e
        kinds: dict[str, int] = {}
        for entry in lex.entries:
            kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
        console.print(f"[green]{path}: {len(lex.entries)} entries OK[/] ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")

    @lex_app.command("scan")
    def scan(path: Path = typer.Argument(..., help="lexicon YAML"),
             texts: list[str] = typer.Argument(..., help="texts to scan")) -> None:
        """Show what the signal stage finds in some texts (spans, context, obfuscation)."""
        from vigil.signals import load_lexicon

        m = load_lexicon(path).matcher
        h = m.scan(texts)
        t = Table()
        for col in ("text", "signal", "matched", "span", "context", "obfuscated", "weight"):
            t.add_column(col)
        for i in range(len(h)):
            t.add_row(str(int(h.row[i])), m.signals[int(h.signal[i])].signal_id, repr(h.matched[i]),
                      f"{int(h.start[i])}-{int(h.end[i])}", ("use", "warn", "adult")[int(h.context[i])],
                      str(bool(h.obfuscated[i])), f"{float(h.weight[i]):.2f}")
        console.print(t)

    app.add_typer(lex_app, name="lexicon")
