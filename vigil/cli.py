"""The `vigil` command: a thin shell over the pipeline and the stages.

Stage-specific commands (`vigil hash`, `vigil serve`, `vigil report`, ...) live beside their stage
in `vigil/<stage>/commands.py`, each with a `register(app)`; this module only wires them in.
`vigil --help` imports no stage library (tests/test_cli_startup.py): a commands module imports its
stage inside the command bodies, and a stage package's exports load on first use (vigil/lazy.py).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from typer.core import TyperGroup

from vigil.progress import bars, console

class OperatorErrorsShell(TyperGroup):
    """The one place an operator mistake (vigil.errors.OperatorError) is reported: a few lines on
    stderr and exit status 2; the traceback only with `vigil --debug ...`."""

    def invoke(self, ctx):
        from vigil.errors import OperatorError

        try:
            return super().invoke(ctx)
        except OperatorError as e:
            if "--debug" in sys.argv[1:] or (ctx.obj or {}).get("debug"):
                raise
            for line in e.lines():
                typer.echo(line, err=True)
            raise typer.Exit(2) from None

    def get_command(self, ctx, name):
        cmd = super().get_command(ctx, name)
        if cmd is not None:
            _tidy_help(cmd, ctx)
        return cmd


def _tidy_help(cmd, ctx) -> None:
    """Typer shows a flag's type as `<bool>` and a repeatable option's as `<list[Path]>`: Python
    types, not what to type. A flag shows no value; a repeatable option shows its item type."""
    from typer.core import TyperOption

    for p in cmd.get_params(ctx):
        if not isinstance(p, TyperOption) or p.metavar is not None:
            continue
        if p.is_flag or p.name == "help":
            p.metavar = ""
            continue
        shown = p.display_type(ctx)
        if shown.startswith("<list[") and shown.endswith("]>"):
            p.metavar = "<" + shown[6:-2].lower().replace("path", "file") + ">"
    for sub in getattr(cmd, "commands", {}).values():
        _tidy_help(sub, ctx)


app = typer.Typer(
    cls=OperatorErrorsShell, add_completion=False, no_args_is_help=True,
    help="vigil: find a sale network in a platform export, explain every finding, review it, escalate it.",
)

@app.callback()
def _global(ctx: typer.Context,
            debug: bool = typer.Option(False, "--debug", help="Show the traceback of an operator error.")) -> None:
    ctx.obj = {"debug": debug}


STAGES_WITH_COMMANDS = ("ingest", "signals", "media", "graph", "audit", "link", "cases", "report", "web", "synth", "watch", "importers")


@app.command()
def investigate(
    export_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of the platform export."),
    lexicon: Path = typer.Option(..., "--lexicon", exists=True, dir_okay=False, help="Operator lexicon (YAML)."),
    hashes: list[Path] = typer.Option(..., "--hashes", exists=True, dir_okay=False, help="Hash bank CSV (repeatable)."),
    out: Path = typer.Option(..., "--out", help="Results folder."),
    seeds: Optional[Path] = typer.Option(None, "--seeds", exists=True, dir_okay=False, help="Known accounts, platform,account_id a line."),
    pdq_threshold: Optional[int] = typer.Option(None, "--pdq-threshold", min=0, max=256, help="Largest PDQ distance that matches (default: python-threatexchange's PDQ_CONFIDENT_MATCH_THRESHOLD, 31)."),
    dihedral: bool = typer.Option(False, "--dihedral", help="Also match rotated and mirrored media."),
    db: Optional[str] = typer.Option(None, "--db", help="Also load the findings into this review database "
                                     "(SQLAlchemy URL, e.g. sqlite:///vigil.db or postgresql+psycopg://host/db)."),
    platforms: Optional[Path] = typer.Option(None, "--platforms", exists=True, dir_okay=False,
                                             help="Platform registry YAML extending/overriding the shipped one."),
    previous: Optional[Path] = typer.Option(None, "--previous", exists=True, file_okay=False,
                                            help="An earlier results folder: write diff.json (new, changed, gone findings)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars (off for logs and CI)."),
    engine: str = typer.Option("embedded", "--engine", help="embedded, or spark (see README: Running on a cluster)."),
    master: str = typer.Option("local[*]", "--master", help="Spark master: local[*], spark://host:port, sc://host."),
) -> None:
    """Find the network in an export and write the contract's result files."""
    if previous is not None:  # checked before the run, not after it
        from vigil.report.results import require_results_folder

        require_results_folder(previous)
    from vigil.pipeline import RunOptions, investigate as run

    opts = RunOptions(export_dir=export_dir, lexicon=lexicon, hashes=list(hashes), out_dir=out,
                      seeds=seeds, pdq_threshold=pdq_threshold, dihedral=dihedral, db_url=db,
                      platforms=platforms, engine=engine, master=master)
    with bars(progress):
        summary = run(opts)
    print_summary(summary, out)
    if previous is not None:
        from vigil.report.diff import write_diff

        d = write_diff(previous, out, db_url=db)
        console.print("diff.json: " + ", ".join(f"{k} {v}" for k, v in d["counts"].items()))
    if summary.refused_tables:
        for name, missing in summary.refused_tables.items():
            typer.echo(f"error: {name} was not read: its header lacks {', '.join(missing)}", err=True)
        raise typer.Exit(3)


@app.command()
def demo(
    out: Path = typer.Option(Path("runs/demo"), "--out", help="Where the world and the results go."),
    accounts: int = typer.Option(6000, "--accounts", min=500, help="Accounts on the main platform."),
    seed: int = typer.Option(7, "--seed", help="Random seed of the generated world."),
    report: bool = typer.Option(True, "--report/--no-report", help="Also write report.html."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars (off for logs and CI)."),
) -> None:
    """Generate a synthetic world (invented words, abstract images) and investigate it."""
    from vigil.pipeline import RunOptions, investigate as run
    from vigil.synth import generate_world

    world = out / "world"
    results = out / "results"
    with bars(progress):
        w = generate_world(world, accounts=accounts, seed=seed)
        console.log(f"generated world in {world}")
        summary = run(RunOptions(export_dir=w.export_dir, lexicon=w.lexicon, hashes=[w.hashbank],
                                 seeds=w.seeds, out_dir=results))
    print_summary(summary, results)
    # The world is vigil's own, so its truth is known: show how close the findings came.
    from vigil.evaluate import evaluate
    from vigil.synth.commands import print_evaluation

    print_evaluation(evaluate(results, w.truth_dir), title="findings against the world's truth")
    if report:
        from vigil.report import build_report

        page = build_report(results, out / "report")
        console.print(f"report: {page}")


def print_summary(summary, out: Path) -> None:
    table = Table(title=f"vigil results in {out}")
    table.add_column("what")
    table.add_column("value", justify="right")
    for name, n in summary.found.items():
        table.add_row(f"[bold]found: {name}[/]", f"{n:,}")
    for name, n in summary.counts.items():
        table.add_row(f"rows: {name}", f"{n:,}")
    table.add_row("rejected records", f"{summary.rejects:,}")
    for name, missing in summary.refused_tables.items():
        table.add_row(f"[red]refused table: {name}[/]", f"lacks {', '.join(missing)}")
    for stage, s in summary.timings_s.items():
        table.add_row(f"time: {stage}", f"{s:.2f} s")
    table.add_row("peak memory", f"{summary.peak_memory_mb:,.0f} MB")
    console.print(table)


def _register_stage_commands() -> None:
    for stage in STAGES_WITH_COMMANDS:
        try:
            mod = importlib.import_module(f"vigil.{stage}.commands")
        except ModuleNotFoundError as e:
            if e.name != f"vigil.{stage}.commands":
                raise
            continue
        mod.register(app)


_register_stage_commands()

if __name__ == "__main__":
    app()
