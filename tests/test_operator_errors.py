"""An operator's mistake (a bad lexicon, bank, seeds file or export) is a short message naming the
file and line, a non-zero exit, no traceback and no half-made results folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vigil.errors import OperatorError
from vigil.ingest import check_export
from vigil.signals.lexicon import LexiconError, parse_lexicon

GOOD_LEXICON = """version: 1
signals:
  - id: menu
    category: sale
    kind: term
    value: menu
"""
BANK_HEADER = "signal_type,signal,bank,category\n"


def vigil(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vigil.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    export = tmp_path / "export"
    export.mkdir()
    (export / "accounts.jsonl").write_text(json.dumps({"platform": "p", "account_id": "1", "handle": "a"}) + "\n")
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text(GOOD_LEXICON)
    bank = tmp_path / "bank.csv"
    bank.write_text(BANK_HEADER)
    return {"export": export, "lexicon": lexicon, "bank": bank, "out": tmp_path / "results"}


def investigate(i: dict[str, Path], *extra: str) -> subprocess.CompletedProcess:
    return vigil("investigate", str(i["export"]), "--lexicon", str(i["lexicon"]), "--hashes", str(i["bank"]),
                 "--out", str(i["out"]), "--no-progress", *extra)


def test_an_unclosed_quote_is_reported_on_its_own_line():
    text = GOOD_LEXICON + "".join(f"  - id: e{n}\n    category: sale\n    kind: term\n    value: v{n}\n" for n in range(3))
    lines = text.splitlines()
    lines[4] = '    kind: "term'  # line 5: a quote never closed; the parser only notices at the end
    with pytest.raises(LexiconError) as e:
        parse_lexicon("\n".join(lines) + "\n", "lex.yaml")
    assert e.value.problems[0].startswith("line 5:"), e.value.problems


@pytest.mark.parametrize("broken", ["lexicon", "bank", "seeds", "export"])
def test_a_bad_operator_file_is_at_most_five_lines_and_exits_non_zero(inputs, broken):
    extra: list[str] = []
    if broken == "lexicon":
        inputs["lexicon"].write_text('version: 1\nsignals:\n  - id: "open\n')
    elif broken == "bank":
        inputs["bank"].write_text("hash,kind\nabc,pdq\n")
    elif broken == "seeds":
        seeds = inputs["out"].parent / "seeds.csv"
        seeds.write_text("p,1\njust-one-cell\n")
        extra = ["--seeds", str(seeds)]
    else:
        (inputs["export"] / "recommendations.csv").write_text("platform,surface,item_id\np,search,1\n")
    run = investigate(inputs, *extra)
    output = (run.stdout + run.stderr).strip().splitlines()
    assert run.returncode == 2, run.stderr
    assert 1 <= len(output) <= 5, output
    assert "Traceback" not in run.stderr and ".py" not in run.stderr
    assert not inputs["out"].exists(), "a failed run must leave no results folder behind"
    named = {"lexicon": "lexicon.yaml", "bank": "bank.csv", "seeds": "seeds.csv:2", "export": "recommendations.csv:1"}
    assert named[broken] in run.stderr


def test_debug_shows_the_traceback(inputs):
    inputs["bank"].write_text("hash\n")
    run = vigil("--debug", "investigate", str(inputs["export"]), "--lexicon", str(inputs["lexicon"]),
                "--hashes", str(inputs["bank"]), "--out", str(inputs["out"]), "--no-progress")
    assert run.returncode != 0 and "Traceback" in run.stderr


def test_a_header_without_a_required_column_is_one_error_naming_file_and_column(inputs):
    (inputs["export"] / "recommendations.csv").write_text(
        "platform,surface,item_id,rank\n" + "".join(f"p,search,{n},1\n" for n in range(500)))
    with pytest.raises(OperatorError) as e:
        check_export(inputs["export"])
    message = str(e.value)
    assert "recommendations.csv:1" in message and "viewer_id" in message
    assert message.count("viewer_id") == 1, "one error for the header, not one per row"


def test_a_complete_header_passes(inputs):
    (inputs["export"] / "recommendations.csv").write_text("platform,viewer_id,surface,item_id\np,1,search,2\n")
    check_export(inputs["export"])


def test_help_names_values_as_an_operator_reads_them():
    from typer.main import get_command

    from vigil.cli import app

    root = get_command(app)

    def helps(cmd, path):
        yield path
        for name in getattr(cmd, "commands", {}):
            yield from helps(cmd.commands[name], path + [name])

    for path in helps(root, ["vigil"]):
        run = vigil(*path[1:], "--help")
        assert run.returncode == 0, (path, run.stderr)
        assert "<bool>" not in run.stdout and "<list[" not in run.stdout, (path, run.stdout)


def test_a_run_logs_steps_without_source_locations_and_counts_findings(inputs):
    run = investigate(inputs)
    assert run.returncode == 0, run.stderr
    assert "pipeline.py" not in run.stderr
    assert "found: sellers" in run.stderr and "found: communities" in run.stderr
    summary = json.loads((inputs["out"] / "summary.json").read_text())
    assert set(summary["findings"]) == {"sellers", "buyers", "facilitators", "communities"}
