"""vigil's own hyperscan binding: matches come back as arrays, compile errors name the entry."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.signals import LexiconError, engine, load_lexicon


def test_scan_returns_every_match_with_ids_and_spans():
    db = engine.Database([b"vex", b"k+in", b"zz"], [engine.CASELESS, engine.SOM_LEFTMOST, 0])
    ids, start, end = engine.scan(db, b"VEXkin vexkkkin ZZ zz")
    got = sorted(zip(ids.tolist(), end.tolist()))
    assert (0, 3) in got and (0, 10) in got  # caseless, twice
    assert (2, 21) in got and (2, 18) not in got  # "zz" is case sensitive here
    som = {(s, e) for i, s, e in zip(ids.tolist(), start.tolist(), end.tolist()) if i == 1}
    assert (3, 6) in som and (10, 15) in som  # leftmost start of each "k+in"


def test_scan_of_empty_buffer_and_no_match():
    db = engine.Database([b"vex"], [0])
    for data in (b"", b"nothing here", np.zeros(0, np.uint8)):
        ids, start, end = engine.scan(db, data)
        assert ids.size == start.size == end.size == 0


def test_many_matches_grow_the_collector_and_lose_none():
    text = b"ab " * 50_000  # 50,000 matches: far past the first allocation
    ids, _, end = engine.scan(engine.Database([b"ab"], [0]), np.frombuffer(text, np.uint8))
    assert ids.size == 50_000
    assert np.array_equal(np.sort(end), np.arange(2, len(text), 3))


def test_literal_database_takes_bytes_as_written():
    db = engine.compile_literals([b"a.b", b"(x"], engine.CASELESS)
    ids, _, end = engine.scan(db, b"a.b axb (X")
    assert sorted(zip(ids.tolist(), end.tolist())) == [(0, 3), (1, 10)]


def test_compile_error_names_the_lexicon_entry(tmp_path):
    lex = tmp_path / "lexicon.yaml"
    lex.write_text(
        "version: 1\nsignals:\n"
        "- id: ok-term\n  category: other\n  kind: term\n  value: vexkin\n"
        "- id: too-big\n  category: other\n  kind: regex\n  value: 'a{1,70000}'\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError) as e:
        load_lexicon(lex)
    assert "'too-big'" in str(e.value) and "line 7" in str(e.value) and "cannot be compiled" in str(e.value)


def _word_around(buf: bytes, at: int, width: int) -> tuple[int, int]:
    """Reference: the letters around `at`, if a non-letter (or the buffer's end) lies within `width`."""
    is_letter = [bool(re.match(rb"[A-Za-z]", bytes([b]))) for b in buf]
    s = at
    while s - 1 >= 0 and s - 1 >= at - width and is_letter[s - 1]:
        s -= 1
    e = at
    while e < len(buf) and e <= at + width and is_letter[e]:
        e += 1
    whole = s - 1 >= at - width and e <= at + width
    return (s, e) if whole else (0, 0)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=60).map(lambda b: bytes(c if c % 3 else 0x61 + c % 26 for c in b)),
       st.data(), st.integers(1, 12))
def test_words_around_matches_a_plain_reference(buf, data, width):
    at = data.draw(st.lists(st.integers(0, len(buf) - 1), min_size=1, max_size=8))
    start, end = engine.words_around(np.frombuffer(buf, np.uint8), np.array(at, np.int64), width)
    assert list(zip(start.tolist(), end.tolist())) == [_word_around(buf, a, width) for a in at]
