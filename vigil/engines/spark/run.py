"""Which stages the Spark engine runs, and the seam the pipeline calls."""

from __future__ import annotations

from pathlib import Path

# Stages run as Spark jobs (ingest: the embedded parsers per file block; media: hashing, PDQ
# search and MD5 join; audit: its platform-wide SQL; link: blocking's joins against every
# account; graph: edge coding, the crawl and the scope's edges and degrees, the bounded scope
# finished by the embedded code; the tables and statistics around them are the embedded stage's
# code). Terms runs on the embedded path over the workspace the Spark stages wrote.
SPARK_STAGES = ("ingest", "signals", "media", "graph", "audit", "link")


def run_spark_stage(stage: str, spark, ws, *, lexicon_path: Path | None = None, export_dir: Path | None = None,
                    bank=None, dihedral: bool = False, rejects_path: Path | None = None,
                    model: dict | None = None) -> dict:
    """The stage's stats (ingest: with its IngestReport under "report"; audit: its AuditResult under
    "result", for the run's summary and result files)."""
    if stage == "ingest":
        from vigil.engines.spark.ingest import spark_ingest

        report, stats = spark_ingest(spark, export_dir, ws, rejects_path)
        return {**stats, "report": report}
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
    if stage == "link":
        from vigil.engines.spark.link import SparkLink
        from vigil.link import run_link

        return {"engine": "spark", **run_link(ws, engine=SparkLink(spark).engine())}
    if stage == "audit":
        from vigil.audit import run_audit
        from vigil.engines.spark.audit import SparkTables

        result = run_audit(ws, tables=SparkTables(spark, ws))
        result.stats = {"engine": "spark", **result.stats}
        return {"engine": "spark", "result": result}
    raise ValueError(f"stage {stage!r} has no Spark version (Spark runs: {', '.join(SPARK_STAGES)})")
