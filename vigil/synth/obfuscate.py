"""The ways sellers disguise their words, as the contract lists them for normalisation.

Each method returns a spelling that a normaliser should map back to the word (case, Unicode
compatibility forms, look-alike letters, leetspeak, separators and zero-width characters,
repeated letters), except `misspell`, which a normaliser cannot undo: misspellings are the
"emergent" terms that term discovery must find, and the truth lists them.
"""

from __future__ import annotations

import numpy as np

LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "b": "8", "g": "9", "l": "1"}
# Cyrillic and Greek letters that look like Latin ones.
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
              "k": "κ", "h": "һ", "s": "ѕ", "j": "ј", "n": "ո"}
SEPARATORS = [".", "*", "-", "·", " ", "_", "|", "~"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060"]
TAG_SUFFIXES = ["_", "x", "2", "_new", "_sale", "xx", "22", "_vip", "__", "0"]

NORMALISABLE = ("leet", "homoglyph", "fullwidth", "math", "separators", "zero_width", "repeat", "case")


def _leet(w: str, rng) -> str:
    return "".join(LEET[c] if c in LEET and rng.random() < 0.6 else c for c in w)


def _homoglyph(w: str, rng) -> str:
    idx = [i for i, c in enumerate(w) if c in HOMOGLYPHS]
    if not idx:
        return _leet(w, rng)
    pick = set(rng.choice(idx, size=max(1, len(idx) // 2), replace=False).tolist())
    return "".join(HOMOGLYPHS[c] if i in pick else c for i, c in enumerate(w))


def _fullwidth(w: str, rng) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w)


def _math(w: str, rng) -> str:
    # Lowercase a of: bold, bold italic, sans-serif bold, monospace (NFKC maps each back to ASCII).
    start = int(rng.choice([0x1D41A, 0x1D482, 0x1D5EE, 0x1D68A]))
    return "".join(chr(start + ord(c) - 97) if "a" <= c <= "z" else c for c in w)


def _separators(w: str, rng) -> str:
    sep = SEPARATORS[rng.integers(len(SEPARATORS))]
    return sep.join(w)


def _zero_width(w: str, rng) -> str:
    z = ZERO_WIDTH[rng.integers(len(ZERO_WIDTH))]
    return "".join(c + (z if i < len(w) - 1 and rng.random() < 0.7 else "") for i, c in enumerate(w))


def _repeat(w: str, rng) -> str:
    i = int(rng.integers(len(w)))
    return w[:i] + w[i] * int(rng.integers(2, 5)) + w[i + 1:]


def _case(w: str, rng) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c for c in w)


def misspell(w: str, rng) -> str:
    """Drop, swap or substitute one inner letter: a variant no normaliser maps back."""
    if len(w) < 4:
        return w + w[-1]
    i = int(rng.integers(1, len(w) - 1))
    op = int(rng.integers(3))
    if op == 0:
        return w[:i] + w[i + 1:]
    if op == 1 and w[i] != w[i + 1]:
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    sub = "aeiou" if w[i] in "aeiouy" else "bdgkmnprstvz"
    c = sub[int(rng.integers(len(sub)))]
    return w[:i] + (c if c != w[i] else "q") + w[i + 1:]


METHODS = {"leet": _leet, "homoglyph": _homoglyph, "fullwidth": _fullwidth, "math": _math,
           "separators": _separators, "zero_width": _zero_width, "repeat": _repeat, "case": _case}


def obfuscate(word: str, rng: np.random.Generator, rate: float, combo: float,
              weights: np.ndarray | None = None) -> tuple[str, list[str]]:
    """A spelling of `word`: plain with probability 1-rate, else one method (two with `combo`)."""
    if rng.random() >= rate:
        return word, []
    names = list(METHODS)
    k = 2 if rng.random() < combo else 1
    p = None if weights is None else weights / weights.sum()
    chosen = list(rng.choice(names, size=k, replace=False, p=p))
    # Separators and zero-width first, then letter-level changes, so both stay visible.
    order = {"repeat": 0, "case": 1, "leet": 2, "homoglyph": 2, "fullwidth": 3, "math": 3,
             "separators": 4, "zero_width": 4}
    chosen.sort(key=order.get)
    if "separators" in chosen and "zero_width" in chosen:
        chosen.remove("zero_width")
    if len({"fullwidth", "math", "homoglyph", "leet"} & set(chosen)) > 1:
        chosen = chosen[:1]
    out = word
    for m in chosen:
        out = METHODS[m](out, rng)
    return out, chosen


def tag_variant(tag: str, rng: np.random.Generator, suffix_rate: float) -> str:
    """A hashtag as sellers write it: sometimes with a suffix that dodges an exact-tag block."""
    if rng.random() < suffix_rate:
        return tag + TAG_SUFFIXES[rng.integers(len(TAG_SUFFIXES))]
    return tag
