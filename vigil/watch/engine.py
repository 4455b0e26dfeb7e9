"""The watcher: records in, alerts out, with durable state so a crash loses and repeats nothing.

Parity with a batch run is reached the plain way: records are appended to on-disk tables under
the state folder, and every BATCH_EVENTS events (counted from the stream's start, so a resumed
run cuts its batches where the first run did) and at the end, the batch stages re-run over the
accumulated tables; what they find that was not alerted yet becomes an alert. Alert ids are a
hash of what the alert says, and the alerts file is read back on start, so an alert raised
before a crash and again after it is written once.

Checkpoint order: table files flushed and synced, batch run, alerts flushed and synced, then the
cursor (event count, table sizes) replaced atomically. After a crash the tables are cut back to
the cursor's sizes and the stream resumes after the cursor's last event.
"""

from __future__ import annotations

import hashlib
from collections import deque
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from vigil.importers.jetstream import event_to_records

# Re-running the batch stages costs seconds at any size; this many events between runs keeps a
# small world's replay to a handful of runs while a flagged account is alerted within minutes of
# a live stream's pace.
BATCH_EVENTS = 5000
LATENCY_SAMPLES = 100_000
TABLES = ("accounts", "posts", "edges", "recommendations")
ALERT_ROLES = ("seller", "buyer", "facilitator")
# Alerts that state an account's role: the latest of them is what the feed says the account is now.
# A batch over part of the stream can flag an account that more data then labels otherwise, so a
# role is corrected by a later `role_changed` (or `cleared`) alert, never silently.
ROLE_KINDS = ("new_seller", "new_buyer", "new_facilitator", "backup", "role_changed", "cleared")


def current_roles(alerts) -> dict[tuple[str, str], str]:
    """Each account's role as the alert feed states it now (its latest role alert)."""
    now: dict[tuple[str, str], str] = {}
    for a in alerts:
        if a.get("kind") in ROLE_KINDS:
            now[(a["platform"], a["account_id"])] = a["role"]
    return now


@dataclass
class WatchOptions:
    state: Path
    alerts: Path
    lexicon: Path
    hashes: list[Path]
    seeds: Path | None = None
    previous: Path | None = None
    db_url: str | None = None
    batch_events: int = BATCH_EVENTS
    platform: str = "bluesky"


def alert_id(*parts) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:20]


@dataclass
class Watcher:
    opts: WatchOptions
    events: int = 0  # events consumed (the cursor)
    time_us: int = 0  # last Jetstream time_us consumed
    alerted: set = field(default_factory=set)
    known_flagged: set = field(default_factory=set)  # from --from: not new
    roles: dict = field(default_factory=dict)  # (platform, account_id) -> the role last alerted

    def __post_init__(self):
        st = Path(self.opts.state)
        (st / "tables").mkdir(parents=True, exist_ok=True)
        self.cursor_path = st / "cursor.json"
        self.rejects = open(st / "rejects.jsonl", "a", encoding="utf-8")
        sizes = {}
        if self.cursor_path.exists():
            cur = json.loads(self.cursor_path.read_text())
            self.events, self.time_us, sizes = cur["events"], cur["time_us"], cur["sizes"]
        self.files = {}
        for t in TABLES:
            p = self._log(t)
            if p.exists() and p.stat().st_size > sizes.get(t, 0):
                with open(p, "r+b") as f:  # cut back what was written after the last checkpoint
                    f.truncate(sizes.get(t, 0))
            self.files[t] = open(p, "a", encoding="utf-8")
        alerts = Path(self.opts.alerts)
        if alerts.exists():
            earlier = [json.loads(line) for line in alerts.read_text(encoding="utf-8").splitlines() if line.strip()]
            for a in earlier:
                self.alerted.add(a["id"])
                self.alerted.update(a.get("evidence_seen", ()))
            self.roles = current_roles(earlier)
        self.alert_file = open(alerts, "a", encoding="utf-8")
        if self.opts.previous:
            import csv

            with open(Path(self.opts.previous) / "accounts.csv", newline="", encoding="utf-8") as f:
                self.known_flagged = {(r["platform"], r["account_id"], r["role"]) for r in csv.DictReader(f)
                                      if r["role"] in ALERT_ROLES}
            # Evidence the earlier run already had is not news either.
            sh = Path(self.opts.previous) / "workspace" / "signal_hits.parquet"
            if sh.exists():
                for p, a, post_id, sig in duckdb.sql(
                        f"SELECT DISTINCT platform, account_id, post_id, signal_id FROM read_parquet('{sh.as_posix()}') "
                        "WHERE post_id IS NOT NULL").fetchall():
                    self.alerted.add(alert_id("evidence", p, a, post_id, sig))
            mm = Path(self.opts.previous) / "workspace" / "media_matches.parquet"
            if mm.exists():
                for p, a, media_id in duckdb.sql(
                        f"SELECT DISTINCT platform, account_id, media_id FROM read_parquet('{mm.as_posix()}') "
                        "WHERE account_id IS NOT NULL").fetchall():
                    self.alerted.add(alert_id("hash", p, a, media_id))
        self.since_batch = self.events % self.opts.batch_events
        self.pending = 0
        # The latest alert latencies (for bench/watch.py), bounded like everything else in RAM.
        self.latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self.arrivals: dict[int, float] = {}

    def _log(self, table: str) -> Path:
        # accounts arrive in pieces (a handle, then a profile): the log is merged into the export
        # table at batch time; the other tables are the export's files themselves.
        return Path(self.opts.state) / "tables" / (f"{table}.log" if table == "accounts" else f"{table}.jsonl")

    # ---- input -------------------------------------------------------------------------

    def reject(self, source: str, where, reason: str, raw) -> None:
        self.rejects.write(json.dumps({"file": source, "line": where, "reason": reason,
                                       "record": raw if isinstance(raw, (dict, list)) else str(raw)[:2000]},
                                      ensure_ascii=False, default=str) + "\n")

    def take_record(self, rec: dict, where, source: str) -> None:
        """One contract record with its `table` field (the JSON-lines source)."""
        self.events += 1
        t = rec.get("table") if isinstance(rec, dict) else None
        if t not in TABLES:
            self.reject(source, where, f"field table: {t!r} is not one of {', '.join(TABLES)}", rec)
        else:
            body = {k: v for k, v in rec.items() if k != "table"}
            if not body.get("platform"):
                self.reject(source, where, "field platform: missing", rec)
            else:
                self.files[t].write(json.dumps(body, ensure_ascii=False) + "\n")
        self._tick()

    def take_event(self, event: dict, source: str) -> None:
        """One Jetstream event (the websocket source)."""
        t_us = event.get("time_us") if isinstance(event, dict) else None
        if isinstance(t_us, int) and t_us <= self.time_us:
            return  # replayed after a reconnect: already consumed
        self.events += 1
        try:
            recs = event_to_records(event, self.opts.platform)
        except ValueError as e:
            self.reject(source, t_us, str(e), event)
            recs = []
        for t, r in recs:
            self.files[t].write(json.dumps(r, ensure_ascii=False) + "\n")
        if isinstance(t_us, int):
            self.time_us = t_us
        self._tick()

    def _tick(self) -> None:
        self.pending += 1
        self.arrivals.setdefault(self.events, time.perf_counter())
        if self.events % self.opts.batch_events == 0:
            self.checkpoint()

    # ---- batch + alerts ----------------------------------------------------------------

    def checkpoint(self) -> list[dict]:
        if self.pending == 0 and self.cursor_path.exists():
            return []
        for f in self.files.values():
            f.flush()
            os.fsync(f.fileno())
        self.rejects.flush()
        new = self._run_batch()
        for a in new:
            self.alert_file.write(json.dumps(a, ensure_ascii=False) + "\n")
        self.alert_file.flush()
        os.fsync(self.alert_file.fileno())
        now = time.perf_counter()
        if new:
            self.latencies.extend(now - t for t in self.arrivals.values())
        self.arrivals.clear()
        sizes = {t: self._log(t).stat().st_size for t in TABLES}
        tmp = self.cursor_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"events": self.events, "time_us": self.time_us, "sizes": sizes}))
        os.replace(tmp, self.cursor_path)
        self.pending = 0
        return new

    def _export_dir(self) -> Path:
        """The accumulated tables as an export folder (accounts merged field by field, last wins)."""
        exp = Path(self.opts.state) / "tables"
        merged: dict[tuple, dict] = {}
        with open(self._log("accounts"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                merged.setdefault((r["platform"], r["account_id"]), {}).update(r)
        tmp = exp / "accounts.jsonl.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            for r in merged.values():
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        os.replace(tmp, exp / "accounts.jsonl")
        return exp

    def _run_batch(self) -> list[dict]:
        from vigil.pipeline import RunOptions, investigate

        exp = self._export_dir()
        if not (exp / "accounts.jsonl").stat().st_size:
            return []
        out = Path(self.opts.state) / "run"
        investigate(RunOptions(export_dir=exp, lexicon=self.opts.lexicon, hashes=list(self.opts.hashes),
                               out_dir=out, seeds=self.opts.seeds, db_url=self.opts.db_url))
        return self._new_alerts(out / "workspace")

    def _new_alerts(self, ws: Path) -> list[dict]:
        con = duckdb.connect()
        try:
            scores = con.execute(
                f"SELECT platform, account_id, role, score, reasons, backup_of FROM read_parquet('{ws / 'scores.parquet'}') "
                "WHERE role IN ('seller', 'buyer', 'facilitator') ORDER BY platform, account_id").fetchall()
            mm = ws / "media_matches.parquet"
            matches = con.execute(
                f"SELECT DISTINCT platform, account_id, media_id, bank, category FROM read_parquet('{mm}') "
                "WHERE account_id IS NOT NULL ORDER BY ALL").fetchall() if mm.exists() else []
            sh = ws / "signal_hits.parquet"
            hits = con.execute(
                f"SELECT DISTINCT platform, account_id, post_id, signal_id, category, matched "
                f"FROM read_parquet('{sh}') WHERE post_id IS NOT NULL AND coalesce(context, 'use') = 'use' "
                "ORDER BY ALL").fetchall() if sh.exists() else []
        finally:
            con.close()
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        by_key = {(p, a): (role, score, reasons, b) for p, a, role, score, reasons, b in scores}
        sellers = {(p, a) for (p, a), v in by_key.items() if v[0] == "seller"}
        network_before = {k for k in by_key if alert_id("role", *k) in self.alerted or (*k, by_key[k][0]) in self.known_flagged}
        out = []

        def add(kind_key, kind, p, a, role, score, reasons, **extra):
            i = alert_id(*kind_key)
            if i in self.alerted:
                return
            self.alerted.add(i)
            self.alerted.update(extra.get("evidence_seen", ()))
            out.append({"id": i, "kind": kind, "platform": p, "account_id": a, "role": role,
                        "score": round(float(score), 6), "reasons": reasons, "at": at,
                        "stream_position": self.events, **extra})
            if kind in ROLE_KINDS:
                self.roles[(p, a)] = role

        hit_ids: dict[tuple, list[str]] = {}
        for p, a, post_id, sig, _, _ in hits:
            hit_ids.setdefault((p, a), []).append(alert_id("evidence", p, a, post_id, sig))
        known = sellers | {(x[0], x[1]) for x in self.known_flagged if x[2] == "seller"}
        for (p, a), (role, score, reasons, backup_of) in by_key.items():
            if (p, a, role) in self.known_flagged:
                continue
            # The evidence an account is flagged on is in this alert; only later evidence is news.
            seen = hit_ids.get((p, a), [])
            before = self.roles.get((p, a))
            if before is not None and before != role:  # more of the stream says otherwise
                add(("role_changed", p, a, before, role, self.events), "role_changed", p, a, role, score, reasons,
                    previous_role=before, evidence_seen=seen)
            elif backup_of and (p, backup_of) in known:
                add(("role", p, a), "backup", p, a, role, score, reasons, backup_of=backup_of, evidence_seen=seen)
            else:
                add(("role", p, a), f"new_{role}", p, a, role, score, reasons, evidence_seen=seen)

        for (p, a), before in list(self.roles.items()):
            if before != "none" and (p, a) not in by_key:
                add(("cleared", p, a, before, self.events), "cleared", p, a, "none", 0.0,
                    f"no longer flagged (was {before}) once more of the stream was read", previous_role=before)

        for p, a, media_id, bank, cat in matches:
            role, score, reasons, _ = by_key.get((p, a), ("none", 0.0, "", None))
            add(("hash", p, a, media_id), "hash_match", p, a, role, score,
                f"media {media_id} matches hash bank {bank} ({cat})", media_id=media_id)
        for p, a, post_id, sig, cat, matched in hits:
            if (p, a) not in network_before:
                continue
            role, score, _, _ = by_key[(p, a)]
            add(("evidence", p, a, post_id, sig), "new_evidence", p, a, role, score,
                f"{cat}: '{matched}' in post {post_id}", post_id=post_id)
        return out

    def close(self) -> None:
        self.checkpoint()
        for f in (*self.files.values(), self.rejects, self.alert_file):
            f.close()
