"""Built-in extractors: the generic language of selling that needs no operator terms.

Ages, menus and prices, off-platform contact, payment methods, trade and buyer requests are
ordinary words, so they ship with the project (the operator's lexicon holds the abuse terms).
Each rule is a hyperscan pattern over the light view (lower case, look-alikes folded); the few
that need a second look (an age's number, a cashtag's leading character) have a `verify` step
that runs only on their hits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# A stated age in this range is a minor's; below it a statement is about someone else's child
# far more often than about the writer ("my 5yo"), so it is not evidence either way.
MINOR_AGES = range(10, 18)
ADULT_AGE = 18
MAX_AGE = 99

# Words just before an age that make it about someone else ("my 14yo", "her son 15 years old").
_OTHER_PERSON = re.compile(r"\b(?:my|our|his|her|their|your|son|daughter|kid|kids|child|brother|sister|nephew|niece)\s*\S{0,3}\s*$")
_NUMBER = re.compile(r"\d{1,3}")
# Characters a rule may need after its match (a boundary) that are not part of the evidence span.
TRAILING = " \t\r\n,.!|/)&"


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    weight: float
    pattern: str  # hyperscan syntax, light view (already lower case)
    verify: Callable[[str, str], tuple[str, str, int] | None] | None = None
    context: str = "use"  # context of an unverified hit ("adult" for adult-only claims)
    tags: tuple[str, ...] = ()  # intent the graph stage reads (lexicon TAGS)
    # verify(matched, before) -> (signal name, context, start shift) or None to drop the hit


def _age(matched: str, before: str) -> tuple[str, str, int] | None:
    m = _NUMBER.search(matched)
    if not m:
        return None
    n = int(m.group())
    if n in MINOR_AGES:
        if _OTHER_PERSON.search(before[-24:]):
            return None
        return "age_minor", "use", 0
    if ADULT_AGE <= n <= MAX_AGE:
        return "age_adult", "adult", 0
    return None


def _adult_plus(matched: str, before: str) -> tuple[str, str, int] | None:
    n = int(_NUMBER.search(matched).group())
    return ("age_adult", "adult", 0) if ADULT_AGE <= n <= MAX_AGE else None


def _cashtag(matched: str, before: str) -> tuple[str, str, int] | None:
    shift = matched.index("$")
    return "cashtag", "use", shift


def _leading_context(matched: str, before: str) -> tuple[str, str, int] | None:
    """Patterns that start at a non-word character (no lookbehind in hyperscan): trim it."""
    shift = 0
    while shift < len(matched) and not matched[shift].isalnum() and matched[shift] not in "$#":
        shift += 1
    return None if shift >= len(matched) else ("", "use", shift)


B = r"\b"
RULES: tuple[Rule, ...] = (
    # --- ages
    # "14 years" alone is a duration ("14 years at the company"); an age says "old" or "y/o"
    Rule("age_years", "age", 0.8, r"\b\d{1,2}\s*(?:y/?o|yo|y\.o\.?|(?:yrs?|years?)[\s-]*old)\b", _age),
    Rule("age_label", "age", 0.8, r"\bage[sd]?\s*[:=]?\s*\d{1,2}\b", _age),
    Rule("age_im", "age", 0.8, r"\b(?:i'?m|i\s+am|im)\s+(?:only\s+|just\s+)?\d{1,2}(?:\s*(?:y/?o|yo|(?:yrs?|years?)[\s-]*old))?(?:\s*$|\s*[,.!|/)]|\s+(?:and|&|but|from|in|turning))", _age),
    Rule("age_plus", "age", 1.0, r"\b\d{2}\s*\+", _adult_plus),
    Rule("age_adult", "age", 1.0, r"\b(?:adults?\s+only|18\s*plus|over\s+18|nsfw)\b", context="adult",
         tags=("adult",)),
    Rule("age_minor", "age", 0.8, r"\b(?:underage|under\s*18|u18|middle\s+school(?:er)?|[5-9]th\s+grade(?:r)?)\b"),
    # --- sale, menu, price
    Rule("price", "sale", 0.4, r"(?:\$|€|£)\s?\d{1,5}(?:[.,]\d{2})?\b|\b\d{1,5}(?:[.,]\d{2})?\s?(?:\$|€|£|usd|eur|gbp|dollars|bucks)"),
    Rule("menu", "sale", 0.4, r"\b(?:menu|price\s*list|prices?|pricing)\b"),
    Rule("sale_phrase", "sale", 0.5,
         r"\b(?:for\s+sale|selling|customs?\s+open|open\s+for\s+customs|taking\s+orders|limited\s+slots"
         r"|restock(?:ed)?|vip\s+access|vip\s+menu|dm\s+(?:me\s+)?for\s+(?:prices|menu|content|info)|content\s+for\s+sale"
         r"|prices?\s+(?:in|on)\s+dms?|check\s+my\s+(?:menu|story)|new\s+set|bundles?)\b"),
    # --- off-platform contact
    *(),  # contact_link, contact_handle: built from the platform registry (see `configure`)
    Rule("contact_platform_handle", "contact", 0.3, r"\b[a-z]{2,12}\s*:\s*@[a-z0-9_.]{3,}"),
    Rule("dm_me", "contact", 0.2, r"\b(?:dm\s+me|message\s+me|pm\s+me|hmu|text\s+me)\b"),
    # --- payment
    Rule("payment_method", "payment", 0.4,
         r"\b(?:cash\s?app|paypal|venmo|zelle|gift\s?cards?|amazon\s+cards?|apple\s+pay|google\s+pay|revolut|skrill"
         r"|bitcoin|btc|usdt|monero|xmr|crypto|ethereum|steam\s+cards?)\b"),
    Rule("cashtag", "payment", 0.4, r"(?:^|[^\w$])\$[a-z][a-z0-9_]{2,15}\b", _cashtag),
    Rule("crypto_wallet", "payment", 0.5, r"\b(?:bc1[a-z0-9]{25,59}|0x[0-9a-f]{40})\b"),
    # --- trade
    Rule("trade", "trade", 0.3, r"\b(?:trades?(?:\s+open)?|trading|swaps?|swapping|wtt|will\s+trade)\b"),
    # --- buyer requests (comments)
    Rule("request", "request", 0.5,
         r"\b(?:how\s+much|dm'?d(?:\s+you)?|sent\s+(?:you\s+)?an?\s+dm|sent\s+you\s+a\s+message|check\s+(?:your\s+)?dms?"
         r"|interested|next\s+drop|still\s+available|can\s+i\s+buy|where\s+can\s+i\s+(?:get|buy)|wtb|want\s+to\s+buy"
         r"|how\s+(?:do\s+i|to|can\s+i)\s+(?:buy|order|pay|get\s+it)|send\s+(?:me\s+)?(?:the\s+)?(?:menu|link|prices?))\b"),
    Rule("request_question", "request", 0.5, r"\b(?:price|prices|link|menu|cost|rates?)\s*\?"),
    # --- re-creation after a ban ("follow my backup", "new acc")
    Rule("backup", "other", 0.5,
         r"\b(?:(?:follow\s+)?my\s+backup|backup\s+acc(?:ount)?|new\s+acc(?:ount)?|old\s+acc(?:ount)?\s+got\s+(?:deleted|banned)"
         r"|main\s+(?:got\s+)?(?:banned|deleted))\b|\bbackup\s*[:@]", tags=("backup",)),
)

# Text that warns about, reports or studies a term: its hits are evidence of a different kind.
WARN_CUES: tuple[str, ...] = (
    r"\breport(?:ed|ing|s)?\b",
    r"\bdo\s*n[o']?t\s+engage\b",
    r"\bbeware\b",
    r"\bparents\b",
    r"\bwarning\b",
    r"\bpsa\b",
    r"\bflagged\b",
    r"\bresearch(?:ers?|ing)?\b",
    r"\bjournalists?\b",
    r"\bevasion\b",
    r"\bdodge\s+(?:the\s+)?filters?\b",
    r"\bexploit(?:ative|ation)\b",
    r"\babuse\b",
    r"\b(?:child|online|kids?)\s*safety\b",
    r"\btrust\s*(?:&|and)\s*safety\b",
    r"\bplatforms?\s*,?\s+please\b",
    r"\bif\s+you\s+see\b",
    r"\bwatch\s+out\b",
    r"\bstay\s+safe\b",
    r"\bnews\b",
    r"\bscam(?:mer)?s?\b",
    r"\bpredators?\b",
    r"\bmoderators?\b",
)


# --- triggers: plain literals, one of which every match of a rule contains. The fast pass looks
# for these only (a literal scan is an order of magnitude cheaper than the rules' regexes), and
# runs the rules themselves on the few texts that contain a trigger.
_D = "0123456789"
RULE_TRIGGERS: dict[str, tuple[str, ...]] = {
    "age_years": tuple(f"{d}{sp}{y}" for d in _D for sp in ("", " ") for y in ("yo", "y/o", "y.o"))
    + ("rs old", "r old", "rs-old", "r-old", "rsold", "rold"),
    "age_label": tuple(f"age{sep}{d}" for d in _D for sep in ("", " ", ":", ": ", "=", "d ", "s ", "d:", " :")),
    "age_im": tuple(f"{p}{d}" for d in _D for p in ("i'm ", "im ", "i am ", "i'm only ", "i'm just ", "im only ",
                                                    "im just ", "i am only ", "i am just ")),
    "age_plus": tuple(f"{d}+" for d in _D) + tuple(f"{d} +" for d in _D),
    "age_adult": ("adults only", "adult only", "18plus", "18 plus", "over 18", "nsfw"),
    "age_minor": ("underage", "under 18", "under18", "u18", "middle school", "th grade"),
    "price": ("$", "€", "£", "usd", "eur", "gbp", "dollars", "bucks"),
    "menu": ("menu", "price", "pricing"),
    "sale_phrase": ("for sale", "selling", "customs open", "custom open", "for customs", "taking orders",
                    "limited slots", "restock", "vip access", "vip menu", "dm for", "dm me for", "content for sale",
                    "in dm", "on dm", "check my menu", "check my story", "new set", "bundle"),
    "contact_platform_handle": (":@", ": @", ":  @"),
    "contact_in_bio": ("in bio", "in my bio", "on bio", "on my bio", "in profile", "on profile", "in my profile",
                       "on my profile"),
    "dm_me": ("dm me", "message me", "pm me", "hmu", "text me"),
    "payment_method": ("cashapp", "cash app", "paypal", "venmo", "zelle", "giftcard", "gift card", "amazon card",
                       "apple pay", "google pay", "revolut", "skrill", "bitcoin", "btc", "usdt", "monero", "xmr",
                       "crypto", "ethereum", "steam card"),
    "cashtag": ("$",),
    "crypto_wallet": ("bc1", "0x"),
    "trade": ("trade", "trading", "swap", "wtt", "will trade"),
    "request": ("how much", "dm'd", "dmd", "sent you", "sent a dm", "sent an dm", "check your dm", "check dm",
                "interested", "next drop", "still available", "can i buy", "where can i", "wtb", "want to buy",
                "how do i", "how to", "how can i", "send me", "send the menu", "send the link", "send the price",
                "send menu", "send link", "send price"),
    "backup": ("my backup", "backup acc", "new acc", "old acc", "main got", "main banned", "main deleted", "backup:",
               "backup :", "backup @", "backup@"),
    "request_question": tuple(f"{w}{sp}?" for w in ("price", "prices", "link", "menu", "cost", "rate", "rates")
                              for sp in ("", " ", "  ")),
}
CUE_TRIGGERS: tuple[str, ...] = (
    "report", "engage", "beware", "parents", "warning", "psa", "flagged", "research", "journalist", "evasion",
    "dodge", "exploit", "abuse", "safety", "platform", "if you see", "watch out", "stay safe", "news", "scam",
    "predator", "moderator",
)


def _language_rules() -> tuple[tuple[Rule, ...], dict[str, tuple[str, ...]]]:
    """The Spanish, Portuguese, French and German rules (signals/languages.py)."""
    from vigil.signals.languages import RULE_SPECS

    rules = tuple(Rule(name, cat, w, pat, _age if is_age else None) for name, cat, w, pat, is_age, _ in RULE_SPECS)
    return rules, {name: trig for name, _, _, _, _, trig in RULE_SPECS}


_LANG_RULES, _LANG_TRIGGERS = _language_rules()
RULES = RULES + _LANG_RULES
RULE_TRIGGERS = {**RULE_TRIGGERS, **_LANG_TRIGGERS}

# A label shorter than this ("x") is a letter in ordinary text, not a platform before a handle.
MIN_CONTACT_LABEL = 2
_BASE_RULES, _BASE_TRIGGERS = RULES, dict(RULE_TRIGGERS)


def registry_rules(registry) -> tuple[tuple[Rule, ...], dict[str, tuple[str, ...]]]:
    """Off-platform contact rules from the platform registry: a messaging app's link
    (`t.me/`, `snapchat.com/add/`) and any platform's label before a handle (`tg: h`, `ig: h`)."""
    prefixes = sorted({pre for e in registry.contacts() for pre in e.link_prefixes()})
    labels = sorted({lab for e in registry.entries for lab in e.labels if len(lab) >= MIN_CONTACT_LABEL})
    rules, triggers = [], {}
    if prefixes:
        rules.append(Rule("contact_link", "contact", 0.5,
                          r"\b(?:" + "|".join(re.escape(p) for p in prefixes) + r")"))
        triggers["contact_link"] = tuple(prefixes)
    if labels:
        rules.append(Rule("contact_handle", "contact", 0.4,
                          r"\b(?:" + "|".join(re.escape(lab) for lab in labels) + r")\s*[:=]\s*@?[a-z0-9_.]{3,}"))
        triggers["contact_handle"] = tuple(f"{lab}{sep}" for lab in labels for sep in (":", " :", "=", " ="))
    # "tg in bio", "link in bio": where the contact is, said instead of the contact itself.
    contact_labels = sorted({lab for e in registry.contacts() for lab in e.labels} | {"link", "links", "contact"})
    rules.append(Rule("contact_in_bio", "contact", 0.4,
                      r"\b(?:" + "|".join(re.escape(lab) for lab in contact_labels)
                      + r")\s+(?:in|on)\s+(?:my\s+)?(?:bio|profile)\b"))
    return tuple(rules), triggers


def configure(registry) -> None:
    """Rebuild RULES and RULE_TRIGGERS for this registry (before a matcher is compiled)."""
    global RULES, RULE_TRIGGERS
    extra, trig = registry_rules(registry)
    RULES = _BASE_RULES + extra
    RULE_TRIGGERS = {**_BASE_TRIGGERS, **trig}


def _configure_default() -> None:
    from vigil.platforms.registry import default_registry

    configure(default_registry())


_configure_default()
