"""`investigate`: every stage in order, from an export folder to the contract's result files.

The pipeline owns the order of stages, their timings and the result files other tools read;
each stage owns its own tables in the workspace.
"""

from __future__ import annotations

import csv
import json
import resource
import shutil
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from vigil import schemas
from vigil.errors import OperatorError
from vigil.progress import console
from vigil.workspace import Workspace

# Below this many accounts the link process's start (a fresh interpreter importing the stages, ~2 s
# of CPU) costs more than running link after audit: the stages it would run beside take seconds.
LINK_BESIDE_MIN_ACCOUNTS = 20_000

CONTRACT_FILES = ("accounts.csv", "links.csv", "recommendation_audit.json", "rejects.jsonl", "terms.csv")


@dataclass
class RunOptions:
    export_dir: Path
    lexicon: Path
    hashes: list[Path]
    out_dir: Path
    seeds: Path | None = None
    pdq_threshold: int | None = None  # None: threatexchange's PDQ_CONFIDENT_MATCH_THRESHOLD
    dihedral: bool = False
    db_url: str | None = None
    platforms: Path | None = None  # operator's platform registry (extends the shipped one)
    engine: str = "embedded"  # embedded | spark (vigil.engines.spark.SPARK_STAGES run on Spark)
    master: str = "local[*]"  # the Spark master URL for engine=spark
    # Embedded engine: link in a second process beside the stages from signals to audit (vigil.link.early).
    # None: when the export holds at least LINK_BESIDE_MIN_ACCOUNTS accounts.
    link_beside: bool | None = None


@dataclass
class RunSummary:
    counts: dict[str, int] = field(default_factory=dict)
    rejects: int = 0
    rejects_by_file: dict[str, int] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    stages: dict[str, dict] = field(default_factory=dict)
    peak_memory_mb: float = 0.0
    # Per stage: this process's own peak RSS during the stage (the kernel's high-water mark is reset
    # as the stage starts, where Linux allows it; else the run's peak so far).
    stage_peak_memory_mb: dict[str, float] = field(default_factory=dict)
    refused_tables: dict[str, list[str]] = field(default_factory=dict)  # file -> missing required columns
    found: dict[str, int] = field(default_factory=dict)  # sellers, buyers, facilitators, communities

    def as_json(self) -> dict:
        return {
            "counts": self.counts,
            "rejects": self.rejects,
            "rejects_by_file": self.rejects_by_file,
            "timings_s": self.timings_s,
            "stages": self.stages,
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "stage_peak_memory_mb": self.stage_peak_memory_mb,
            "refused_tables": self.refused_tables,
            "found": self.found,
        }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux >= 4.0): one write, no cost."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_since_reset_mb() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


@contextmanager
def _timed(summary: RunSummary, stage: str):
    console.log(f"[bold cyan]{stage}[/]")
    # The run's peak so far is kept before the mark is reset for this stage.
    summary.peak_memory_mb = max(summary.peak_memory_mb, peak_rss_mb())
    reset = _reset_peak_rss()
    t0 = time.perf_counter()
    yield
    summary.timings_s[stage] = round(time.perf_counter() - t0, 3)
    own = _peak_rss_since_reset_mb() if reset else None
    peak = own if own is not None else peak_rss_mb()
    summary.stage_peak_memory_mb[stage] = round(peak, 1)
    summary.peak_memory_mb = max(summary.peak_memory_mb, peak)


def investigate(opts: RunOptions) -> RunSummary:
    """Run every stage; write the contract files and `summary.json` into `opts.out_dir`."""
    from vigil import ingest, media, signals
    from vigil.media.threshold import PDQ_THRESHOLD
    from vigil.platforms import load_registry, use_registry

    out = Path(opts.out_dir)
    t_start = time.perf_counter()
    # Operator inputs are validated before any data is read, and before the results folder is
    # made: a broken lexicon fails in seconds and leaves nothing behind.
    if opts.engine not in ENGINES:
        raise OperatorError(f"--engine {opts.engine!r}: expected one of {', '.join(ENGINES)}",
                            field="--engine", hint="leave --engine out for the embedded path")
    use_registry(load_registry(opts.platforms))  # before the lexicon: the contact rules come from it
    lexicon = signals.load_lexicon(opts.lexicon)
    bank = media.load_banks(opts.hashes, pdq_threshold=PDQ_THRESHOLD if opts.pdq_threshold is None else opts.pdq_threshold)
    seeds = ingest.read_seeds(opts.seeds) if opts.seeds else schemas.SEEDS.empty_table()
    ingest.check_export(opts.export_dir)
    created = not out.exists()
    try:
        return _run_stages(opts, out, lexicon, bank, seeds, t_start)
    except OperatorError:
        if created:  # the folder is this run's own: an operator mistake leaves no half-made results
            shutil.rmtree(out, ignore_errors=True)
        raise


def _run_stages(opts: RunOptions, out: Path, lexicon, bank, seeds, t_start: float) -> RunSummary:
    from vigil import audit, graph, ingest, link, media, signals
    from vigil.link.early import EarlyLink

    out.mkdir(parents=True, exist_ok=True)
    ws = Workspace(out / "workspace")
    summary = RunSummary()
    ws.write("seeds", seeds)
    spark = _spark_for(opts)
    if spark is not None:  # the stages in SPARK_STAGES run through this seam
        from vigil.engines.spark import run_spark_stage

    with _timed(summary, "ingest"):
        if spark is not None:
            stats = run_spark_stage("ingest", spark, ws, export_dir=opts.export_dir, rejects_path=out / "rejects.jsonl")
            report = stats.pop("report")
            summary.stages["ingest"] = stats
        else:
            report = ingest.ingest_export(opts.export_dir, ws, out / "rejects.jsonl")
        summary.counts.update(report.counts)
        summary.rejects = report.rejects
        summary.rejects_by_file = report.rejects_by_file
        summary.refused_tables = report.refused
    # The linker folds and learns the export (profiles, pictures, u, EM) on the second core while
    # the stages from signals to audit run here; it reads each table it needs from them as soon as
    # they are written, and links once the scores are (vigil.link.early).
    beside = spark is None and (opts.link_beside if opts.link_beside is not None
                                else summary.counts.get("accounts", 0) >= LINK_BESIDE_MIN_ACCOUNTS)
    with EarlyLink(ws.root, opts.platforms) if beside else nullcontext() as early:
        with _timed(summary, "signals"):
            if spark is not None:
                summary.stages["signals"] = run_spark_stage("signals", spark, ws, lexicon_path=opts.lexicon)
            else:
                summary.stages["signals"] = signals.run_signals(ws, lexicon)
        with _timed(summary, "media"):
            if spark is not None:
                summary.stages["media"] = run_spark_stage("media", spark, ws, export_dir=opts.export_dir, bank=bank,
                                                          dihedral=opts.dihedral)
            else:
                summary.stages["media"] = media.run_media(ws, opts.export_dir, bank, dihedral=opts.dihedral)
            # Bad hash-bank rows are rejected records too: they sit in rejects.jsonl and in the count.
            bank_rejects = summary.stages["media"].get("bank_rejects", 0)
            if bank_rejects:
                summary.rejects += bank_rejects
                for r in bank.rejects:
                    name = Path(r["file"]).name
                    summary.rejects_by_file[name] = summary.rejects_by_file.get(name, 0) + 1
        if early is not None:
            early.written("profile_hashes")
        with _timed(summary, "graph"):
            from vigil.graph.model import load_model

            if spark is not None:
                summary.stages["graph"] = run_spark_stage("graph", spark, ws, model=load_model(ws))
            else:
                summary.stages["graph"] = graph.run_graph(ws, model=load_model(ws))
        if early is not None:
            early.written("scores")
        with _timed(summary, "terms"):
            terms = signals.discover_terms(ws, lexicon)
            ws.write("terms", terms)
        with _timed(summary, "audit"):
            if spark is not None:
                result = run_spark_stage("audit", spark, ws)["result"]
            else:
                result = audit.run_audit(ws)
            _write_json(out / "recommendation_audit.json", result.audit)
            _write_json(out / "mitigations.json", result.mitigations)
            summary.stages["audit"] = result.stats
        if early is not None:
            with _timed(summary, "link_wait"):
                summary.stages["link"] = early.result()
            # The link process's own wall time and peak: it ran beside the stages from signals to audit.
            summary.timings_s["link"] = summary.stages["link"]["process"]["wall_s"]
            summary.stage_peak_memory_mb["link"] = summary.stages["link"]["process"]["peak_memory_mb"]
        else:
            with _timed(summary, "link"):
                if spark is not None:
                    summary.stages["link"] = run_spark_stage("link", spark, ws)
                else:
                    summary.stages["link"] = link.run_link(ws)

    with _timed(summary, "write"):
        write_contract_files(ws, out)
    summary.found = findings_count(ws.read("scores"))
    if opts.db_url:
        from vigil import cases

        with _timed(summary, "cases"):
            summary.stages["cases"] = cases.load_results(opts.db_url, out)

    summary.timings_s["total"] = round(time.perf_counter() - t_start, 3)
    summary.peak_memory_mb = max([summary.peak_memory_mb, peak_rss_mb(), *summary.stage_peak_memory_mb.values()])
    for name in ("signal_hits", "media_matches", "scores", "links", "terms"):
        summary.counts.setdefault(name, ws.rows(name))
    _write_json(out / "summary.json", summary.as_json())
    return summary


def findings_count(scores: pa.Table) -> dict[str, int]:
    """What an investigator asks first: how many sellers, buyers, facilitators and communities."""
    roles = scores.column("role").to_pylist()
    found = {f"{r}s": roles.count(r) for r in schemas.ROLES if r != "none"}
    found["communities"] = len({c for c, r in zip(scores.column("community").to_pylist(), roles)
                                if c is not None and c != "" and r != "none"})
    return found


ENGINES = ("embedded", "spark")


def _spark_for(opts: RunOptions):
    """The Spark session of a Spark run (None on the embedded path, which never imports pyspark)."""
    if opts.engine != "spark":
        return None
    from vigil.engines.spark.session import spark_session

    return spark_session(opts.master)


def write_contract_files(ws: Workspace, out: Path) -> None:
    """Project the workspace tables onto the contract's CSV files."""
    scores = ws.read("scores")
    _write_csv(out / "accounts.csv", scores, ["platform", "account_id", "score", "role", "community", "reasons"])
    links = ws.read_or_empty("links", schemas.LINKS)
    _write_csv(out / "links.csv", links, ["platform_a", "account_a", "platform_b", "account_b", "score", "evidence"])
    terms = ws.read_or_empty("terms", schemas.TERMS)
    _write_csv(out / "terms.csv", terms, ["term", "score"])


def _write_csv(path: Path, table: pa.Table, columns: list[str]) -> None:
    cols = [table.column(c).to_pylist() for c in columns]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for row in zip(*cols):
            w.writerow(["" if v is None else (f"{v:.6g}" if isinstance(v, float) else v) for v in row])


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
