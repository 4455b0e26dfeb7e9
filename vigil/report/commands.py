"""`vigil report` (report.html, draft CyberTipline reports, exports) and the CyberTipline sender.

`vigil cybertip-send` is the only path by which a draft leaves the machine: it needs --confirm,
takes credentials from configuration only, prints every failure and exits non-zero on any.
`vigil cybertip-standin` runs the local stand-in API for rehearsals.
"""

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

    @app.command("cybertip-send")
    def cybertip_send(
        drafts: Path = typer.Argument(..., exists=True, file_okay=False, help="The cybertipline/ folder of `vigil report`."),
        only: list[str] = typer.Option(None, "--only", help="PLATFORM:ACCOUNT_ID to send (repeatable); default all."),
        confirm: bool = typer.Option(False, "--confirm", help="Required: these are reports to NCMEC."),
        config: Path = typer.Option(None, "--config", exists=True, dir_okay=False,
                                    help="Reporter/API settings (TOML); default $VIGIL_REPORT_CONFIG."),
    ) -> None:
        """Send draft reports through the CyberTipline API; a report counts as sent only after /finish."""
        from vigil.progress import console
        from vigil.report.config import load_config
        from vigil.report.escalate import send_drafts
        from vigil.report.ncmec_client import CyberTiplineClient

        if not confirm:
            console.print("[red]refusing to send without --confirm[/]")
            raise typer.Exit(2)
        cfg = load_config(config)
        if not cfg.ncmec_username or not cfg.ncmec_password:
            console.print("[red]no CyberTipline credentials configured (VIGIL_NCMEC_USERNAME / VIGIL_NCMEC_PASSWORD "
                          "or [ncmec] in the config file)[/]")
            raise typer.Exit(2)
        with CyberTiplineClient.from_config(cfg) as client:
            sent, failed = send_drafts(drafts, client, set(only) if only else None)
        for e in sent:
            console.print(f"[green]sent[/] report {e['report_id']} ({len(e.get('file_ids') or [])} files)")
        for err in failed:
            console.print(f"[red bold]FAILED[/] {err}")
        console.print(f"{len(sent)} sent, {len(failed)} failed; states in {drafts / 'ledger.json'}")
        if failed:
            raise typer.Exit(1)

    @app.command("cybertip-standin")
    def cybertip_standin(
        username: str = typer.Option("usr123", "--username"),
    ) -> None:
        """Run the local stand-in CyberTipline API on 127.0.0.1 for rehearsals (password: $VIGIL_NCMEC_PASSWORD)."""
        import os
        import time

        from vigil.progress import console
        from vigil.report.standin import StandInServer

        password = os.environ.get("VIGIL_NCMEC_PASSWORD")
        if not password:
            console.print("[red]set VIGIL_NCMEC_PASSWORD for the stand-in[/]")
            raise typer.Exit(2)
        with StandInServer(username=username, password=password) as server:
            console.print(f"stand-in CyberTipline API at {server.url} (user {username}); Ctrl-C to stop")
            try:
                while True:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
