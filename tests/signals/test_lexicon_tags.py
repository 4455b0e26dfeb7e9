"""Lexicon `tags`: intent the graph stage reads, validated at load with the entry's line."""

import pytest

from vigil.signals.lexicon import LexiconError, parse_lexicon


def test_tags_parse_as_scalar_or_list():
    lex = parse_lexicon("version: 1\nsignals:\n  - {id: a, category: other, kind: term, value: my spare, tags: backup}\n"
                        "  - {id: b, category: other, kind: term, value: how many, tags: [request]}\n")
    assert [e.tags for e in lex.entries] == [("backup",), ("request",)]


def test_unknown_tag_names_line_and_entry():
    with pytest.raises(LexiconError) as e:
        parse_lexicon("version: 1\nsignals:\n  - id: a\n    category: other\n    kind: term\n    value: zz top\n"
                      "    tags: [backup, urgent]\n", "ops.yaml")
    assert "line 7" in str(e.value) and "'urgent'" in str(e.value) and "'a'" in str(e.value)


def test_backup_talk_is_found_by_tag_not_by_id(tmp_path):
    from vigil.signals.lexicon import parse_lexicon as pl

    lex = pl("version: 1\nsignals:\n  - {id: zz1, category: other, kind: term, value: spare page, tags: [backup]}\n")
    hits = lex.matcher.scan(["follow my spare page @x"])
    tags = [lex.matcher.signals[int(s)].tags for s in hits.signal]
    assert ("backup",) in tags
