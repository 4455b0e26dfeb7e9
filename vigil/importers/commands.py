"""`vigil import FORMAT SRC --out EXPORT_DIR`: a platform's own format -> a contract export."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from vigil.progress import console


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)


def import_cmd(
    fmt: str = typer.Argument(..., metavar="FORMAT", help="Source format: x, mastodon, jetstream, telegram, bluesky-car."),
    src: Path = typer.Argument(..., exists=True, help="Source folder or file."),
    out: Path = typer.Option(..., "--out", help="Export folder to write (contract tables as JSONL)."),
    platform: Optional[str] = typer.Option(None, "--platform", help="Platform name in the export (default: FORMAT)."),
) -> None:
    """Convert a platform's own export into a contract export; bad records go to EXPORT_DIR.rejects.jsonl."""
    from vigil.importers import run_import

    try:
        s = run_import(fmt, src, out, platform)
    except ValueError as e:
        console.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from None
    table = Table(title=f"import {fmt} {src} -> {out}")
    table.add_column("what")
    table.add_column("rows", justify="right")
    for name, n in s.counts.items():
        table.add_row(name, f"{n:,}")
    table.add_row(f"rejected ({s.rejects_path})", f"{s.rejects:,}")
    console.print(table)
