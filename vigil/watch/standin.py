"""`vigil standin-jetstream`: an export replayed in Jetstream's wire format over websockets.

For rehearsals and tests of the watcher: `/subscribe?cursor=TIME_US` resumes after that time,
like Jetstream's cursor; `drop_every` closes the connection every N messages to exercise
reconnects. Events are built once, in time order, with strictly increasing `time_us` so a cursor
names exactly one event.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from vigil.importers.jetstream import record_to_events


def build_events(export_dir: Path, platform: str | None = None) -> list[str]:
    """The export's records of one platform (the one with most accounts unless named), as events."""
    from vigil.watch.replay import export_records

    recs = list(export_records(export_dir, tables=("accounts", "posts", "edges")))
    if platform is None:
        counts: dict[str, int] = {}
        for r in recs:
            if r["table"] == "accounts":
                counts[r["platform"]] = counts.get(r["platform"], 0) + 1
        platform = max(sorted(counts), key=lambda p: counts[p]) if counts else None
    out, last = [], 0
    for r in recs:
        if r["platform"] != platform:
            continue
        for e in record_to_events(r["table"], r, fallback_us=last):
            e["time_us"] = max(e["time_us"], last + 1)
            last = e["time_us"]
            out.append(json.dumps(e, ensure_ascii=False))
    return out


async def serve(events: list[str], host: str, port: int, rate: float | None = None,
                drop_every: int | None = None, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None):
    from websockets.asyncio.server import serve as ws_serve

    times = [json.loads(e)["time_us"] for e in events]

    async def handler(ws):
        url = urlparse(ws.request.path)
        if url.path.rstrip("/") != "/subscribe":
            await ws.close(1008, "only /subscribe")
            return
        cursor = int((parse_qs(url.query).get("cursor") or ["0"])[0] or 0)
        import bisect

        start = bisect.bisect_right(times, cursor)
        sent = 0
        for e in events[start:]:
            await ws.send(e)
            sent += 1
            if drop_every and sent >= drop_every:
                await ws.close(1011, "stand-in drop")
                return
            if rate:
                await asyncio.sleep(1.0 / rate)
        await ws.wait_closed()

    async with ws_serve(handler, host, port, max_size=2**24):
        if ready is not None:
            ready.set()
        await (stop.wait() if stop is not None else asyncio.Future())
