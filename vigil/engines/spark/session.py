"""One SparkSession per process, for a `--master` URL: local[*], spark://host:port or sc://host."""

from __future__ import annotations

# A few shuffle partitions: the stages' shuffles are per-account aggregations, and Spark's
# default of 200 costs more in task start-up than it saves below a few million rows.
DEFAULT_SHUFFLE_PARTITIONS = 4


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing: `pip install 'vigil[spark]'` and a JRE (scripts/setup does both)."""


def spark_session(master: str = "local[*]", shuffle_partitions: int = DEFAULT_SHUFFLE_PARTITIONS):
    import os
    import sys

    # Local executors run this interpreter (with vigil and its scanner); a cluster's own setting wins.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:  # pragma: no cover - depends on the install
        raise SparkUnavailable("the Spark engine needs pyspark: pip install 'vigil[spark]'") from e
    if master.startswith("sc://"):
        builder = SparkSession.builder.remote(master)
    else:
        builder = (SparkSession.builder.master(master)
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    return (builder.appName("vigil")
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
            .getOrCreate())
