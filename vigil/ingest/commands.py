"""`vigil ingest EXPORT_DIR --out DIR`: ingest only, to check an export before a full run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from vigil.progress import bars, console


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)


def ingest_cmd(
    export_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of the platform export."),
    out: Path = typer.Option(..., "--out", help="Results folder: workspace/*.parquet and rejects.jsonl."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Read an export into a workspace; print rows per table and rejects per file."""
    import time

    from vigil.ingest import ExportError, ingest_export
    from vigil.workspace import Workspace

    t0 = time.perf_counter()
    try:
        with bars(progress):
            report = ingest_export(export_dir, Workspace(out / "workspace"), out / "rejects.jsonl")
    except ExportError as e:
        console.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from None
    secs = time.perf_counter() - t0
    table = Table(title=f"ingest of {export_dir}")
    table.add_column("what")
    table.add_column("rows", justify="right")
    for name, n in report.counts.items():
        table.add_row(f"{name} ({', '.join(report.files.get(name, [])) or 'absent'})", f"{n:,}")
    for name, n in report.rejects_by_file.items():
        table.add_row(f"rejected in {name}", f"{n:,}")
    table.add_row("rejected records", f"{report.rejects:,}")
    rows = sum(report.counts.values()) + report.rejects
    table.add_row("time", f"{secs:.2f} s ({rows / max(secs, 1e-9):,.0f} records/s)")
    console.print(table)
    console.print(f"rejects: {out / 'rejects.jsonl'}")
