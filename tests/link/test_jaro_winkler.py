"""The linker's Jaro-Winkler: its known values, and the cut-off that skips the exact count for
pairs that cannot reach a level (the bound must never hide a pair that would have reached it)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.link.compare import HANDLE_CLOSE, HANDLE_SIMILAR
from vigil.link.normalize import jaro_winkler

# Handle-like text: few letters (so strings share characters and transpose), separators, digits,
# an accented letter and an emoji (rapidfuzz must count code points as we do).
HANDLE_TEXT = st.text(alphabet="aabeilmnost._09é😀", max_size=16)


def test_known_values():
    assert jaro_winkler("martha", "marhta") == 0.9611111111111111  # one transposition, halved exactly
    assert round(jaro_winkler("dixon", "dicksonx"), 4) == 0.8133
    assert jaro_winkler("", "") == 0.0 and jaro_winkler("abc", "") == 0.0 and jaro_winkler("abc", "abc") == 1.0
    # Our variant adds the prefix bonus below 0.7 too (Winkler's does not).
    assert jaro_winkler("abcdxyz", "abcdqrstuvw") > 0.7


@settings(max_examples=1000, deadline=None)
@given(HANDLE_TEXT, HANDLE_TEXT, st.sampled_from([HANDLE_CLOSE, HANDLE_SIMILAR, 0.5]))
def test_cutoff_returns_the_exact_value_or_zero_below_it(a, b, cutoff):
    exact = jaro_winkler(a, b)
    cut = jaro_winkler(a, b, cutoff=cutoff)
    assert cut == exact or (cut == 0.0 and exact < cutoff)


def test_cutoff_skips_strangers():
    assert jaro_winkler("qqqqzzzz", "abcdefgh", cutoff=HANDLE_CLOSE) == 0.0
    assert jaro_winkler("noahsells61", "noah.sells619", cutoff=HANDLE_CLOSE) == jaro_winkler("noahsells61", "noah.sells619")
