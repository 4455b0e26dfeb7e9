"""--help shows what to type, log lines carry no source locations, the summary counts the findings."""

import pyarrow as pa
from typer.testing import CliRunner

from vigil.cli import app, print_summary
from vigil.pipeline import RunSummary, findings_count
from vigil.progress import console


def test_help_shows_no_python_types():
    for argv in (["investigate", "--help"], ["serve", "--help"], ["lexicon", "check", "--help"]):
        out = CliRunner().invoke(app, argv, terminal_width=160).output
        assert "<bool>" not in out and "list[" not in out, out
    out = CliRunner().invoke(app, ["investigate", "--help"], terminal_width=160).output
    assert "--db" in out and "--progress" in out and "Show progress bars" in out


def test_log_lines_have_no_source_location(capsys):
    with console.capture() as cap:
        console.log("ingest")
    assert ".py:" not in cap.get()


def test_summary_counts_roles_and_communities(tmp_path):
    scores = pa.table({"role": ["seller", "buyer", "buyer", "facilitator", "none"],
                       "community": ["c1", "c1", "c2", None, "c3"]})
    found = findings_count(scores)
    assert found == {"sellers": 1, "buyers": 2, "facilitators": 1, "communities": 2}
    with console.capture() as cap:
        print_summary(RunSummary(found=found), tmp_path)
    text = cap.get()
    assert "sellers" in text and "communities" in text
