"""Built-in extractors in Spanish, Portuguese, French and German: the same generic language of
selling as the English rules (a stated age, a menu and prices, payment, contact, trade, buyer
requests), no abuse terms.

Patterns run over the light view, where accents are folded (`años` -> `anos`, `preços` ->
`precos`). A first-person age statement must end where a sentence would ("tengo 15 años.",
"j'ai 15 ans et ..."): "j'ai 15 ans d'expérience" and "tengo 15 años de experiencia" are durations.
"""

from __future__ import annotations

_END = r"(?:\s*$|\s*[,.!|/)]|\s+(?:y|e|et|und|pero|mas|mais|aber|de\s+(?:edad|idade)|alt|jahre))"
_D = "0123456789"

# (name, category, weight, pattern, verify-as-age, triggers)
RULE_SPECS = (
    ("age_stated_intl", "age", 0.8,
     r"\b(?:tengo|tenho|j(?:'|’)?ai|ich\s+bin)\s+(?:solo\s+|s[oó]\s+|seulement\s+|erst\s+|nur\s+)?\d{1,2}"
     r"(?:\s*(?:anos|ans|jahre?(?:\s+alt)?))?" + _END, True,
     tuple(f"{p}{d}" for d in _D for p in ("tengo ", "tenho ", "j'ai ", "j’ai ", "ich bin ", "tengo solo ",
                                           "tenho so ", "j'ai seulement ", "ich bin erst ", "ich bin nur "))),
    ("sale_phrase_intl", "sale", 0.5,
     r"\b(?:en\s+venta|a\s+la\s+venta|se\s+vende|vendo|a\s+venda|[aà]\s+vendre|je\s+vends|zu\s+verkaufen|verkaufe"
     r"|precios|precos|tarifs?|preise|preisliste|lista\s+de\s+precios|tabela\s+de\s+precos|pedidos\s+abiertos"
     r"|encomendas\s+abertas|commandes\s+ouvertes|bestellungen\s+offen)\b", False,
     ("en venta", "a la venta", "se vende", "vendo", "a venda", "a vendre", "à vendre", "je vends", "zu verkaufen",
      "verkaufe", "precios", "precos", "tarif", "preise", "preisliste", "lista de precios", "tabela de precos",
      "pedidos abiertos", "encomendas abertas", "commandes ouvertes", "bestellungen offen")),
    ("payment_method_intl", "payment", 0.4,
     r"\b(?:bizum|pix|lydia|tarjetas?\s+regalo|cart[aã]o\s+presente|cartes?\s+cadeaux?|gutscheine?|giropay"
     r"|paysafecard)\b", False,
     ("bizum", "pix", "lydia", "tarjeta regalo", "tarjetas regalo", "cartao presente", "cartão presente",
      "carte cadeau", "cartes cadeau", "cartes cadeaux", "gutschein", "giropay", "paysafecard")),
    ("dm_me_intl", "contact", 0.2,
     r"\b(?:escr[ií]beme|m[aá]ndame\s+(?:un\s+)?(?:dm|md|mensaje)|h[aá]blame\s+al\s+privado|me\s+chama\s+no\s+(?:dm|privado|pv)"
     r"|manda\s+(?:dm|mensagem)|[eé]cris[\s-]moi|envoie[\s-]moi\s+un\s+(?:message|mp)|mp\s+moi|schreib\s+mir"
     r"|schreibt\s+mir|pn\s+an\s+mich)\b", False,
     ("escribeme", "escríbeme", "mandame", "mándame", "hablame", "háblame", "me chama no", "manda dm",
      "manda mensagem", "ecris", "écris", "envoie", "mp moi", "schreib mir", "schreibt mir", "pn an mich")),
    ("trade_intl", "trade", 0.3,
     r"\b(?:intercambios?|intercambio\s+abierto|trocas?|troco|[eé]changes?|j(?:'|’)?echange|tausch(?:e|en)?)\b",
     False,
     ("intercambio", "troca", "troco", "echange", "échange", "tausch")),
    ("request_intl", "request", 0.5,
     r"\b(?:cu[aá]nto\s+(?:cuesta|es|vale)|cu[aá]nto\s*\?|quanto\s+(?:custa|e|é|sai)|quanto\s*\?|combien"
     r"|wie\s*viel|was\s+kostet|sigue\s+disponible|ainda\s+dispon[ií]vel|toujours\s+disponible|noch\s+verf[uü]gbar"
     r"|d[oó]nde\s+(?:compro|puedo\s+comprar)|onde\s+compro|o[uù]\s+acheter|wo\s+kann\s+ich\s+kaufen)\b", False,
     ("cuanto", "cuánto", "quanto", "combien", "wie viel", "wieviel", "was kostet", "sigue disponible",
      "ainda dispon", "toujours disponible", "noch verf", "donde compro", "dónde compro", "donde puedo",
      "dónde puedo", "onde compro", "ou acheter", "où acheter", "wo kann ich")),
)
