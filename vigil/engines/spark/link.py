"""Link blocking as Spark jobs: for a bounded set of query accounts, every candidate among all
accounts by pointer, shared identifier, name, handle trigrams and profile picture.

The platform-wide tables (every account's handle trigrams and their frequencies, the identifier
and name indexes with their crowding limits, the pointer edges) are DataFrames, made once per
run and joined against the queries; the picture index is broadcast once and range-searched per
partition with the linker's own search (the queries past its budget search the driver's exact
index, as embedded). The rows come back to the driver, where
vigil.link.candidates turns them into the pair table the embedded engine gives, row for row.
"""

from __future__ import annotations

import uuid

import numpy as np
import pyarrow as pa

from vigil.link.candidates import (HANDLE_TOP_K, HANDLE_TRIGRAM_SHARE, NAME_BLOCK_MAX, LinkEngine,
                                   close_picture_pairs, picture_queries)
from vigil.link.images import ProfileImages
from vigil.link.profiles import MAX_ACCOUNTS_PER_PERSON, Profiles, indexed_identifiers

FOUND = pa.schema([("i", pa.int64()), ("j", pa.int64())])
# Picture queries per search task: the search is one vectorised call, so a big batch per core.
QUERIES_PER_PARTITION = 50_000

_INDEXES: dict[int, tuple] = {}


def _picture_index(payload):
    """The broadcast picture index, rebuilt once per executor process."""
    import faiss

    key, rows, codes = payload
    got = _INDEXES.get(key)
    if got is None:
        idx = faiss.IndexBinaryFlat(codes.shape[1] * 8)
        if len(codes):
            idx.add(codes)
        _INDEXES.clear()
        got = _INDEXES[key] = (idx, rows)
    return got


def _searcher(index_bc, radius: int):
    def run(batches):
        from vigil.link.candidates import owned_pairs
        from vigil.link.images import range_rows

        idx, rows = _picture_index(index_bc.value)
        for b in batches:
            if not b.num_rows:
                continue
            owner = b.column(0).to_pylist()
            queries = [np.frombuffer(c, dtype=np.uint8) for c in b.column(1).to_pylist()]
            found = owned_pairs(owner, range_rows(idx, rows, queries, radius))
            yield pa.RecordBatch.from_arrays([pa.array([i for i, _ in found], pa.int64()),
                                              pa.array([j for _, j in found], pa.int64())], schema=FOUND)
    return run


class SparkLink:
    """vigil.link.candidates.LinkEngine on a SparkSession."""

    def __init__(self, spark):
        self.spark = spark
        self._for: Profiles | None = None  # the Profiles the tables below were made from
        self._tables: dict[str, object] = {}
        self._index = None  # the picture index broadcast as self._index_bc
        self._index_bc = None

    def engine(self) -> LinkEngine:
        return LinkEngine(candidates=self.candidates)

    def candidates(self, prof: Profiles, imgs: ProfileImages, queries: list[int],
                   image_radius: int) -> list[tuple[int, int, str]]:
        from vigil.engines.spark.tables import collect_arrow

        if not queries:
            return []
        t = self._platform_tables(prof)
        q = self.spark.createDataFrame(pa.table({"i": pa.array(sorted(set(queries)), pa.int64())}))
        found = [self._pointer_pairs(t, q), self._identifier_pairs(prof, t, queries),
                 self._name_pairs(t, q), self._handle_pairs(t, q)]
        image = self._image_pairs(imgs, queries, image_radius)
        if image is not None:
            found.append(image)
        rows = found[0]
        for df in found[1:]:
            rows = rows.unionByName(df)
        out = collect_arrow(rows)
        return list(zip(out.column("i").to_pylist(), out.column("j").to_pylist(), out.column("why").to_pylist()))

    def _platform_tables(self, prof: Profiles) -> dict:
        """Every account's blocking columns as DataFrames, made once per Profiles (the link stage
        blocks twice: the EM sample, then the accounts in scope)."""
        from pyspark.sql import functions as F

        if self._for is prof and self._tables:
            return self._tables
        for df in self._tables.values():
            df.unpersist()
        n = len(prof)
        codes = {p: k for k, p in enumerate(sorted(prof.platform_size))}
        acc = self.spark.createDataFrame(pa.table({
            "j": pa.array(np.arange(n), pa.int64()),
            "p": pa.array([codes[p] for p in prof.platform], pa.int32()),
            "core": pa.array(prof.core, pa.string()),
            "key": pa.array(prof.key, pa.string()),
        }))
        ids_j, ids = [], []
        for i in range(n):
            for ident in indexed_identifiers(prof, i):
                ids_j.append(i)
                ids.append(ident)
        indexed = self.spark.createDataFrame(pa.table({"j": pa.array(ids_j, pa.int64()), "ident": pa.array(ids, pa.string())}))
        src = [i for i in range(n) for _ in prof.points_to[i]]
        dst = [j for i in range(n) for j in prof.points_to[i]]
        pointers = self.spark.createDataFrame(pa.table({"i": pa.array(src, pa.int64()), "j": pa.array(dst, pa.int64())}))
        # Same padding as normalize.trigrams: '^' + core + '$', every 3 characters, each once.
        sets = (acc.where(F.col("core") != "")
                .select("j", "p", F.concat(F.lit("^"), "core", F.lit("$")).alias("s"))
                .select("j", "p", F.array_distinct(F.expr("transform(sequence(1, length(s) - 2), k -> substring(s, k, 3))"))
                        .alias("tris"))).cache()
        tris = sets.select("j", F.explode("tris").alias("t")).cache()
        self._tables = {
            "acc": acc.cache(),
            "trigram_sets": sets,
            "tris": tris,
            "df": tris.groupBy("t").agg(F.count("*").alias("df")).cache(),
            # identifiers held by one person's few accounts (profiles.identifies)
            "ids": (indexed.join(indexed.groupBy("ident").agg(F.count("*").alias("n"))
                                 .where(F.col("n").between(2, MAX_ACCOUNTS_PER_PERSON)), "ident")
                    .select("ident", "j").cache()),
            "names": (acc.where(F.col("key") != "").select("j", "p", "key")
                      .join(acc.where(F.col("key") != "").groupBy("p", "key").agg(F.count("*").alias("n"))
                            .where(F.col("n") <= NAME_BLOCK_MAX), ["p", "key"]).select("j", "p", "key").cache()),
            "pointers": pointers.cache(),
        }
        self._for = prof
        return self._tables

    @staticmethod
    def _pointer_pairs(t: dict, q):
        """Pointers either way: i's profile points at j, or j's at i."""
        from pyspark.sql import functions as F

        out = t["pointers"].join(F.broadcast(q), "i").select("i", "j")
        back = t["pointers"].select(F.col("j").alias("i"), F.col("i").alias("j")).join(F.broadcast(q), "i")
        return out.unionByName(back).withColumn("why", F.lit("pointer"))

    def _identifier_pairs(self, prof: Profiles, t: dict, queries: list[int]):
        """Identifiers in a query's bio or links that one person's few accounts hold."""
        from pyspark.sql import functions as F

        qi = [i for i in sorted(set(queries)) for _ in prof.identifiers[i]]
        qid = [x for i in sorted(set(queries)) for x in sorted(prof.identifiers[i])]
        mine = self.spark.createDataFrame(pa.table({"i": pa.array(qi, pa.int64()), "ident": pa.array(qid, pa.string())}))
        return F.broadcast(mine).join(t["ids"], "ident").select("i", "j", F.lit("identifier").alias("why"))

    @staticmethod
    def _name_pairs(t: dict, q):
        """The query's name key on every other platform where no more than NAME_BLOCK_MAX hold it."""
        from pyspark.sql import functions as F

        mine = t["acc"].join(F.broadcast(q), t["acc"].j == q.i).where(F.col("key") != "").select("i", F.col("p").alias("qp"), "key")
        return (F.broadcast(mine).join(t["names"], "key").where(F.col("p") != F.col("qp"))
                .select("i", "j", F.lit("name").alias("why")))

    @staticmethod
    def _handle_pairs(t: dict, q):
        """candidates._handle_blocks as joins: prefix filtering on the query's rarest trigrams,
        each candidate's trigrams intersected with all of the query's, kept at
        HANDLE_TRIGRAM_SHARE, the HANDLE_TOP_K most similar per query and platform. The query
        side is bounded and broadcast; only the platform-wide trigram tables are shuffled."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        mine = (t["trigram_sets"].join(F.broadcast(q), t["trigram_sets"].j == q.i)
                .select("i", F.col("tris").alias("qtris"), F.size("tris").alias("n")))
        ranked = (mine.select("i", "n", F.explode("qtris").alias("t")).join(F.broadcast(t["df"]), "t", "left")
                  .withColumn("r", F.row_number().over(Window.partitionBy("i").orderBy(F.coalesce("df", F.lit(0)), "t"))))
        rare = ranked.where(F.col("r") <= F.col("n") - F.ceil(F.col("n") * HANDLE_TRIGRAM_SHARE) + 1).select("i", "t")
        cand = F.broadcast(rare).join(t["tris"], "t").where(F.col("i") != F.col("j")).select("i", "j").distinct()
        shared = (cand.join(t["trigram_sets"], "j").join(F.broadcast(mine), "i")
                  .select("i", "j", "p", "n", F.size(F.array_intersect("tris", "qtris")).alias("shared"))
                  .where(F.col("shared") / F.col("n") >= HANDLE_TRIGRAM_SHARE))
        rank = Window.partitionBy("i", "p").orderBy(F.col("shared").desc(), F.col("j"))
        return (shared.withColumn("k", F.row_number().over(rank)).where(F.col("k") <= HANDLE_TOP_K)
                .select("i", "j", F.lit("handle").alias("why")))

    def _image_pairs(self, imgs: ProfileImages, queries: list[int], radius: int):
        """Every personal picture within the radius of a query's picture or its rotations/mirrors:
        the wide queries (`picture_queries`) scanned on the executors against the broadcast
        pictures, the rest through the driver's exact index within PDQ_THRESHOLD, as embedded."""
        from pyspark.sql import functions as F

        from vigil.engines.spark.tables import arrow_ddl

        idx, rows = imgs.index()
        pq = picture_queries(imgs, queries)
        if not pq.owner or idx.ntotal == 0:
            return None
        parts = []
        if pq.wide:
            df = self.spark.createDataFrame(pa.table({
                "i": pa.array(pq.owner[: pq.wide], pa.int64()),
                "code": pa.array([np.asarray(v, dtype=np.uint8).tobytes() for v in pq.codes[: pq.wide]], pa.binary())}))
            n = max(1, min(self.spark.sparkContext.defaultParallelism * 4, -(-pq.wide // QUERIES_PER_PARTITION)))
            parts.append(df.repartition(n).mapInArrow(_searcher(self._broadcast(imgs, rows), radius), arrow_ddl(FOUND)))
        if pq.wide < len(pq.owner):
            found = close_picture_pairs(imgs, pq, radius)
            if found:
                parts.append(self.spark.createDataFrame(
                    pa.table({"i": pa.array([i for i, _ in found], pa.int64()),
                              "j": pa.array([j for _, j in found], pa.int64())}, schema=FOUND)))
        if not parts:
            return None
        out = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
        return out.withColumn("why", F.lit("image"))

    def _broadcast(self, imgs: ProfileImages, rows: np.ndarray):
        """The picture index as (rows, codes), sent to each executor once per index."""
        idx, _ = imgs.index()
        if self._index is not idx:
            if self._index_bc is not None:
                self._index_bc.unpersist()
            codes = np.stack([imgs.hashes[i] for i in rows]) if len(rows) else np.zeros((0, 32), np.uint8)
            key = uuid.uuid4().int  # executors cache the index by it: never reused by another index
            self._index, self._index_bc = idx, self.spark.sparkContext.broadcast((key, np.asarray(rows, np.int64), codes))
        return self._index_bc
