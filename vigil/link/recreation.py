"""The linker's own evidence that an account re-creates another on the same platform.

A banned seller comes back: the new account appears soon after the old one went quiet, and
often says so in its bio ("new acc", "backup", "old acc got deleted"). Neither is a name or a
picture, so both add to the handle and the shared circle without counting them twice. Each
weighs log(m/u) when seen and log((1-m)/(1-u)) when not: u is measured on this export (how many
accounts of the platform were opened in that window; how many bios use such words), m is a
stated assumption about re-created accounts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil.link.normalize import fold
from vigil.link.profiles import Profiles

# "Soon after it went quiet": a seller whose account is banned opens the next within weeks.
SUCCESSION_WINDOW_DAYS = 60
# Share of re-created accounts opened within that window after the old account's last post
# (the rest come back later, or the export misses the old account's last posts).
SUCCESSION_M = 0.6
# Share of re-created accounts whose bio says what they are.
BACKUP_WORDS_M = 0.3
# Generic re-creation language (not abuse terms): "backup acc", "new acc", "old acc got deleted".
BACKUP_WORDS = re.compile(
    r"\b(back\s?up|new\s+(acc|account|page)|old\s+(acc|account|page)|main\s+(acc\s+)?(got\s+)?(banned|deleted|gone)"
    r"|got\s+(banned|deleted))\b"
)


@dataclass
class Recreation:
    """Per account row: when it opened, its last post, whether its bio announces a re-creation;
    per platform: sorted opening days (for u of a window) and the share of backup-word bios."""

    created: np.ndarray  # days since epoch, nan when unknown
    last_post: np.ndarray  # days since epoch, nan when unknown
    words: np.ndarray  # bool
    opened_sorted: dict[str, np.ndarray]
    words_u: dict[str, float]

    def weights(self, prof: Profiles, i: int, j: int, sellers: set[tuple[str, str]]) -> dict[str, float]:
        """Weights for (i, j) on one platform, in the direction that fits (the younger account
        re-creating the older one). Empty when the dates needed are unknown, or when the older
        account is not a flagged seller or facilitator: re-creation is what a banned seller does,
        and the share BACKUP_PRIOR the linker assumes is theirs."""
        if prof.platform[i] != prof.platform[j]:
            return {}
        old, new = self.older_newer(i, j)
        if (prof.platform[old], prof.account_id[old]) not in sellers:
            return {}
        if np.isnan(self.created[new]) or np.isnan(self.last_post[old]) or self.created[new] <= self.created[old]:
            return {}
        p = prof.platform[i]
        out = {}
        start = self.last_post[old] - 1
        u = self.window_share(p, start, start + 1 + SUCCESSION_WINDOW_DAYS)
        if start <= self.created[new] <= start + 1 + SUCCESSION_WINDOW_DAYS:
            out["succession"] = math.log(SUCCESSION_M / u)
        else:
            out["succession"] = math.log((1 - SUCCESSION_M) / (1 - u))
        wu = self.words_u[p]
        out["backup_words"] = math.log(BACKUP_WORDS_M / wu) if self.words[new] else math.log((1 - BACKUP_WORDS_M) / (1 - wu))
        return out

    def older_newer(self, i: int, j: int) -> tuple[int, int]:
        return (i, j) if _before(self.created[i], self.created[j]) else (j, i)

    def window_share(self, platform: str, lo: float, hi: float) -> float:
        days = self.opened_sorted[platform]
        n = int(np.searchsorted(days, hi, side="right") - np.searchsorted(days, lo, side="left"))
        return min((n + 0.5) / (len(days) + 1), 0.5)


def _before(a: float, b: float) -> bool:
    return not np.isnan(a) and (np.isnan(b) or a <= b)


def _days(values: list) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for k, v in enumerate(values):
        if isinstance(v, dt.datetime):
            out[k] = v.timestamp() / 86400.0
    return out


def _column_days(column: pa.ChunkedArray) -> np.ndarray:
    """`_days` of a timestamp column. An aware one in numpy: `datetime.timestamp()` is its
    microseconds since the epoch over 1e6, the same float (pyarrow makes each datetime at ~5 us)."""
    t = column.type
    if not (pa.types.is_timestamp(t) and t.tz is not None and t.unit in ("s", "ms", "us")):
        return _days(column.to_pylist())
    us = pc.cast(column, pa.timestamp("us", t.tz)).cast(pa.int64())
    days = pc.fill_null(us, 0).to_numpy().astype(np.float64) / 1e6 / 86400.0
    days[~pc.is_valid(us).to_numpy(zero_copy_only=False)] = np.nan
    return days


def last_posts(posts_path) -> pa.Table:
    """(platform, account_id, last_post) from a posts Parquet file, aggregated in DuckDB."""
    con = duckdb.connect()
    try:
        path = str(posts_path).replace("'", "''")
        return con.sql(f"SELECT platform, account_id, max(created_at) AS last_post FROM read_parquet('{path}') "
                       "GROUP BY ALL").to_arrow_table()
    finally:
        con.close()


def build_recreation(prof: Profiles, bios: list, last_post: pa.Table | None) -> Recreation:
    created = _days(prof.created_at)
    last = np.full(len(prof), np.nan)
    if last_post is not None and last_post.num_rows:
        keys = zip(last_post.column("platform").to_pylist(), last_post.column("account_id").to_pylist())
        rows = np.array([prof.index.get(k, -1) for k in keys], dtype=np.int64)
        days = _column_days(last_post.column("last_post"))
        known = (rows >= 0) & ~np.isnan(days)
        last[rows[known]] = days[known]
    # Bios repeat (templates, one seller's copies): each distinct bio is read once.
    announces = {b: bool(b) and BACKUP_WORDS.search(fold(b)) is not None for b in set(bios)}
    words = np.array([announces[b] for b in bios], dtype=bool)
    plat = np.array(prof.platform)
    opened, words_u = {}, {}
    for p in set(prof.platform):
        mask = plat == p
        c = created[mask]
        opened[p] = np.sort(c[~np.isnan(c)])
        words_u[p] = (float(words[mask].sum()) + 0.5) / (int(mask.sum()) + 1)
    return Recreation(created=created, last_post=last, words=words, opened_sorted=opened, words_u=words_u)
