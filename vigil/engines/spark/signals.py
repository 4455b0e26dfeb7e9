"""Signals as a Spark job: the compiled hyperscan scanner runs per partition (mapInArrow), the
lexicon file is shipped to the executors as text and compiled once per Python worker.

Hits come back in the embedded stage's order (profiles then posts, rows in file and line order, a row's
hits as scan_profiles / scan_posts order them), so `account_signals`, computed from them by the
embedded SQL, is the same table."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from vigil import schemas

PROFILE_FIELDS = ("bio", "display_name", "handle", "link")
POST_FIELDS = ("text", "hashtag")
ORDER = [("_src", pa.int8()), ("_field", pa.int8()), ("_file", pa.string()), ("_line", pa.int64()), ("_k", pa.int64())]
HITS_OUT = pa.schema(list(schemas.SIGNAL_HITS) + ORDER)
PROFILE_COLUMNS = ["platform", "account_id", "handle", "display_name", "bio", "links", "_file", "_line"]
POST_COLUMNS = ["platform", "post_id", "account_id", "text", "hashtags", "_file", "_line"]

_MATCHERS: dict[str, object] = {}


def _matcher(lexicon_text: str):
    """The compiled matcher for a lexicon, built once per executor process."""
    m = _MATCHERS.get(lexicon_text)
    if m is None:
        import tempfile

        from vigil.signals import load_lexicon

        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as f:
            f.write(lexicon_text)
        try:
            m = _MATCHERS[lexicon_text] = load_lexicon(Path(f.name)).matcher
        finally:
            Path(f.name).unlink(missing_ok=True)
    return m


def _scanner(lexicon_bc, profiles: bool):
    from vigil.signals.stage import scan_posts, scan_profiles

    fields = PROFILE_FIELDS if profiles else POST_FIELDS
    key = ("platform", "account_id") if profiles else ("platform", "post_id")

    def scan(batches):
        m = _matcher(lexicon_bc.value)
        for b in batches:
            t = pa.Table.from_batches([b])
            if not t.num_rows:
                continue
            hits = scan_profiles(m, t) if profiles else scan_posts(m, t)
            if not hits.num_rows:
                continue
            where = {k: i for i, k in enumerate(zip(*(t.column(c).to_pylist() for c in key)))}
            rows = [where[k] for k in zip(*(hits.column(c).to_pylist() for c in key))]
            take = pa.array(rows, pa.int64())
            rank = {f: i for i, f in enumerate(fields)}
            out = hits.append_column("_src", pa.array([0 if profiles else 1] * hits.num_rows, pa.int8()))
            out = out.append_column("_field", pa.array([rank[f] for f in hits.column("field").to_pylist()], pa.int8()))
            out = out.append_column("_file", t.column("_file").take(take))
            out = out.append_column("_line", t.column("_line").take(take))
            out = out.append_column("_k", pa.array(range(hits.num_rows), pa.int64()))
            yield from out.cast(HITS_OUT).to_batches()
    return scan


def spark_signals(spark, ws, lexicon_path: Path) -> dict:
    """Scan every profile and post on the cluster; write `signal_hits` and `account_signals`."""
    from vigil.engines.spark.tables import arrow_ddl, collect_arrow
    from vigil.signals.stage import account_signals

    lex = spark.sparkContext.broadcast(Path(lexicon_path).read_text(encoding="utf-8"))
    parts = []
    files = {}
    for name, cols, profiles in (("accounts", PROFILE_COLUMNS, True), ("posts", POST_COLUMNS, False)):
        if not ws.has(name):
            continue
        df = spark.read.parquet(str(ws.path(name))).select(*cols)
        parts.append(df.mapInArrow(_scanner(lex, profiles), arrow_ddl(HITS_OUT)))
    if not parts:
        ws.write("signal_hits", schemas.SIGNAL_HITS.empty_table())
    else:
        hits = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
        files = {}
        for name in ("accounts", "posts"):
            if ws.has(name):
                files.update({f: i for i, f in enumerate(_file_order(ws, name))})
        table = collect_arrow(hits)
        table = _embedded_order(table, files)
        ws.write("signal_hits", table.select(schemas.SIGNAL_HITS.names).cast(schemas.SIGNAL_HITS))
    ws.write("account_signals", account_signals(ws))
    h = ws.read("signal_hits", columns=["context", "obfuscated"])
    ctx = h.column("context").to_pylist()
    return {"engine": "spark", "hits": h.num_rows,
            "hits_by_context": {c: ctx.count(c) for c in sorted(set(ctx))},
            "obfuscated_hits": sum(1 for o in h.column("obfuscated").to_pylist() if o),
            "accounts_with_hits": ws.rows("account_signals")}


def _file_order(ws, name: str) -> list[str]:
    """Files of a table in the order ingest wrote them."""
    import pyarrow.compute as pc

    col = ws.read(name, columns=["_file"]).column("_file")
    return pc.unique(col).to_pylist()


def _embedded_order(t: pa.Table, files: dict[str, int]) -> pa.Table:
    import numpy as np

    frank = np.array([files.get(f, 0) for f in t.column("_file").to_pylist()], dtype=np.int64)
    # rows in the table's order (profiles, then posts; file, line); a row's hits as the scan gave them
    keys = [t.column(c).to_numpy() for c in ("_k", "_line")] + [frank, t.column("_src").to_numpy()]
    return t.take(pa.array(np.lexsort(keys)))
