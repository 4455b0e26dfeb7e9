"""The graph stage's platform-wide part as Spark jobs (vigil.graph.engine.GraphEngine): the edge
table coded and kept on the cluster, the crawl's hops as a join and a group-by each, and the
crawled accounts' edges and whole-table counts cut out with semi-joins and collected. Evidence,
roles, scores and communities then run on the driver over that bounded scope (vigil.graph.run),
so they are the embedded code.

The account dictionary (accounts in table order, then the unknown edge endpoints in the order the
edge table first names them) is built on the driver like the evidence arrays it indexes: it is
per account, while the edges, the big table, stay on the cluster. Pure DataFrame joins, no
GraphFrames."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vigil.graph.build import (EDGE_KINDS, KEY_SEP, AccountGraph, account_keys, coded_nodes, edge_matrices,
                               read_accounts, single_platform)
from vigil.graph.expand import EVIDENCE_SCALE, Reached, best_first
from vigil.graph.features import DEALING_KINDS, ScopeDegrees


def _codes_frame(spark, codes: np.ndarray, name: str = "code"):
    return spark.createDataFrame(pa.table({name: pa.array(np.asarray(codes, dtype=np.int64))}))


class SparkGraph:
    """GraphEngine on a SparkSession: coded edges `(k, src, dst, w)`, one row per distinct edge."""

    def __init__(self, spark):
        self.spark = spark
        self.nodes: AccountGraph | None = None
        self.edges = None  # (k: index into EDGE_KINDS, src, dst, w: summed count) per distinct edge
        self.und = None  # (a, b): each undirected tie both ways, once
        self.degree = None  # (code, degree): distinct neighbours
        self._n_edges = 0

    def load(self, ws, con) -> AccountGraph:
        from pyspark.sql import functions as F

        acc = read_accounts(ws)
        raw = self.spark.read.parquet(str(ws.path("edges"))) if ws.has("edges") else None
        plats = set() if raw is None else {
            r[0] for r in raw.select(F.col("platform").cast("string")).distinct().collect()}
        single, plats = single_platform(acc, plats)
        acc_keys = account_keys(acc, single)
        extra = pa.array([], pa.string())
        if raw is not None:
            raw = raw.select(F.monotonically_increasing_id().alias("_row"), self._key(raw, "src", single).alias("ks"),
                             self._key(raw, "dst", single).alias("kd"), F.col("kind").cast("string").alias("kind"),
                             F.col("count")).cache()
            extra = self._unknown_endpoints(raw, acc_keys)
        self.nodes = coded_nodes(con, acc_keys, extra, single, plats)
        if raw is not None and self.nodes.n:
            self._code_edges(raw, pa.concat_arrays([acc_keys.cast(pa.string()), extra]))
            raw.unpersist()
        return self.nodes

    @staticmethod
    def _key(df, col: str, single: bool):
        """vigil.graph.build._key in Spark: the id, or platform + KEY_SEP + id (null if either is)."""
        from pyspark.sql import functions as F

        if single:
            return F.col(col).cast("string")
        return F.concat(F.col("platform").cast("string"), F.lit(KEY_SEP), F.col(col).cast("string"))

    def _unknown_endpoints(self, raw, acc_keys: pa.Array) -> pa.Array:
        """Edge endpoints the accounts table lacks, in the embedded order: first as a source in
        row order, then as a destination (the scan numbers rows in file order)."""
        from pyspark.sql import functions as F

        known = self.spark.createDataFrame(pa.table({"key": acc_keys.cast(pa.string())}))
        ends = (raw.select(F.col("ks").alias("key"), F.lit(0).alias("side"), "_row")
                .unionByName(raw.select(F.col("kd").alias("key"), F.lit(1).alias("side"), "_row"))
                .where(F.col("key").isNotNull()).join(known, "key", "left_anti"))
        first = ends.groupBy("key").agg(F.min(F.struct("side", "_row")).alias("first"))
        rows = first.orderBy("first").select("key").collect()
        return pa.array([r[0] for r in rows], pa.string())

    def _code_edges(self, raw, keys: pa.Array) -> None:
        """Valid edges (known kind, two distinct coded ends) summed per (kind, src, dst), as
        vigil.graph.build.load_graph builds its matrices; their undirected ties and degrees."""
        from pyspark.sql import functions as F

        coding = self.spark.createDataFrame(pa.table({"key": keys, "code": pa.array(np.arange(len(keys)))}))
        kinds = F.array(*[F.lit(k) for k in EDGE_KINDS])
        coded = (raw.join(coding.toDF("ks", "src"), "ks").join(coding.toDF("kd", "dst"), "kd")
                 .select((F.array_position(kinds, F.col("kind")) - 1).alias("k"), "src", "dst",
                         F.greatest(F.coalesce(F.col("count"), F.lit(1)), F.lit(1)).cast("double").alias("w"))
                 .where((F.col("k") >= 0) & (F.col("src") != F.col("dst"))))
        self.edges = coded.groupBy("k", "src", "dst").agg(F.sum("w").alias("w")).cache()
        self._n_edges = self.edges.count()
        self.und = (self.edges.select(F.col("src").alias("a"), F.col("dst").alias("b"))
                    .unionByName(self.edges.select(F.col("dst").alias("a"), F.col("src").alias("b")))
                    .distinct().cache())
        self.degree = self.und.groupBy(F.col("a").alias("code")).agg(F.count(F.lit(1)).alias("degree")).cache()

    @property
    def n_edges(self) -> int:
        return self._n_edges

    def hops(self, prior: np.ndarray) -> "SparkHops":
        return SparkHops(self, prior)

    def neighbourhood(self, codes: np.ndarray) -> tuple[AccountGraph, ScopeDegrees]:
        """The edges with an end in `codes` (collected), and the whole-table counts of `codes`."""
        from pyspark.sql import functions as F

        from vigil.engines.spark.tables import collect_arrow

        nodes, m = self.nodes, len(codes)
        g = AccountGraph(platform=nodes.platform, account_id=nodes.account_id, mats=dict(nodes.mats))
        if self.edges is None or not m:
            return g, ScopeDegrees(np.zeros(m), np.zeros(m), np.zeros(m))
        scope = _codes_frame(self.spark, codes)
        out = self.edges.join(F.broadcast(scope.toDF("src")), "src", "left_semi")
        touch = out.unionByName(self.edges.join(F.broadcast(scope.toDF("dst")), "dst", "left_semi")).distinct()
        t = collect_arrow(touch.select("k", "src", "dst", "w"))
        k, src, dst = (t.column(c).to_numpy().astype(np.int64) for c in ("k", "src", "dst"))
        order = np.lexsort((dst, src, k))
        g.mats = edge_matrices(nodes.n, k[order], src[order], dst[order],
                               t.column("w").to_numpy().astype(np.float32)[order])
        kind = {name: i for i, name in enumerate(EDGE_KINDS)}
        agg = collect_arrow(out.groupBy("src").agg(
            F.sum((F.col("k") == kind["follow"]).cast("long")).alias("follows"),
            F.countDistinct(F.when(F.col("k").isin([kind[d] for d in DEALING_KINDS]), F.col("dst"))).alias("dealings"),
            F.sum(F.when(F.col("k") == kind["repost"], F.col("w")).otherwise(0.0)).alias("reposts")))
        pos = np.full(nodes.n, -1, dtype=np.int64)
        pos[codes] = np.arange(m)
        at = pos[agg.column("src").to_numpy()]
        cols = {}
        for c in ("follows", "dealings", "reposts"):
            cols[c] = np.zeros(m)
            cols[c][at] = agg.column(c).to_numpy()
        return g, ScopeDegrees(**cols)


class SparkHops:
    """vigil.graph.expand.Hops over the cluster's undirected ties: a hop is one join and one group-by."""

    def __init__(self, graph: SparkGraph, prior: np.ndarray):
        self.graph, self.spark = graph, graph.spark
        nz = np.flatnonzero(prior)
        self.prior = self.spark.createDataFrame(pa.table({"code": pa.array(nz.astype(np.int64)),
                                                          "prior": pa.array(prior[nz], pa.float64())})).cache()

    def step(self, frontier: np.ndarray, weight: np.ndarray, visited: np.ndarray, budget: int) -> Reached:
        from pyspark.sql import functions as F

        from vigil.engines.spark.tables import collect_arrow

        empty = Reached(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                        np.zeros(0), False)
        g = self.graph
        if g.und is None:
            return empty
        front = self.spark.createDataFrame(pa.table({"a": pa.array(np.asarray(frontier, np.int64)),
                                                     "w": pa.array(np.asarray(weight, np.int64))}))
        reached = (g.und.join(F.broadcast(front), "a").groupBy(F.col("b").alias("code"))
                   .agg(F.sum("w").alias("reach"), F.count(F.lit(1)).alias("suspects"))
                   .where(F.col("reach") > 0)
                   .join(F.broadcast(_codes_frame(self.spark, visited)), "code", "left_anti")
                   .join(F.broadcast(self.prior), "code", "left")
                   # vigil.graph.expand.priority, the same two IEEE operations
                   .withColumn("priority", F.col("reach").cast("double") / F.lit(EVIDENCE_SCALE)
                               + F.coalesce(F.col("prior"), F.lit(0.0)))
                   .orderBy(F.desc("priority"), F.asc("code")).limit(budget + 1)
                   .join(g.degree, "code"))
        t = collect_arrow(reached.select("code", "reach", "suspects", "degree", "priority"))
        if not t.num_rows:
            return empty
        codes = t.column("code").to_numpy().astype(np.int64)
        pr = t.column("priority").to_numpy()
        keep = best_first(codes, pr)[:budget]
        return Reached(codes=codes[keep], reach=t.column("reach").to_numpy().astype(np.int64)[keep],
                       suspects=t.column("suspects").to_numpy().astype(np.int64)[keep],
                       degree=t.column("degree").to_numpy().astype(np.int64)[keep], priority=pr[keep],
                       more=t.num_rows > budget)
