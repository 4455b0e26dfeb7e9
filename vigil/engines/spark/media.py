"""Media matching as Spark jobs: the image files hashed per partition (the stage's own hash_one),
the hash bank broadcast once and searched per partition with the bank's own vectorised PDQ
search, the MD5 match as a broadcast join. The embedded stage (vigil.media.stage.run_media)
does the rest over the results, so matches, transforms and tables are the same code.

On a cluster the executors read the image files by the paths the driver resolved: the export
folder must be mounted at the same path on every worker (see README: Running on a cluster)."""

from __future__ import annotations

import uuid

import numpy as np
import pyarrow as pa

from vigil.media.banks import HashBank
from vigil.media.hashing import ImageHash

# Files per hashing task: enough to amortise a task's start, small enough to spread a few
# thousand files over every core.
FILES_PER_PARTITION = 2_000
# PDQ queries per search task: the search is vectorised, so one big batch per core is cheapest.
QUERIES_PER_PARTITION = 200_000

HASHED = pa.schema([("path", pa.string()), ("pdq", pa.string()), ("quality", pa.int32()), ("md5", pa.string()),
                    ("dihedral", pa.string()), ("error", pa.string())])
FOUND = pa.schema([("qrow", pa.int64()), ("entry", pa.int64()), ("distance", pa.int32())])

_BANKS: dict[int, HashBank] = {}


def _partitions(spark, n: int, per: int) -> int:
    return max(1, min(spark.sparkContext.defaultParallelism * 4, -(-n // per)))


def _hasher():
    def run(batches):
        from vigil.media.hashing import hash_one

        for b in batches:
            rows = [hash_one((p, bool(d))) for p, d in zip(b.column(0).to_pylist(), b.column(1).to_pylist())]
            yield pa.RecordBatch.from_arrays([
                pa.array([p for p, _, _ in rows], pa.string()),
                pa.array([h.pdq if h else None for _, h, _ in rows], pa.string()),
                pa.array([h.quality if h else None for _, h, _ in rows], pa.int32()),
                pa.array([h.md5 if h else None for _, h, _ in rows], pa.string()),
                pa.array([",".join(h.dihedral) if h else None for _, h, _ in rows], pa.string()),
                pa.array([e for _, _, e in rows], pa.string()),
            ], schema=HASHED)
    return run


def _bank(payload) -> HashBank:
    """The broadcast bank, rebuilt once per executor process (entry ids as on the driver)."""
    key, threshold, thresholds, ipc = payload
    bank = _BANKS.get(key)
    if bank is None:
        t = pa.ipc.open_stream(ipc).read_all()
        bank = HashBank(pdq_threshold=threshold, thresholds=dict(thresholds))
        bank.add(zip(*(t.column(c).to_pylist() for c in ("signal_type", "signal", "bank", "category"))))
        _BANKS.clear()
        _BANKS[key] = bank
    return bank


def _searcher(bank_bc):
    def run(batches):
        from vigil.media.stage import pdq_search

        bank = _bank(bank_bc.value)
        for b in batches:
            if not b.num_rows:
                continue
            qrow, entry, dist = pdq_search(bank, b.column(1).to_pylist())
            base = b.column(0).to_numpy()
            yield pa.RecordBatch.from_arrays([pa.array(base[qrow], pa.int64()), pa.array(entry, pa.int64()),
                                              pa.array(dist, pa.int32())], schema=FOUND)
    return run


class SparkMedia:
    """vigil.media.stage.MediaEngine's three parts on a SparkSession."""

    def __init__(self, spark):
        self.spark = spark
        self._bank_bc: dict[int, object] = {}

    def engine(self):
        from vigil.media.stage import MediaEngine

        return MediaEngine(hash_files=self.hash_files, pdq_search=self.pdq_search, md5_join=self.md5_join)

    def hash_files(self, paths: list[str], dihedral: bool = False, workers: int | None = None,
                   dihedral_for: frozenset[str] | set[str] = frozenset()) -> dict:
        from vigil.engines.spark.tables import arrow_ddl, collect_arrow

        todo = sorted(set(paths))
        if not todo:
            return {}
        df = self.spark.createDataFrame([(p, dihedral or p in dihedral_for) for p in todo], "path string, dihedral boolean")
        df = df.repartition(_partitions(self.spark, len(todo), FILES_PER_PARTITION))
        t = collect_arrow(df.mapInArrow(_hasher(), arrow_ddl(HASHED)))
        out: dict[str, tuple[ImageHash | None, str]] = {}
        for p, pdq, q, md5, dih, err in zip(*(t.column(c).to_pylist() for c in HASHED.names)):
            out[p] = (ImageHash(pdq, q, md5, tuple(dih.split(",")) if dih else ()), "") if pdq is not None else (None, err)
        return out

    def _broadcast(self, bank: HashBank):
        key = id(bank)  # this run holds the bank, so its id is not reused while it is here
        if key not in self._bank_bc:
            entries = bank.entries_table()
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, entries.schema) as w:
                w.write_table(entries)
            # Executors' Python workers outlive a run and cache the bank by this key: a fresh one per
            # broadcast, since a later bank in the same driver may get the same id().
            payload = (uuid.uuid4().int, bank.pdq_threshold, sorted(bank.thresholds.items()), sink.getvalue().to_pybytes())
            self._bank_bc[key] = self.spark.sparkContext.broadcast(payload)
        return self._bank_bc[key]

    def pdq_search(self, bank: HashBank, hexes: list[str]):
        from vigil.engines.spark.tables import arrow_ddl, collect_arrow

        if not bank.n_pdq or not hexes:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)
        df = self.spark.createDataFrame(list(enumerate(hexes)), "qrow bigint, pdq string")
        df = df.repartition(_partitions(self.spark, len(hexes), QUERIES_PER_PARTITION))
        t = collect_arrow(df.mapInArrow(_searcher(self._broadcast(bank)), arrow_ddl(FOUND)))
        return (t.column("qrow").to_numpy(), t.column("entry").to_numpy(),
                t.column("distance").to_numpy().astype(np.int32))

    def md5_join(self, bank: HashBank, md5: list[str | None]) -> list[tuple[int, str, str]]:
        """The exact join with the bank's MD5 rows broadcast; rows in order, banks in bank order."""
        from pyspark.sql import functions as F

        rows = [(k, h) for k, h in enumerate(md5) if h]
        entries = [(h, pos, b, c) for h, v in bank.md5.items() for pos, (b, c) in enumerate(v)]
        if not rows or not entries:
            return []
        items = self.spark.createDataFrame(rows, "k bigint, md5 string")
        known = self.spark.createDataFrame(entries, "md5 string, pos int, bank string, category string")
        found = (items.join(F.broadcast(known), "md5").select("k", "pos", "bank", "category")
                 .orderBy("k", "pos").collect())
        return [(int(r.k), r.bank, r.category) for r in found]
