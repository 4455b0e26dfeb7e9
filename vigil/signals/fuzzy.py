"""Misspellings at edit distance 1 of single-word terms (5+ letters), looked up per distinct word.

Approximate matching inside hyperscan is an order of magnitude slower than a literal scan, but a
batch has far fewer distinct words than words: the skeleton view's words are dictionary-encoded
with Arrow, and only words never seen before are checked against a deletion index (a word within
one edit of a term shares a one-deletion variant with it), then confirmed with a real edit distance.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil.signals.lexicon import Entry
from vigil.signals.normalise import IS_LETTER, Views

# Shorter terms have too many real words one edit away ("swap": swan, soap, slap) to fuzz.
MIN_FUZZY_LETTERS = 5


def _deletions(s: str) -> set[str]:
    return {s[:i] + s[i + 1:] for i in range(len(s))}


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance exactly 1."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        return sum(x != y for x, y in zip(a, b)) == 1
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


class FuzzyIndex:
    def __init__(self, entries: list[tuple[int, Entry]]):
        self.index: dict[str, set[tuple[int, str]]] = {}
        self.exact: set[str] = set()
        for code, e in entries:
            sk = e.skeleton
            self.exact.add(sk)
            if " " in sk or sum(c.isalpha() for c in e.value) < MIN_FUZZY_LETTERS or len(sk) < MIN_FUZZY_LETTERS - 1:
                continue
            for key in _deletions(sk) | {sk}:
                self.index.setdefault(key, set()).add((code, sk))
        self.lengths = {len(s) for items in self.index.values() for _, s in items}
        self._cache: dict[str, tuple[int, ...]] = {}

    def lookup(self, word: str) -> tuple[int, ...]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        codes: set[int] = set()
        if word not in self.exact:
            for key in _deletions(word) | {word}:
                for code, sk in self.index.get(key, ()):
                    if within_one_edit(word, sk):
                        codes.add(code)
        hit = tuple(sorted(codes))
        if len(self._cache) < 2_000_000:
            self._cache[word] = hit
        return hit


def fuzzy_hits(index: FuzzyIndex, v: Views):
    """(rows, signal codes, original start, original end) of words one edit from a term."""
    z = np.zeros(0, np.int64)
    if not index.index:
        return z, z, z, z
    skel = np.frombuffer(v.skel, dtype=np.uint8)
    is_w = IS_LETTER[skel]
    prev = np.concatenate(([False], is_w[:-1]))
    nxt = np.concatenate((is_w[1:], [False]))
    starts = np.flatnonzero(is_w & ~prev)
    ends = np.flatnonzero(is_w & ~nxt) + 1
    lens = ends - starts
    lo, hi = min(index.lengths) - 1, max(index.lengths) + 1
    keep = (lens >= lo) & (lens <= hi)
    starts, ends, lens = starts[keep], ends[keep], lens[keep]
    if starts.size == 0:
        return z, z, z, z
    # gather the candidate words into one contiguous buffer for Arrow's dictionary encoding
    offsets = np.zeros(starts.size + 1, dtype=np.int32)
    np.cumsum(lens, out=offsets[1:])
    gather = np.repeat(starts - offsets[:-1], lens) + np.arange(offsets[-1])
    words = pa.Array.from_buffers(pa.binary(), starts.size, [None, pa.py_buffer(offsets), pa.py_buffer(skel[gather].tobytes())])
    enc = pc.dictionary_encode(words)
    uniq = enc.dictionary.to_pylist()
    hits_per_word = [index.lookup(w.decode("ascii", "replace")) for w in uniq]
    matched_ids = np.array([i for i, h in enumerate(hits_per_word) if h], dtype=np.int64)
    if matched_ids.size == 0:
        return z, z, z, z
    ids = np.asarray(enc.indices)
    sel = np.flatnonzero(np.isin(ids, matched_ids))
    codes, o_s, o_e = [], [], []
    for k in sel.tolist():
        for code in hits_per_word[ids[k]]:
            codes.append(code)
            o_s.append(int(v.s_orig[starts[k]]))
            o_e.append(int(v.s_end[ends[k] - 1]))
    o_s = np.array(o_s, np.int64)
    return v.rows_of(o_s), np.array(codes, np.int64), o_s, np.array(o_e, np.int64)
