"""The link stage run in a second process beside the stages from signals to audit
(vigil.link.early) gives the sequential run's results, and a failure there fails the run with
the child's traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vigil.link.early import EarlyLink, LinkError
from vigil.pipeline import RunOptions, investigate


def test_link_beside_gives_the_sequential_results(sample_world: Path, sample_run: Path, tmp_path: Path):
    out = tmp_path / "beside"
    summary = investigate(RunOptions(export_dir=sample_world, lexicon=sample_world / "lexicon.yaml",
                                     hashes=[sample_world / "hashbank.csv"], seeds=sample_world / "seeds.csv",
                                     out_dir=out, link_beside=True))
    # The sample is below LINK_BESIDE_MIN_ACCOUNTS: the session's run linked after audit.
    assert "link_wait" not in json.loads((sample_run / "summary.json").read_text())["timings_s"]
    process = summary.stages["link"]["process"]
    assert process["wall_s"] > 0 and process["peak_memory_mb"] > 0
    assert summary.timings_s["link"] == process["wall_s"] and "link_wait" in summary.timings_s
    for name in ("links.csv", "accounts.csv"):
        assert (out / name).read_text() == (sample_run / name).read_text(), name
    for table in ("links", "link_candidates"):
        assert pq.read_table(out / "workspace" / f"{table}.parquet").equals(
            pq.read_table(sample_run / "workspace" / f"{table}.parquet")), table
    assert summary.stages["link"]["links"] > 0


def test_a_failing_link_process_fails_the_run_with_its_traceback(tmp_path: Path):
    (tmp_path / "accounts.parquet").write_bytes(b"not a parquet file")
    with EarlyLink(tmp_path, None) as early:
        early.written("profile_hashes")
        with pytest.raises(LinkError, match="Traceback"):
            early.result()
    assert not early.running
