"""The shared sample world: the rejects are exactly the truth's, line for line, reason for reason."""

from __future__ import annotations

import pytest

from tests.ingest.conftest import run_ingest
from vigil.paths import shared_dir

SAMPLE = shared_dir() / "worlds" / "sample"
TRUTH = shared_dir() / "worlds" / "sample-truth" / "truth_rejects.txt"


@pytest.mark.skipif(not TRUTH.exists(), reason="shared sample world not present")
def test_sample_rejects_match_the_truth(tmp_path):
    lines = TRUTH.read_text(encoding="utf-8").splitlines()
    total = int(lines[0])
    truth = {}
    for line in lines[1:]:
        loc, _, reason = line.partition(" ")
        if ":" in loc:
            truth[loc] = reason
    report, ws, rejects = run_ingest(SAMPLE, tmp_path / "out")
    assert report.rejects == total == len(rejects) == 230
    assert {f"{r['file']}:{r['line']}": r["reason"] for r in rejects} == truth
    rows = {t: ws.rows(t) for t in report.counts}
    assert rows == report.counts
    assert rows["accounts"] == 9000 and rows["posts"] + report.rejects_by_file["posts.jsonl.gz"] == 48181
