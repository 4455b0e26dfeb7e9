"""Quotes in reasons and labels are cut between words, never inside one."""

from vigil.graph.roles import _quote
from vigil.wording import clip_words


def test_a_long_quote_is_cut_at_a_word_boundary():
    text = "selling my praflult menu now, dm for prices and the full list of what is available today"
    cut = clip_words(text, 40)
    assert len(cut) <= 40 and cut.endswith("…")
    assert text.startswith(cut[:-1]) and text[len(cut) - 1] == " ", cut  # the cut falls on a space


def test_short_text_is_kept_whole_and_one_huge_word_is_still_bounded():
    assert clip_words("menu in bio", 40) == "menu in bio"
    assert len(clip_words("x" * 100, 20)) == 20


def test_reason_quotes_end_on_whole_words():
    text = "open for trades; my new menu has 12 packs and the price list is pinned on my other page"
    inner = _quote(text, 50).strip(" ()")
    assert inner.endswith("…") and len(inner) <= 50
    assert inner[:-1].split(" ")[-1] in text.replace(";", ",").split(), inner
