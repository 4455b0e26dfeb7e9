"""`vigil watch` and `vigil standin-jetstream`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def watch(
        source: str = typer.Option(..., "--source", help="ws://HOST:PORT/subscribe (Jetstream), or jsonl:PATH / jsonl:- (records with a table field)."),
        lexicon: Path = typer.Option(..., "--lexicon", exists=True, dir_okay=False, help="Operator lexicon (YAML)."),
        hashes: list[Path] = typer.Option(..., "--hashes", exists=True, dir_okay=False, help="Hash bank CSV (repeatable)."),
        state: Path = typer.Option(..., "--state", help="State folder (tables, cursor, rejects); reused to resume."),
        alerts: Path = typer.Option(..., "--alerts", help="Alerts file (JSON lines, appended)."),
        seeds: Optional[Path] = typer.Option(None, "--seeds", exists=True, dir_okay=False),
        previous: Optional[Path] = typer.Option(None, "--from", exists=True, file_okay=False, help="Results of an earlier run: its findings are not new."),
        db: Optional[str] = typer.Option(None, "--db", help="Review database: alerts' accounts become cases."),
        until_idle: Optional[float] = typer.Option(None, "--until-idle", min=0.0, help="Stop after this many seconds without input."),
        batch_events: int = typer.Option(5000, "--batch-events", min=1, help="Events between re-runs of the stages."),
        platform: str = typer.Option("bluesky", "--platform", help="Platform name given to Jetstream events."),
    ) -> None:
        """Consume a stream, keep durable state, raise alerts (resumes from --state after a crash)."""
        from vigil.progress import console
        from vigil.watch.engine import Watcher, WatchOptions
        from vigil.watch.sources import run_jsonl, run_websocket

        if previous is not None and not (previous / "accounts.csv").exists():
            raise typer.BadParameter(f"{previous}: no accounts.csv", param_hint="--from")
        if not (source.startswith(("ws://", "wss://")) or source.startswith("jsonl:")):
            raise typer.BadParameter("ws://HOST:PORT/subscribe or jsonl:PATH|-", param_hint="--source")
        w = Watcher(WatchOptions(state=state, alerts=alerts, lexicon=lexicon, hashes=list(hashes), seeds=seeds,
                                 previous=previous, db_url=db, batch_events=batch_events, platform=platform))
        if source.startswith("jsonl:"):
            path = source[len("jsonl:"):]
            if path != "-" and not Path(path).is_file():
                raise typer.BadParameter(f"{path}: no such file", param_hint="--source")
            run_jsonl(w, path, until_idle)
        else:
            run_websocket(w, source, until_idle)
        console.print(f"watch: {w.events} events, {len(w.alerted)} alert ids in {alerts}")

    @app.command("standin-jetstream")
    def standin_jetstream(
        export_dir: Path = typer.Argument(..., exists=True, file_okay=False),
        port: int = typer.Option(..., "--port", min=1, max=65535),
        host: str = typer.Option("127.0.0.1", "--host"),
        rate: Optional[float] = typer.Option(None, "--rate", min=0.001, help="Events per second (default: as fast as read)."),
        drop_every: Optional[int] = typer.Option(None, "--drop-every", min=1, help="Close the connection every N messages."),
        platform: Optional[str] = typer.Option(None, "--platform", help="Platform of the export to replay (default: most accounts)."),
    ) -> None:
        """Replay an export as Bluesky Jetstream events on ws://HOST:PORT/subscribe."""
        import asyncio

        from vigil.progress import console
        from vigil.watch.standin import build_events, serve

        events = build_events(export_dir, platform)
        console.print(f"serving {len(events)} events on ws://{host}:{port}/subscribe")
        asyncio.run(serve(events, host, port, rate=rate, drop_every=drop_every))
