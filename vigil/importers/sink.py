"""Where an importer's rows go: one JSONL file per contract table, written as records arrive
(nothing is held but the sets of account and post ids already written), and a rejects file beside the
export naming file, line (or record index) and reason for every record left out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

TABLES = ("accounts", "posts", "edges", "recommendations")


@dataclass
class ImportSummary:
    out_dir: Path
    rejects_path: Path
    counts: dict[str, int] = field(default_factory=dict)
    rejects: int = 0


class Sink:
    def __init__(self, out_dir: Path, platform: str):
        self.platform = platform
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.rejects_path = self.out_dir.parent / f"{self.out_dir.name}.rejects.jsonl"
        self._files = {t: open(self.out_dir / f"{t}.jsonl", "w", encoding="utf-8") for t in TABLES}
        self._rejects = open(self.rejects_path, "w", encoding="utf-8")
        self.counts = dict.fromkeys(TABLES, 0)
        self.rejected = 0
        self._accounts: set[str] = set()
        self._posts: set[str] = set()

    def _write(self, table: str, row: dict) -> None:
        row = {"platform": self.platform, **{k: v for k, v in row.items() if v is not None}}
        self._files[table].write(json.dumps(row, ensure_ascii=False) + "\n")
        self.counts[table] += 1

    def account(self, row: dict) -> None:
        """First full record of an account wins; later sightings of the same id are skipped."""
        if row["account_id"] in self._accounts:
            return
        self._accounts.add(row["account_id"])
        self._write("accounts", row)

    def post(self, row: dict) -> None:
        """A post seen again (a reblog carries its original) is written once."""
        if row["post_id"] in self._posts:
            return
        self._posts.add(row["post_id"])
        self._write("posts", row)

    def edge(self, src: str, dst: str, kind: str, created_at: str | None = None) -> None:
        self._write("edges", {"src": src, "dst": dst, "kind": kind, "created_at": created_at})

    def row(self, table: str, row: dict) -> None:
        """A contract record of any table, with the same first-wins rule for accounts and posts."""
        if table == "accounts":
            self.account(row)
        elif table == "posts":
            self.post(row)
        else:
            self._write(table, row)

    def reject(self, file: Path | str, line: int, reason: str) -> None:
        self._rejects.write(json.dumps({"file": str(file), "line": line, "reason": reason}) + "\n")
        self.rejected += 1

    def close(self) -> ImportSummary:
        for f in self._files.values():
            f.close()
        self._rejects.close()
        return ImportSummary(self.out_dir, self.rejects_path, dict(self.counts), self.rejected)


def run_import(fmt: str, src: Path, out_dir: Path, platform: str | None = None) -> ImportSummary:
    from vigil.importers import formats

    readers = formats()
    if fmt not in readers:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(sorted(readers))}")
    sink = Sink(out_dir, platform or fmt)
    try:
        readers[fmt](Path(src), sink)
    finally:
        summary = sink.close()
    return summary
