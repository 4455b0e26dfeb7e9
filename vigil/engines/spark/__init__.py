"""The Spark engine: the platform-wide stages as Spark jobs, the bounded scope finished by the
embedded code. Nothing here is imported on the default path (pyspark and Java are optional)."""

from vigil.engines.spark.run import SPARK_STAGES, run_spark_stage  # noqa: F401
