"""The audit's platform-wide passes as Spark SQL: the very SQL of vigil.audit.tables, over the
workspace's Parquet read by Spark, its derived tables cached as temp views. Only the small results
(counts, the top edges, the walk's integer arrays) come back to the driver, where the embedded
statistics, walk and wording run unchanged."""

from __future__ import annotations

import pyarrow as pa

from vigil.audit.tables import INPUTS, AuditTables

class SparkTables(AuditTables):
    def __init__(self, spark, ws):
        self.spark = spark
        self._cached = []
        for name, cols in INPUTS.items():
            if ws.has(name):
                df = spark.read.parquet(str(ws.path(name))).select(*cols)
            else:
                df = spark.createDataFrame([], ", ".join(f"`{c}` {t}" for c, t in cols.items()))
            df.createOrReplaceTempView(name)

    def _table(self, name: str, sql: str) -> None:
        df = self.spark.sql(sql).cache()
        self._cached.append(df)
        df.createOrReplaceTempView(name)

    def _rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.spark.sql(sql).collect()]

    def _arrow(self, sql: str) -> pa.Table:
        from vigil.engines.spark.tables import collect_arrow

        return collect_arrow(self.spark.sql(sql))

    def close(self) -> None:
        for df in self._cached:
            df.unpersist()
        for name in ("flagged", "acct_idx", "viewer_follows", "adjacent", "imp", "post_author", *INPUTS):
            self.spark.catalog.dropTempView(name)
