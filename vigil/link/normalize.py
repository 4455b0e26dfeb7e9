"""Reduce handles and display names to the part that can identify a person.

People restyle the same identity on every platform (`noah.sells61`, `noahsells619`, `Noah ✨`),
so comparisons run on a folded form: Unicode compatibility forms and look-alike letters folded,
case folded, separators, emoji and decorations dropped. The part of a handle that merely spells
the account's own display name is split off (`residue`), because the name is compared on its own
and counting it twice would turn one coincidence into two.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Jaro, Prefix

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NAME_SPLIT = re.compile(r"[^\w]+|_")
# Credentials and honorifics written after a comma or as a lone token say nothing about who it is.
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "phd", "md", "mba", "pmp", "cpa", "esq", "dr", "mr", "mrs", "ms"})
# A name token shorter than this (an initial) is too weak to remove from a handle or to compare.
MIN_NAME_TOKEN = 2
# A handle residue shorter than this ("05", "92") is a birth year or a counter, not an identity.
MIN_RESIDUE = 3
# Winkler's bonus counts no more than this many leading characters in common.
WINKLER_PREFIX_MAX = 4

_CONFUSABLES: dict[str, str] = {}


def _confusable_map() -> dict[str, str]:
    """Latin look-alikes for the Cyrillic/Greek letters most used to dodge matching."""
    if not _CONFUSABLES:
        pairs = {
            "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
            "т": "t", "у": "y", "х": "x", "һ": "h", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
            "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
            "υ": "u", "χ": "x", "ѵ": "v", "ӏ": "l",
        }
        _CONFUSABLES.update(pairs)
    return _CONFUSABLES


class _CharTable(dict):
    """A `str.translate` table that works each character out on first sight: translating runs
    in C, where a Python generator over the characters cost a call per character of every bio."""

    def __init__(self, rule) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, code: int) -> str:
        out = self[code] = self.rule(chr(code))
        return out


def _latin_lookalike(ch: str) -> str:
    cmap = _confusable_map()
    return cmap.get(ch, cmap.get(ch.lower(), ch))


_LOOKALIKES = _CharTable(_latin_lookalike)
_NO_COMBINING = _CharTable(lambda ch: "" if unicodedata.combining(ch) else ch)


def fold(text: str | None) -> str:
    """NFKC, look-alike letters to Latin, accents stripped, case folded."""
    if not text:
        return ""
    if text.isascii():
        # ASCII is its own NFKC and NFKD form, holds no look-alike or combining letter, and
        # casefolds as it lowers: the common case skips three passes over the string.
        return text.lower()
    s = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES)
    return unicodedata.normalize("NFKD", s).translate(_NO_COMBINING).casefold()


def handle_core(handle: str | None) -> str:
    """The handle's letters and digits only: `Real.Aisha_Store` -> `realaishastore`."""
    return _NON_ALNUM.sub("", fold(handle).lstrip("@"))


def name_tokens(display_name: str | None) -> list[str]:
    """Word tokens of a display name, without emoji, credentials or initials."""
    s = fold(display_name).split(",")[0]
    tokens = [t for t in _NAME_SPLIT.split(s) if t]
    tokens = [t for t in tokens if t.isalpha() and len(t) >= MIN_NAME_TOKEN and t not in _NAME_SUFFIXES]
    return tokens


def name_key(tokens: list[str]) -> str:
    """First and last token: the part of a name that survives middle initials and double-barrels."""
    if not tokens:
        return ""
    return tokens[0] if len(tokens) == 1 else f"{tokens[0]} {tokens[-1]}"


def residue(core: str, tokens: list[str]) -> str:
    """The handle with the account's own name tokens removed (longest first)."""
    out = core
    for t in sorted(set(tokens), key=len, reverse=True):
        if len(t) >= 3:
            out = out.replace(t, "")
    return out


def jaro_winkler(a: str, b: str, cutoff: float = 0.0) -> float:
    """Jaro-Winkler similarity in [0, 1]; rewards a shared prefix, the usual way handles drift.

    This variant halves the transpositions exactly and always adds the prefix bonus (Winkler's
    rounds down and adds it only above 0.7), so rapidfuzz's Jaro, with transpositions rounded
    down, is never below ours: with our bonus on top it bounds ours from above. A pair whose
    bound is under `cutoff` returns 0.0 without the slow exact count, as rapidfuzz's own
    score_cutoff does; most compared pairs are strangers, far below any level that matters."""
    if a == b:
        return 1.0 if a else 0.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    prefix = min(Prefix.similarity(a, b), WINKLER_PREFIX_MAX)
    if cutoff > 0.0:
        upper = Jaro.similarity(a, b)
        if upper + prefix * 0.1 * (1 - upper) < cutoff:
            return 0.0
    window = max(la, lb) // 2 - 1
    a_match = [False] * la
    b_match = [False] * lb
    matches = 0
    for i, ch in enumerate(a):
        lo, hi = max(0, i - window), min(lb, i + window + 1)
        for j in range(lo, hi):
            if not b_match[j] and b[j] == ch:
                a_match[i] = b_match[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    transpositions, k = 0, 0
    for i in range(la):
        if a_match[i]:
            while not b_match[k]:
                k += 1
            if a[i] != b[k]:
                transpositions += 1
            k += 1
    m = float(matches)
    jaro = (m / la + m / lb + (m - transpositions / 2) / m) / 3
    return jaro + prefix * 0.1 * (1 - jaro)


def trigrams(s: str) -> set[str]:
    """Character trigrams of a folded string, padded so short handles still block."""
    if not s:
        return set()
    p = f"^{s}$"
    return {p[i : i + 3] for i in range(len(p) - 2)}
