"""Every obfuscation the lexicon must survive, with texts built here, and the near misses it must not match."""

from __future__ import annotations

import pytest

from tests.signals.conftest import hits_of, signals_of

VEX = "explicit-vexkin"
TAG = "tag-yumbrikvip"


@pytest.mark.parametrize(
    "text",
    [
        "new vexkin today",  # plain
        "VexKin drop",  # case
        "ＶＥＸＫＩＮ",  # fullwidth (NFKC)
        "𝐯𝐞𝐱𝐤𝐢𝐧 here",  # mathematical bold (NFKC)
        "ⓥⓔⓧⓚⓘⓝ",  # circled letters (NFKC)
        "v\u0435\u0445kin",  # Cyrillic е and х (confusables)
        "vëxkîn",  # accents
        "v3xk1n",  # leetspeak digits
        "v.e.x.k.i.n",  # separators
        "v*e*x*k*i*n",
        "v\u200be\u200bx\u200bk\u200bi\u200bn",  # zero-width spaces
        "vex\u2060kin and v\ufeffexkin",  # word joiner, BOM
        "v e x k i n",  # spaced out
        "vvvexxxkiiin",  # repeated letters
        "vexkinnnnn!",
        "#vexkin",  # in a hashtag
        "#vexkin_sale",  # hashtag suffix
        "#vexkin2",
        "vexkim",  # edit distance 1: substitution
        "vexin",  # deletion
        "vexakin",  # insertion
    ],
)
def test_term_survives_obfuscation(lexicon, text):
    hits = [h for h in hits_of(lexicon, text) if h["signal"] == VEX]
    assert hits, text


@pytest.mark.parametrize(
    "text",
    [
        "vexkinology lecture",  # the term inside a longer word
        "annex kin",  # letters across two ordinary words
        "vex kin",  # two words, not spaced-out letters
        "vxkim",  # edit distance 2
        "v3x",  # a fragment
        "a lovely day at the beach",  # innocent text
        "#myvexkin",  # a hashtag that does not start with it
    ],
)
def test_near_misses_do_not_match(lexicon, text):
    assert VEX not in signals_of(lexicon, text), text


def test_short_term_gets_no_fuzzy_match(lexicon):
    assert "trade-swap" in signals_of(lexicon, "swap now")
    assert "trade-swap" in signals_of(lexicon, "s.w.a.p")
    assert "trade-swap" not in signals_of(lexicon, "swop now")  # 4 letters: no edit distance
    assert "trade-swap" not in signals_of(lexicon, "this was a pen")  # spaces inside ordinary words


@pytest.mark.parametrize("text", ["#yumbrikvip", "#yumbrikvip2", "#yumbrikvip_sale", "#YumBrikVIP4sale",
                                  "#yum8rikv1p", "#y\u200bumbrikvip_new", "#yyyummbrikvip"])
def test_hashtag_with_suffixes_and_obfuscation(lexicon, text):
    assert TAG in signals_of(lexicon, text), text


def test_multiword_term_and_its_hashtag(lexicon):
    assert "sale-menu-in-bio" in signals_of(lexicon, "MENU IN BIO ✨")
    assert "sale-menu-in-bio" in signals_of(lexicon, "#menuinbio")
    assert "sale-menu-in-bio" not in signals_of(lexicon, "menu at the bistro")


def test_emoji_sequence(lexicon):
    assert "emoji-flamingo-ice" in signals_of(lexicon, "new set 🦩🧊 tonight")
    assert "emoji-flamingo-ice" in signals_of(lexicon, "new set 🦩\ufe0f🧊 tonight")
    assert "emoji-flamingo-ice" not in signals_of(lexicon, "🦩 at the zoo, 🧊 in the drink")


def test_operator_regex(lexicon):
    assert "age-regex" in signals_of(lexicon, "in Grade 7 now")
    assert "age-regex" not in signals_of(lexicon, "grade 12")


def test_span_and_obfuscated_flag(lexicon):
    plain = [h for h in hits_of(lexicon, "selling VEXKIN now") if h["signal"] == VEX][0]
    assert plain["matched"] == "VEXKIN" and plain["obfuscated"] is False
    text = "so 🌸 v\u200be\u200bx\u200bkin 🌸"
    h = [h for h in hits_of(lexicon, text) if h["signal"] == VEX][0]
    assert h["obfuscated"] is True and h["matched"] == "v\u200be\u200bx\u200bkin"
    fuzzy = [h for h in hits_of(lexicon, "vexkim") if h["signal"] == VEX][0]
    assert fuzzy["obfuscated"] is True and fuzzy["weight"] < 1.0  # a misspelling is weaker evidence


def test_batch_rows_and_empty_texts(lexicon):
    m = lexicon.matcher
    texts = [None, "", "torlap", "nothing here", "t0rl4p and vexkin"]
    h = m.scan(texts)
    found = {(int(r), m.signals[int(s)].signal_id) for r, s in zip(h.row, h.signal)}
    assert found == {(2, "explicit-torlap"), (4, "explicit-torlap"), (4, VEX)}
    # a term never spans two texts
    h2 = m.scan(["ends with vex", "kin starts"])
    assert len(h2) == 0


def test_spans_are_characters_after_multibyte_text(lexicon):
    """Fast-pass hits report character offsets even after emoji and symbols earlier in the text."""
    m = lexicon.matcher
    texts = ["🔥🔥 vexkin", "plain torlap", "✨ — torlap 🦩🧊 end", "€5 “vexkin”"]
    h = m.scan(texts)
    found = set()
    for i in range(len(h)):
        text = texts[int(h.row[i])]
        assert text[int(h.start[i]):int(h.end[i])] == h.matched[i]
        found.add((int(h.row[i]), m.signals[int(h.signal[i])].signal_id, h.matched[i]))
    assert {(0, VEX, "vexkin"), (1, "explicit-torlap", "torlap"), (2, "explicit-torlap", "torlap"),
            (2, "emoji-flamingo-ice", "🦩🧊"), (3, VEX, "vexkin")} <= found


def test_prices_are_not_read_as_a_term_made_of_leetable_letters():
    """A term spelt only with letters that have leetspeak digits (l, o, s) must not match a price
    through the misspelling path: "150" is a number, not "losoo" one edit away."""
    from vigil.signals import parse_lexicon

    lex = parse_lexicon("version: 1\nsignals:\n- id: explicit-losoo\n  category: explicit\n  kind: term\n  value: losoo\n")
    assert "explicit-losoo" not in signals_of(lex, "prints for 105 or 150, dm")
    assert "explicit-losoo" in signals_of(lex, "new l0s00 menu")
