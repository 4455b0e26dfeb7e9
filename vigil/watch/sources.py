"""Where the watcher's input comes from: JSON lines (a file or stdin) or a Jetstream websocket."""

from __future__ import annotations

import asyncio
import json
import sys
import time

# Reconnect backoff: doubled after each failed try up to the cap, reset once a message arrives;
# the cap keeps a restarted server reached within seconds without hammering it.
BACKOFF_START_S = 0.1
BACKOFF_MAX_S = 10.0


def run_jsonl(w, path: str, until_idle: float | None) -> None:
    """Contract records, one JSON object a line with its `table`; the cursor counts lines."""
    f = sys.stdin if path == "-" else open(path, encoding="utf-8")
    source = "stdin" if path == "-" else path
    try:
        skip = w.events
        for n, line in enumerate(f, start=1):
            if n <= skip:
                continue
            if not line.strip():
                w.events += 1
                w.reject(source, n, "empty line", line)
                w._tick()
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                reject_unreadable(w, source, n, e, line)
                continue
            w.take_record(rec, n, source)
    finally:
        if f is not sys.stdin:
            f.close()
    w.close()


def reject_unreadable(w, source: str, where, e: json.JSONDecodeError, raw) -> None:
    """A message that is not JSON still counts as consumed (the cursor moves past it) and is kept."""
    w.events += 1
    w.reject(source, where, f"bad json ({e.msg})", raw)
    w._tick()


def run_websocket(w, url: str, until_idle: float | None, max_backoff: float = BACKOFF_MAX_S) -> None:
    asyncio.run(_consume(w, url, until_idle, max_backoff))
    w.close()


async def _consume(w, url: str, until_idle: float | None, max_backoff: float) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

    backoff = BACKOFF_START_S
    last_msg = time.monotonic()
    while True:
        sep = "&" if "?" in url else "?"
        target = f"{url}{sep}cursor={w.time_us}" if w.time_us else url
        try:
            async with connect(target, max_size=2**24) as ws:
                while True:
                    timeout = None if until_idle is None else max(until_idle - (time.monotonic() - last_msg), 0.01)
                    try:
                        msg = await asyncio.wait_for(ws.recv(), timeout)
                    except asyncio.TimeoutError:
                        return  # idle: the stream has nothing more for now
                    last_msg = time.monotonic()
                    backoff = BACKOFF_START_S
                    try:
                        event = json.loads(msg)
                    except json.JSONDecodeError as e:
                        reject_unreadable(w, url, None, e, msg)
                        continue
                    w.take_event(event, url)
        except InvalidURI:
            raise
        except (ConnectionClosed, OSError, InvalidHandshake, asyncio.TimeoutError):
            if until_idle is not None and time.monotonic() - last_msg > until_idle:
                return
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)
