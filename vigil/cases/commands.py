"""`vigil load-results` and `vigil cases-verify`: fill the review database, check its log."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from vigil.progress import bars, console


def register(app: typer.Typer) -> None:
    app.command("load-results")(load_results_cmd)
    app.command("cases-verify")(verify_cmd)
    app.command("export-labels")(export_labels_cmd)


def load_results_cmd(
    results_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="A results folder of `vigil investigate`."),
    db: Optional[str] = typer.Option(None, "--db", help="SQLAlchemy URL (default $VIGIL_DB or sqlite:///vigil.db)."),
    min_score: float = typer.Option(0.5, "--min-score", min=0.0, max=1.0,
                                    help="Accounts without a role become cases from this score up."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Put a run's findings into the review database as cases (review state is kept on reload)."""
    from vigil.cases.db import default_db_url
    from vigil.cases.load import load_results

    with bars(progress):
        stats = load_results(db or default_db_url(), results_dir, min_score=min_score)
    for k, v in stats.items():
        console.print(f"{k:>14}: {v:,}")


def verify_cmd(db: Optional[str] = typer.Option(None, "--db")) -> None:
    """Replay the event log and compare it with every case's stored state."""
    from vigil.cases.db import default_db_url, open_db
    from vigil.cases.events import verify

    with open_db(db or default_db_url()).reading() as s:
        problems = verify(s)
    for p in problems:
        console.print(p)
    console.print(f"{len(problems)} case(s) disagree with the log")
    raise typer.Exit(1 if problems else 0)


def export_labels_cmd(
    out: Path = typer.Option(..., "--out", dir_okay=False, help="Labels CSV to write (platform,account_id,role)."),
    db: Optional[str] = typer.Option(None, "--db"),
) -> None:
    """Write reviewer decisions as labels for the graph stage's refit (the export is logged)."""
    from vigil.cases.db import default_db_url, open_db
    from vigil.cases.exports import labels_csv
    from vigil.cases.transitions import Actor

    # Whoever runs this holds the database itself; the export is still recorded under "cli".
    text = labels_csv(open_db(db or default_db_url()), Actor(None, "cli", frozenset({"investigator"})))
    out.write_text(text, encoding="utf-8")
    console.print(f"{text.count(chr(10)) - 1:,} label(s) -> {out}")
