"""The `signals` stage: scan profiles and posts, write `signal_hits` and `account_signals`.

Posts are read and scanned in bounded batches, so memory does not grow with the export.
The per-account features are sums of hit weights by category over texts that *use* the
signal; hits in texts that warn about or report it are summed apart (`warn`), and adult age
claims apart (`age_adult`), so the graph stage can tell a seller from an advocate or an adult
creator without re-reading any text.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vigil import progress, schemas
from vigil.signals.lexicon import Lexicon
from vigil.signals.matcher import CONTEXTS, WARN, Hits, Matcher
from vigil.workspace import Workspace

POST_BATCH = 100_000  # posts per scanned batch: ~10 MB of text, a few hundred MB of working arrays
FEATURES = schemas.SIGNAL_FEATURES
EVIDENCE_TOP = 3  # signals named in an account's evidence text
# The quoted example of a signal: its heaviest hit; among equals the profile's before any post,
# then field, post and offset, so the evidence reads the same whatever order the hits come in
# (two arg_max calls could also quote one hit and place it at another).
EXAMPLE_ORDER = "weight DESC, post_id NULLS FIRST, field, start, \"end\", matched"
ACCOUNT_SIGNALS = schemas.ACCOUNT_SIGNALS


def run_signals(ws: Workspace, lexicon: Lexicon) -> dict:
    """Scan every profile and post; write `signal_hits` and `account_signals`; return stats."""
    m = lexicon.matcher
    stats = {"texts": 0, "bytes": 0, "hits": 0, "hits_by_context": {c: 0 for c in CONTEXTS}, "obfuscated_hits": 0}
    with ws.writer("signal_hits", schemas.SIGNAL_HITS) as out:
        if ws.has("accounts"):
            for batch in _batches(ws, "accounts", ["platform", "account_id", "handle", "display_name", "bio", "links"],
                                  "signals: profiles"):
                out.write(_count(stats, scan_profiles(m, batch), 4 * batch.num_rows, _text_bytes(batch, ["bio", "display_name", "handle"])))
        if ws.has("posts"):
            for batch in _batches(ws, "posts", ["platform", "post_id", "account_id", "text", "hashtags"],
                                  "signals: posts"):
                out.write(_count(stats, scan_posts(m, batch), batch.num_rows, _text_bytes(batch, ["text"])))
    ws.write("account_signals", account_signals(ws))
    stats["accounts_with_hits"] = ws.rows("account_signals")
    stats["deep_scanned_texts"] = m.counters["deep_texts"]  # texts that needed full normalisation (cumulative)
    return stats


def _text_bytes(batch: pa.Table, columns: list[str]) -> int:
    return sum(int(pc.sum(pc.binary_length(batch.column(c))).as_py() or 0) for c in columns)


def _batches(ws: Workspace, name: str, columns: list[str], label: str):
    pf = pq.ParquetFile(ws.path(name))
    cols = [c for c in columns if c in pf.schema_arrow.names]
    with progress.task(label, total=pf.metadata.num_rows) as t:
        for b in pf.iter_batches(batch_size=POST_BATCH, columns=cols):
            tbl = pa.Table.from_batches([b])
            for c in columns:
                if c not in tbl.column_names:
                    typ = schemas.ACCOUNTS.field(c).type if c in schemas.ACCOUNTS.names else schemas.POSTS.field(c).type
                    tbl = tbl.append_column(c, pa.nulls(tbl.num_rows, typ))
            yield tbl
            t.advance(tbl.num_rows)


def _count(stats: dict, t: pa.Table, texts: int, nbytes: int) -> pa.Table:
    stats["texts"] += texts
    stats["bytes"] += nbytes
    stats["hits"] += t.num_rows
    for c, n in zip(*np.unique(np.asarray(t.column("context").to_numpy(zero_copy_only=False), dtype=object),
                                return_counts=True)) if t.num_rows else ():
        stats["hits_by_context"][c] += int(n)
    stats["obfuscated_hits"] += int(pc.sum(t.column("obfuscated")).as_py() or 0) if t.num_rows else 0
    return t


def scan_posts(m: Matcher, posts: pa.Table) -> pa.Table:
    """Hits in the text and hashtags of a batch of posts (a hashtag already hit in the text is not counted twice)."""
    text = posts.column("text").combine_chunks() if posts.num_rows else pa.array([], pa.string())
    th = m.scan(text)
    tags = posts.column("hashtags").combine_chunks()
    flat = pc.list_flatten(tags)
    parent = np.asarray(pc.list_parent_indices(tags)) if len(flat) else np.zeros(0, np.int64)
    hashtags = pc.binary_join_element_wise(pa.scalar("#"), flat, pa.scalar("")) if len(flat) else flat
    hh = m.scan(hashtags)
    hh_rows = parent[hh.row] if len(hh) else hh.row
    # a hashtag hit in a post whose text warns is a warning too
    hh.context = np.where(np.isin(hh_rows, th.warn_rows), WARN, hh.context)
    seen = set(zip(th.row.tolist(), th.signal.tolist()))
    fresh = np.array([(r, s) not in seen for r, s in zip(hh_rows.tolist(), hh.signal.tolist())], dtype=bool)
    tables = [_hits_table(m, th, posts, th.row, "text", with_post=True)]
    keys = [(th.row, 0, th)]
    if fresh.any():
        kept = _select(hh, fresh)
        tables.append(_hits_table(m, kept, posts, hh_rows[fresh], "hashtag", with_post=True))
        keys.append((hh_rows[fresh], 1, kept))
    return _in_row_order(tables, keys)


def scan_profiles(m: Matcher, accounts: pa.Table) -> pa.Table:
    """Hits in bio, display name, handle and links; a bio that warns makes the whole profile a warning."""
    n = accounts.num_rows
    bio = m.scan(accounts.column("bio").combine_chunks())
    warn_rows = bio.warn_rows
    tables = [_hits_table(m, _with_warn(bio, warn_rows), accounts, bio.row, "bio")]
    keys = [(bio.row, 0, bio)]
    for rank, field in enumerate(("display_name", "handle"), start=1):
        h = m.scan(accounts.column(field).combine_chunks())
        tables.append(_hits_table(m, _with_warn(h, np.union1d(warn_rows, h.warn_rows)), accounts, h.row, field))
        keys.append((h.row, rank, h))
    links = accounts.column("links").combine_chunks()
    flat = pc.list_flatten(links)
    if len(flat):
        parent = np.asarray(pc.list_parent_indices(links))
        h = m.scan(flat)
        rows = parent[h.row]
        h.row = rows
        tables.append(_hits_table(m, _with_warn(h, warn_rows), accounts, rows, "link"))
        keys.append((rows, 3, h))
    del n
    return _in_row_order(tables, keys)


def _in_row_order(tables: list[pa.Table], keys: list[tuple[np.ndarray, int, Hits]]) -> pa.Table:
    """Hits by input row, then field, offset and signal: the matcher's own order depends on how the
    texts were batched, and this one does not, so any split of the rows (the embedded batches,
    a cluster's partitions) concatenates to the same table, and sums over it add up the same."""
    t = pa.concat_tables(tables)
    if not t.num_rows:
        return t
    cat = lambda xs: np.concatenate([np.asarray(x, dtype=np.int64) for x in xs])  # noqa: E731
    row = cat([r for r, _, _ in keys])
    field = cat([np.full(len(r), f) for r, f, _ in keys])
    start, end, sig = (cat([getattr(h, a) for _, _, h in keys]) for a in ("start", "end", "signal"))
    return t.take(pa.array(np.lexsort((sig, end, start, field, row))))


def _with_warn(h: Hits, warn_rows: np.ndarray) -> Hits:
    h.context = np.where(np.isin(h.row, warn_rows), WARN, h.context)
    return h


def _select(h: Hits, mask: np.ndarray) -> Hits:
    idx = np.flatnonzero(mask)
    return Hits(row=h.row[idx], signal=h.signal[idx], start=h.start[idx], end=h.end[idx],
                matched=[h.matched[i] for i in idx.tolist()], obfuscated=h.obfuscated[idx], context=h.context[idx],
                weight=h.weight[idx], warn_rows=h.warn_rows)


def _hits_table(m: Matcher, h: Hits, src: pa.Table, rows: np.ndarray, field: str, with_post: bool = False) -> pa.Table:
    if len(h) == 0:
        return schemas.SIGNAL_HITS.empty_table()
    take = pa.array(rows, pa.int64())
    sig = pa.array(h.signal, pa.int64())
    names = m.arrow_names
    cols = {
        "platform": src.column("platform").take(take),
        "account_id": src.column("account_id").take(take),
        "post_id": src.column("post_id").take(take) if with_post else pa.nulls(len(h), pa.string()),
        "field": pa.array([field], pa.string()).take(pa.array(np.zeros(len(h), np.int64))),
        "signal_id": names["signal_id"].take(sig),
        "category": names["category"].take(sig),
        "tags": names["tags"].take(sig),
        "weight": pa.array(h.weight, pa.float64()),
        "context": names["context"].take(pa.array(h.context, pa.int64())),
        "start": pa.array(h.start, pa.int32()),
        "end": pa.array(h.end, pa.int32()),
        "matched": pa.array(h.matched, pa.string()),
        "obfuscated": pa.array(h.obfuscated, pa.bool_()),
    }
    return pa.table(cols, schema=schemas.SIGNAL_HITS)


def account_signals(ws: Workspace) -> pa.Table:
    """Per-account features: weighted sums by category over `use` hits, plus warnings and evidence."""
    con = ws.connect()
    posts_counts = (
        "SELECT platform, account_id, count(*) AS n_posts FROM posts GROUP BY ALL" if ws.has("posts")
        else "SELECT NULL::VARCHAR AS platform, NULL::VARCHAR AS account_id, 0::BIGINT AS n_posts WHERE false"
    )
    cat_sums = ",\n".join(
        f"coalesce(sum(wd) FILTER (WHERE context = 'use' AND {cond}), 0.0)::DOUBLE AS {name}"
        for name, cond in [
            ("explicit", "category = 'explicit'"),
            ("age_minor", "category = 'age'"),
            ("sale", "category = 'sale'"),
            ("contact", "category = 'contact'"),
            ("payment", "category = 'payment'"),
            ("trade", "category = 'trade'"),
            ("request", "category = 'request'"),
            ("other", "category = 'other'"),
        ]
    )
    sql = f"""
    WITH h AS (SELECT *, weight::{schemas.EXACT_WEIGHT} AS wd FROM signal_hits),
    pc AS ({posts_counts}),
    per_sig AS (
        SELECT platform, account_id, signal_id, context, count(*) AS n, sum(wd)::DOUBLE AS w,
               first(matched ORDER BY {EXAMPLE_ORDER}) AS example,
               first(coalesce('post ' || post_id, field) ORDER BY {EXAMPLE_ORDER}) AS place
        FROM h GROUP BY ALL
    ),
    ev AS (
        SELECT platform, account_id,
               string_agg(
                 signal_id || CASE WHEN context = 'use' THEN '' ELSE ' [' || context || ']' END
                 || ' x' || n || ' ("' || replace(example, '"', '''') || '" in ' || place || ')',
                 '; ' ORDER BY (context = 'use') DESC, w DESC, signal_id) FILTER (WHERE rk <= {EVIDENCE_TOP}) AS evidence
        FROM (SELECT *, row_number() OVER (PARTITION BY platform, account_id
                                          ORDER BY (context = 'use') DESC, w DESC, signal_id) AS rk FROM per_sig)
        GROUP BY ALL
    ),
    agg AS (
        SELECT platform, account_id,
        {cat_sums},
        coalesce(sum(wd) FILTER (WHERE context = 'adult'), 0.0)::DOUBLE AS age_adult,
        coalesce(sum(wd) FILTER (WHERE context = 'warn'), 0.0)::DOUBLE AS warn,
        count(DISTINCT post_id) FILTER (WHERE context = 'use') AS n_hit_posts
        FROM h GROUP BY ALL
    )
    SELECT agg.platform, agg.account_id, {", ".join(FEATURES)}, warn, n_hit_posts,
           coalesce(pc.n_posts, 0)::BIGINT AS n_posts, ev.evidence
    FROM agg LEFT JOIN pc USING (platform, account_id) LEFT JOIN ev USING (platform, account_id)
    ORDER BY agg.platform, agg.account_id
    """
    return con.sql(sql).to_arrow_table().cast(ACCOUNT_SIGNALS)
