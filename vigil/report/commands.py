"""`vigil report RESULTS_DIR --out DIR`: the investigation report, draft CyberTipline reports, exports."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        results_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="A vigil results folder."),
        out: Path = typer.Option(..., "--out", help="Where report.html, cybertipline/ and exports/ go."),
        config: Path = typer.Option(None, "--config", exists=True, dir_okay=False,
                                    help="Reporter/API settings (TOML); default $VIGIL_REPORT_CONFIG."),
    ) -> None:
        """Write report.html, one DRAFT CyberTipline XML per escalated account (never sent), and exports."""
        from vigil.progress import console
        from vigil.report.build import build_report
        from vigil.report.config import load_config

        page = build_report(results_dir, out, load_config(config))
        console.print(f"report: {page}")
        console.print(f"draft CyberTipline reports (not sent): {out / 'cybertipline'}")
        console.print(f"exports with manifests: {out / 'exports'}")
