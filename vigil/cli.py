"""The `vigil` command: a thin shell over the pipeline and the stages.

Stage-specific commands (`vigil hash`, `vigil serve`, `vigil report`, ...) live beside their stage
in `vigil/<stage>/commands.py`, each with a `register(app)`; this module only wires them in.
`vigil --help` imports no stage library (tests/test_cli_startup.py): a commands module imports its
stage inside the command bodies, and a stage package's exports load on first use (vigil/lazy.py).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from vigil.progress import bars, console

app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="vigil: find a sale network in a platform export, explain every finding, review it, escalate it.",
)

STAGES_WITH_COMMANDS = ("ingest", "signals", "media", "graph", "audit", "link", "cases", "report", "web", "synth")


@app.command()
def investigate(
    export_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of the platform export."),
    lexicon: Path = typer.Option(..., "--lexicon", exists=True, dir_okay=False, help="Operator lexicon (YAML)."),
    hashes: list[Path] = typer.Option(..., "--hashes", exists=True, dir_okay=False, help="Hash bank CSV (repeatable)."),
    out: Path = typer.Option(..., "--out", help="Results folder."),
    seeds: Optional[Path] = typer.Option(None, "--seeds", exists=True, dir_okay=False, help="Known accounts, platform,account_id a line."),
    pdq_threshold: int = typer.Option(31, "--pdq-threshold", min=0, max=256, help="Largest PDQ distance that matches."),
    dihedral: bool = typer.Option(False, "--dihedral", help="Also match rotated and mirrored media."),
    db: Optional[str] = typer.Option(None, "--db", help="Load the findings into this review database (SQLAlchemy URL)."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    engine: str = typer.Option("embedded", "--engine", help="embedded, or spark (see README: Spark)."),
    master: str = typer.Option("local[*]", "--master", help="Spark master: local[*], spark://host:port, sc://host."),
) -> None:
    """Find the network in an export and write the contract's result files."""
    from vigil.pipeline import RunOptions, investigate as run

    opts = RunOptions(export_dir=export_dir, lexicon=lexicon, hashes=list(hashes), out_dir=out,
                      seeds=seeds, pdq_threshold=pdq_threshold, dihedral=dihedral, db_url=db,
                      engine=engine, master=master)
    with bars(progress):
        summary = run(opts)
    print_summary(summary, out)


@app.command()
def demo(
    out: Path = typer.Option(Path("runs/demo"), "--out", help="Where the world and the results go."),
    accounts: int = typer.Option(6000, "--accounts", min=500, help="Accounts on the main platform."),
    seed: int = typer.Option(7, "--seed", help="Random seed of the generated world."),
    report: bool = typer.Option(True, "--report/--no-report", help="Also write report.html."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
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
    for name, n in summary.counts.items():
        table.add_row(f"rows: {name}", f"{n:,}")
    table.add_row("rejected records", f"{summary.rejects:,}")
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
