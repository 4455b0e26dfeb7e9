"""Which stages the Spark engine runs, and the seam the pipeline calls."""

from __future__ import annotations

from pathlib import Path

# Stages run as Spark jobs (media: hashing, PDQ search and MD5 join; the tables around them are
# the embedded stage's code; graph: edge coding, the crawl and the scope's edges and degrees, the
# bounded scope finished by the embedded code). Every other stage runs on the embedded path over
# the workspace the Spark stages wrote (ingest, audit and link blocking: not yet).
SPARK_STAGES = ("signals", "media", "graph")


def run_spark_stage(stage: str, spark, ws, *, lexicon_path: Path | None = None, export_dir: Path | None = None,
                    bank=None, dihedral: bool = False, model: dict | None = None) -> dict:
    if stage == "signals":
        from vigil.engines.spark.signals import spark_signals

        return spark_signals(spark, ws, lexicon_path)
    if stage == "media":
        from vigil.engines.spark.media import SparkMedia
        from vigil.media.stage import run_media

        stats = run_media(ws, export_dir, bank, dihedral=dihedral, engine=SparkMedia(spark).engine())
        return {"engine": "spark", **stats}
    if stage == "graph":
        from vigil.engines.spark.graph import SparkGraph
        from vigil.graph.run import run_graph

        return {"engine": "spark", **run_graph(ws, model=model, engine=SparkGraph(spark))}
    raise ValueError(f"stage {stage!r} has no Spark version (Spark runs: {', '.join(SPARK_STAGES)})")
