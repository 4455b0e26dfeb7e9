"""Built-in extractors (no operator terms) and the context of a hit."""

from __future__ import annotations

import pytest

from tests.signals.conftest import hits_of, signals_of


def _ages(lexicon, text):
    return {(h["signal"], h["context"]) for h in hits_of(lexicon, text) if h["signal"].startswith("builtin:age")}


@pytest.mark.parametrize("text", ["15yo", "I'm 15", "im 14 and bored", "age: 15", "16 y/o", "13 years old", "in 8th grade"])
def test_minor_age_statements(lexicon, text):
    assert ("builtin:age_minor", "use") in _ages(lexicon, text), text


@pytest.mark.parametrize("text", ["18+", "(21+) only", "19 y/o", "adults only", "I'm 25, from Leeds", "#18plus"])
def test_adult_age_claims(lexicon, text):
    ages = _ages(lexicon, text)
    assert ages and all(c == "adult" for _, c in ages), (text, ages)
    assert ("builtin:age_minor", "use") not in ages


@pytest.mark.parametrize("text", ["13 years at Orbital Foods today", "my 14yo loves it", "her son 15 years old",
                                  "16 tickets left", "I'm 5 minutes away"])
def test_not_an_age_statement(lexicon, text):
    assert ("builtin:age_minor", "use") not in _ages(lexicon, text), text


@pytest.mark.parametrize(
    "text,signal",
    [
        ("only $20 each", "builtin:price"),
        ("25$ for the set", "builtin:price"),
        ("new prices", "builtin:menu"),
        ("check the menu", "builtin:menu"),
        ("taking orders now", "builtin:sale_phrase"),
        ("join t.me/somechannel", "builtin:contact_link"),
        ("discord.gg/abc123", "builtin:contact_link"),
        ("snap: bobby_22", "builtin:contact_handle"),
        ("plinkr: @bobby_22", "builtin:contact_platform_handle"),
        ("tg in bio", "builtin:contact_in_bio"),
        ("cashapp or paypal", "builtin:payment_method"),
        ("gift cards ok", "builtin:payment_method"),
        ("send $bobby22", "builtin:cashtag"),
        ("btc only", "builtin:payment_method"),
        ("trades open", "builtin:trade"),
        ("how much?", "builtin:request"),
        ("dm'd you", "builtin:request"),
        ("sent you a dm", "builtin:request"),
        ("interested!", "builtin:request"),
        ("price?", "builtin:request_question"),
        ("link?", "builtin:request_question"),
    ],
)
def test_builtin_extractors(lexicon, text, signal):
    assert signal in signals_of(lexicon, text), (text, signals_of(lexicon, text))


def test_cashtag_is_not_a_price_and_price_is_not_a_cashtag(lexicon):
    assert "builtin:cashtag" not in signals_of(lexicon, "only $20")
    assert "builtin:price" not in signals_of(lexicon, "pay $bobby")


def test_innocent_text_has_no_hits(lexicon):
    assert hits_of(lexicon, "Sunset over the lake with friends 🌊 #travel #weekend") == []


@pytest.mark.parametrize(
    "text",
    [
        "Report accounts using vexkin. Do not engage.",
        "Parents beware: sellers write v.e.x.k.i.n now",
        "PSA: we flagged #yumbrikvip to the platform",
        "Researchers found 'vexkin' in bios",
        'New evasion pattern: "torlap".',
    ],
)
def test_warning_context(lexicon, text):
    hits = [h for h in hits_of(lexicon, text) if h["signal"].startswith(("explicit", "tag"))]
    assert hits and all(h["context"] == "warn" for h in hits), (text, hits)


def test_use_context(lexicon):
    hits = [h for h in hits_of(lexicon, "vexkin restocked, menu in bio") if not h["signal"].startswith("builtin")]
    assert {h["signal"] for h in hits} == {"explicit-vexkin", "sale-menu-in-bio"}
    assert all(h["context"] == "use" for h in hits)
