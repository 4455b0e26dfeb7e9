"""Recorded Bluesky Jetstream events (JSON lines, one event a line) -> contract export.

The same mapping the live watcher uses (`vigil.importers.jetstream.event_to_records`), so a
recording imported in batch and the stream watched live give the same records. SRC is one
`.jsonl` file or a folder of them, read in name order, one line at a time.

An account arrives in pieces (an identity event with the handle, a profile commit with the bio),
so account fields are merged per account, later values over earlier ones, and written at the end;
posts and edges stream straight through.
"""

from __future__ import annotations

import json
from pathlib import Path

from vigil.importers import register
from vigil.importers.jetstream import event_to_records
from vigil.importers.sink import Sink


@register("jetstream")
def read_jetstream(src: Path, sink: Sink) -> None:
    accounts: dict[str, dict] = {}
    files = sorted(Path(src).glob("*.jsonl")) if Path(src).is_dir() else [Path(src)]
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    records = event_to_records(json.loads(line), sink.platform)
                except json.JSONDecodeError as e:
                    sink.reject(path, n, f"not JSON: {e.msg}")
                    continue
                except ValueError as e:
                    sink.reject(path, n, str(e))
                    continue
                for table, row in records:
                    if table == "accounts":
                        merged = accounts.setdefault(row["account_id"], {})
                        merged.update({k: v for k, v in row.items() if v not in (None, "")})
                    else:
                        sink.row(table, row)
    for row in accounts.values():
        sink.account(row)
