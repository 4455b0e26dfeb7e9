"""Which stages the Spark engine runs, and the seam the pipeline calls."""

from __future__ import annotations

from pathlib import Path

# Stages run as Spark jobs; every other stage runs on the embedded path over the workspace the
# Spark stages wrote (ingest, media, graph expansion/features, audit and link blocking: not yet).
SPARK_STAGES = ("signals",)


def run_spark_stage(stage: str, spark, ws, *, lexicon_path: Path) -> dict:
    if stage == "signals":
        from vigil.engines.spark.signals import spark_signals

        return spark_signals(spark, ws, lexicon_path)
    raise ValueError(f"stage {stage!r} has no Spark version (Spark runs: {', '.join(SPARK_STAGES)})")
