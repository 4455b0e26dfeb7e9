"""Operator mistakes end in a few lines naming file and line, exit non-zero, and leave nothing behind."""

import pytest
from typer.testing import CliRunner

from vigil.cli import app
from vigil.errors import MAX_LINES
from vigil.signals import LexiconError, parse_lexicon
from vigil.paths import shared_dir

SAMPLE = shared_dir() / "worlds" / "sample"

LEXICON = """version: 1
signals:
- id: a
  category: sale
  kind: term
  value: "menu
- id: b
  category: sale
  kind: regex
  value: (?i)\\bx\\s+y
"""

def test_unclosed_quote_is_reported_where_the_quote_opens_not_where_the_parser_gave_up():
    with pytest.raises(LexiconError) as e:
        parse_lexicon(LEXICON, "lex.yaml")
    assert e.value.problems[0].startswith("line 6:"), e.value.problems
    assert e.value.line == 6
    assert "quote" in e.value.problems[0]

def _investigate(tmp_path, **over):
    args = {"export": str(SAMPLE), "--lexicon": str(SAMPLE / "lexicon.yaml"),
            "--hashes": str(SAMPLE / "hashbank.csv"), "--out": str(tmp_path / "out")}
    args.update(over)
    argv = ["investigate", args.pop("export")] + [x for k, v in args.items() for x in (k, v)] + ["--no-progress"]
    return CliRunner().invoke(app, argv)

def _check_short_failure(result, tmp_path, *needles):
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert 1 <= len(lines) <= MAX_LINES, result.output
    for n in needles:
        assert n in result.output, result.output
    assert not (tmp_path / "out").exists(), "an operator mistake left a results folder behind"

def test_investigate_with_a_broken_lexicon(tmp_path):
    lex = tmp_path / "lex.yaml"
    lex.write_text(LEXICON)
    r = _investigate(tmp_path, **{"--lexicon": str(lex)})
    _check_short_failure(r, tmp_path, "lex.yaml", "line 6")

def test_investigate_with_a_bank_lacking_columns(tmp_path):
    bank = tmp_path / "bank.csv"
    bank.write_text("signal_type,sig\npdq,00\n")
    _check_short_failure(_investigate(tmp_path, **{"--hashes": str(bank)}), tmp_path, "bank.csv:1", "signal")

def test_investigate_with_bad_seeds(tmp_path):
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("platform,account_id\nchirp\n")
    _check_short_failure(_investigate(tmp_path, **{"--seeds": str(seeds)}), tmp_path, "seeds.csv:2")

def test_investigate_on_a_folder_that_is_no_export(tmp_path):
    (tmp_path / "notexport").mkdir()
    _check_short_failure(_investigate(tmp_path, export=str(tmp_path / "notexport")), tmp_path, "accounts")

def test_debug_shows_the_exception(tmp_path):
    bank = tmp_path / "bank.csv"
    bank.write_text("signal_type,sig\n")
    argv = ["--debug", "investigate", str(SAMPLE), "--lexicon", str(SAMPLE / "lexicon.yaml"),
            "--hashes", str(bank), "--out", str(tmp_path / "out"), "--no-progress"]
    r = CliRunner().invoke(app, argv)
    assert r.exit_code != 0 and r.exception is not None and type(r.exception).__name__ == "BankError"

def test_lexicon_check_reports_in_a_few_lines(tmp_path):
    lex = tmp_path / "lex.yaml"
    lex.write_text(LEXICON)
    r = CliRunner().invoke(app, ["lexicon", "check", str(lex)])
    assert r.exit_code != 0 and "line 6" in r.output and "Traceback" not in r.output

def test_investigate_exits_non_zero_when_a_table_was_refused(tmp_path, monkeypatch):
    import vigil.pipeline
    from vigil.pipeline import RunSummary

    monkeypatch.setattr(vigil.pipeline, "investigate",
                        lambda opts: RunSummary(refused_tables={"recommendations.csv": ["viewer_id"]}))
    r = _investigate(tmp_path)
    assert r.exit_code == 3
    assert "recommendations.csv" in r.output and "viewer_id" in r.output

def test_report_on_a_folder_that_is_no_results_folder(tmp_path):
    (tmp_path / "notresults").mkdir()
    r = CliRunner().invoke(app, ["report", str(tmp_path / "notresults"), "--out", str(tmp_path / "out")])
    _check_short_failure(r, tmp_path, "accounts.csv")
    assert r.exit_code == 2

def test_an_unknown_engine_is_an_operator_error(tmp_path):
    r = _investigate(tmp_path, **{"--engine": "sparkk"})
    _check_short_failure(r, tmp_path, "--engine", "embedded, spark")
