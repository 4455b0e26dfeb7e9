"""A broken lexicon fails at load, with every problem naming its entry and line."""

from __future__ import annotations

import pytest

from vigil.paths import shared_dir
from vigil.signals import LexiconError, load_lexicon, parse_lexicon


def _problems(text: str) -> list[str]:
    with pytest.raises(LexiconError) as e:
        parse_lexicon(text, "ops.yaml")
    assert "ops.yaml" in str(e.value)
    return e.value.problems


def test_sample_lexicon_loads():
    lex = load_lexicon(shared_dir() / "worlds" / "sample" / "lexicon.yaml")
    assert len(lex.entries) > 40
    assert {e.kind for e in lex.entries} == {"term", "hashtag", "regex", "emoji"}
    assert lex.entries[0].line == 4  # lines are 1-based and point at the entry


def test_duplicate_id_names_both_lines():
    text = """version: 1
signals:
- id: a
  category: explicit
  kind: term
  value: vexkin
- id: a
  category: explicit
  kind: term
  value: torlap
"""
    (p,) = _problems(text)
    assert "line 7" in p and "'a'" in p and "duplicate" in p and "line 3" in p


def test_unknown_category_kind_missing_value_bad_weight_each_reported():
    text = """version: 1
signals:
- id: cat-bad
  category: explicitt
  kind: term
  value: vexkin
- id: kind-bad
  category: sale
  kind: phrase
  value: menu
- id: no-value
  category: sale
  kind: term
- id: weight-bad
  category: sale
  kind: term
  value: menu
  weight: heavy
"""
    problems = _problems(text)
    assert len(problems) == 4
    assert any("line 4" in p and "'cat-bad'" in p and "unknown category 'explicitt'" in p for p in problems)
    assert any("line 9" in p and "'kind-bad'" in p and "unknown kind 'phrase'" in p for p in problems)
    assert any("line 11" in p and "'no-value'" in p and "missing `value`" in p for p in problems)
    assert any("line 18" in p and "'weight-bad'" in p and "weight" in p for p in problems)


def test_bad_regex_reports_position():
    text = """version: 1
signals:
- id: age-broken
  category: age
  kind: regex
  value: "\\\\b1[0-7(yo"
"""
    (p,) = _problems(text)
    assert "line 6" in p and "'age-broken'" in p and "bad regex at position" in p


def test_entry_without_id_and_not_a_list():
    (p,) = _problems("version: 1\nsignals:\n- category: sale\n  kind: term\n  value: menu\n")
    assert "line 3" in p and "missing `id`" in p
    (p,) = _problems("version: 1\nsignals: {a: 1}\n")
    assert "line 2" in p and "list" in p
    (p,) = _problems("version: 1\nsignals:\n- id: x\n  category: sale\n  kind: term\n  value: [a, b\n")
    assert "not valid YAML" in p


def test_term_without_letters_is_rejected():
    (p,) = _problems("version: 1\nsignals:\n- id: dots\n  category: other\n  kind: term\n  value: '...'\n")
    assert "'dots'" in p and "no letters" in p


def test_missing_file(tmp_path):
    with pytest.raises(LexiconError, match="cannot read"):
        load_lexicon(tmp_path / "nope.yaml")


def test_cli_lexicon_check_reports_problems(tmp_path):
    from typer.testing import CliRunner

    from vigil.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsignals:\n- id: x\n  category: nope\n  kind: term\n  value: vexkin\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["lexicon", "check", str(bad)])
    assert res.exit_code == 1 and "unknown category" in res.output
    res = CliRunner().invoke(app, ["lexicon", "check", str(shared_dir() / "worlds" / "sample" / "lexicon.yaml")])
    assert res.exit_code == 0 and "entries OK" in res.output
