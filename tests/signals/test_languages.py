"""Built-in extractors in Spanish, Portuguese, French and German, with benign sentences per
language that must not fire."""

from __future__ import annotations

import pytest

from tests.signals.conftest import hits_of, signals_of


def _categories(lexicon, text):
    m = lexicon.matcher
    return {(m.signals[int(s)].category) for s in m.scan([text]).signal}


POSITIVE = [
    # (language, text, builtin signal)
    ("es", "tengo 15 años", "builtin:age_minor"),
    ("es", "vendo fotos, precios por dm", "builtin:sale_phrase_intl"),
    ("es", "pago por bizum", "builtin:payment_method_intl"),
    ("es", "escríbeme", "builtin:dm_me_intl"),
    ("es", "intercambio abierto", "builtin:trade_intl"),
    ("es", "¿cuánto cuesta?", "builtin:request_intl"),
    ("pt", "tenho 14 anos e gosto de música", "builtin:age_minor"),
    ("pt", "tabela de preços no privado", "builtin:sale_phrase_intl"),
    ("pt", "aceito pix", "builtin:payment_method_intl"),
    ("pt", "me chama no privado", "builtin:dm_me_intl"),
    ("pt", "faço troca", "builtin:trade_intl"),
    ("pt", "quanto custa?", "builtin:request_intl"),
    ("fr", "j'ai 15 ans", "builtin:age_minor"),
    ("fr", "J’ai 16 ans, je suis de Lyon", "builtin:age_minor"),
    ("fr", "contenu à vendre, tarifs en mp", "builtin:sale_phrase_intl"),
    ("fr", "paiement par carte cadeau", "builtin:payment_method_intl"),
    ("fr", "écris-moi", "builtin:dm_me_intl"),
    ("fr", "j'échange aussi", "builtin:trade_intl"),
    ("fr", "c'est combien ?", "builtin:request_intl"),
    ("de", "ich bin 15", "builtin:age_minor"),
    ("de", "ich bin 14 Jahre alt", "builtin:age_minor"),
    ("de", "Preisliste in der Story, zu verkaufen", "builtin:sale_phrase_intl"),
    ("de", "zahlung per paysafecard", "builtin:payment_method_intl"),
    ("de", "schreib mir", "builtin:dm_me_intl"),
    ("de", "tausche gern", "builtin:trade_intl"),
    ("de", "was kostet das?", "builtin:request_intl"),
]


@pytest.mark.parametrize("lang,text,signal", POSITIVE)
def test_generic_selling_language(lexicon, lang, text, signal):
    assert signal in signals_of(lexicon, text), (lang, text, signals_of(lexicon, text))


@pytest.mark.parametrize("text", ["tengo 25 años", "j'ai 30 ans", "ich bin 40", "tenho 19 anos"])
def test_adult_ages_are_adult_claims(lexicon, text):
    hits = [h for h in hits_of(lexicon, text) if h["signal"].startswith("builtin:age")]
    assert hits and all(h["context"] == "adult" for h in hits), (text, hits)


NEGATIVE = [
    # benign sentences, each language: durations, other people's ages, ordinary words
    ("es", "hace 15 años que vivo en Quito"),
    ("es", "tengo 15 años de experiencia en cocina"),
    ("es", "mi hija tiene 15 años hoy"),
    ("es", "el partido empieza a las 15"),
    ("pt", "moro aqui há 15 anos"),
    ("pt", "tenho 15 anos de carreira"),
    ("pt", "minha filha fez 14 anos"),
    ("pt", "o ônibus chega às 15"),
    ("fr", "j'ai 15 ans d'expérience"),
    ("fr", "ma fille a 15 ans aujourd'hui"),
    ("fr", "il y a 15 ans nous étions à Paris"),
    ("fr", "rendez-vous à 15 heures"),
    ("de", "ich bin 15 Minuten entfernt"),
    ("de", "meine Tochter ist 15 geworden"),
    ("de", "vor 15 Jahren waren wir in Berlin"),
    ("de", "das Spiel beginnt um 15 Uhr"),
]


@pytest.mark.parametrize("lang,text", NEGATIVE)
def test_benign_sentences_do_not_fire(lexicon, lang, text):
    cats = _categories(lexicon, text)
    assert not cats & {"age", "sale", "payment", "contact", "trade", "request"}, (lang, text, signals_of(lexicon, text))
