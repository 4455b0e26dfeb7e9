"""The deep scan: full normalisation of texts that show signs of obfuscation, then hyperscan.

Used by `matcher.Matcher` for the texts its fast pass flags (look-alike or invisible characters,
leetspeak, separators or spaces between letters, fragments of a term that did not match whole).
A batch of texts is joined into one buffer, normalised into its two views
(`normalise.build_views`), scanned once per view, and every match is mapped back to its text and
its span in the original string with array operations. Python touches individual hits only where
a rule needs a second look (an age's number, an operator regex hyperscan can only prefilter, a
fuzzy word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil.signals import builtins, engine
from vigil.signals.fuzzy import FuzzyIndex, fuzzy_hits
from vigil.signals.lexicon import Entry, Lexicon
from vigil.signals.normalise import IS_LETTER, Views, build_views

# Context of a hit: what the text does with the signal.
USE, WARN, ADULT = 0, 1, 2
CONTEXTS = ("use", "warn", "adult")
# Weight kept by a hit that needed a spelling correction (edit distance 1): a real word one letter
# away from a term ("grade" for "trade") is a likelier accident than a deliberate disguise.
FUZZY_WEIGHT = 0.7
# A leetspeak match must still be mostly letters: a number like "8055" is not the word "boss".
MIN_LETTER_SHARE = 0.5

_QUOTE_BEFORE = {0x22, 0x27, 0x60}


@dataclass(frozen=True)
class Signal:
    signal_id: str
    category: str
    weight: float
    tags: tuple[str, ...] = ()


@dataclass
class Hits:
    """Hits of one scanned batch, as parallel arrays (row = index of the text in the batch)."""

    row: np.ndarray
    signal: np.ndarray  # index into Matcher.signals
    start: np.ndarray  # character offsets in the original text
    end: np.ndarray
    matched: list[str]
    obfuscated: np.ndarray
    context: np.ndarray
    weight: np.ndarray
    warn_rows: np.ndarray  # rows whose text warns/reports (context of the whole text)

    @staticmethod
    def empty() -> "Hits":
        z = np.zeros(0, dtype=np.int64)
        return Hits(z, z, z, z, [], np.zeros(0, bool), z, np.zeros(0), z)

    def __len__(self) -> int:
        return len(self.row)


class DeepScanner:
    """The normalising scanner: two hyperscan databases (skeleton, light), the fuzzy index, the signal table."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self.signals: list[Signal] = [Signal(e.id, e.category, e.weight, e.tags) for e in lexicon.entries]
        self._builtin_codes: dict[str, int] = {}
        for rule in builtins.RULES:
            self._add_builtin(rule.name, rule.category, rule.weight, rule.tags)
        self._add_builtin("age_minor", "age", 0.8)
        self._add_builtin("age_adult", "age", 1.0, ("adult",))
        self._compile_skeleton_db(lexicon.entries)
        self._compile_light_db(lexicon)
        self.fuzzy = FuzzyIndex([(i, e) for i, e in enumerate(lexicon.entries) if e.kind in ("term", "hashtag")])
        self.signal_category = np.array([s.category for s in self.signals], dtype=object)
        cats = sorted({s.category for s in self.signals})
        self.signal_cat_code = np.array([cats.index(s.category) for s in self.signals], dtype=np.int64)
        self.plain = [e.value.lstrip("#").casefold() for e in lexicon.entries]
        self.signal_weight = np.array([s.weight for s in self.signals])
        self.signal_letters = np.array(
            [sum(c.isalpha() for c in e.skeleton) for e in lexicon.entries] + [0] * (len(self.signals) - len(lexicon.entries))
        )

    def _add_builtin(self, name: str, category: str, weight: float, tags: tuple[str, ...] = ()) -> int:
        sid = f"builtin:{name}"
        if sid not in self._builtin_codes:
            self._builtin_codes[sid] = len(self.signals)
            self.signals.append(Signal(sid, category, weight, tags))
        return self._builtin_codes[sid]

    # ------------------------------------------------------------------ compile

    def _compile_skeleton_db(self, entries: list[Entry]) -> None:
        """Terms as skeleton literals; word edges are checked on the hits (\\b makes compiling slow)."""
        exprs, owner, edges = [], [], []
        for i, e in enumerate(entries):
            if e.kind not in ("term", "hashtag"):
                continue
            body = " ?".join(re.escape(w) for w in e.skeleton.split(" "))
            exprs.append(body)  # the word itself
            owner.append(i)
            edges.append((e.skeleton[0].isalpha(), e.skeleton[-1].isalpha()))
            if e.skeleton[0].isalpha():
                exprs.append(f"#{body}")  # a hashtag that starts with it (#term2, #term_sale)
                owner.append(i)
                edges.append((False, False))
        self.skel_owner = np.array(owner, dtype=np.int64)
        self.skel_edges = np.array(edges, dtype=bool).reshape(-1, 2)
        self.skel_db = None
        if exprs:
            self.skel_db = engine.compile_patterns(exprs, engine.SOM_LEFTMOST, self.lexicon.path,
                                                   [entries[i] for i in owner])

    def _compile_light_db(self, lexicon: Lexicon) -> None:
        exprs, flags, kinds, owner = [], [], [], []
        som = engine.SOM_LEFTMOST | engine.MULTILINE
        self.regexes: dict[int, re.Pattern] = {}
        for i, e in enumerate(lexicon.entries):
            if e.kind == "emoji":
                exprs.append(re.escape(e.folded)), flags.append(som), kinds.append("emoji"), owner.append(i)
            elif e.kind == "regex":
                self.regexes[i] = re.compile(e.value)
                exprs.append(e.value), flags.append(engine.PREFILTER | engine.MULTILINE | engine.ALLOWEMPTY)
                kinds.append("regex"), owner.append(i)
        for rule in builtins.RULES:
            exprs.append(rule.pattern), flags.append(som), kinds.append("builtin")
            owner.append(self._builtin_codes[f"builtin:{rule.name}"])
        self.rules_by_code = {self._builtin_codes[f"builtin:{r.name}"]: r for r in builtins.RULES}
        self.signal_context = np.zeros(len(self.signals), np.int64)
        for code, r in self.rules_by_code.items():
            self.signal_context[code] = CONTEXTS.index(r.context)
        for cue in builtins.WARN_CUES:
            exprs.append(cue), flags.append(engine.MULTILINE), kinds.append("cue"), owner.append(-1)
        self.light_kind = np.array([{"emoji": 0, "regex": 1, "builtin": 2, "cue": 3}[k] for k in kinds])
        self.light_owner = np.array(owner, dtype=np.int64)
        owners = [lexicon.entries[o] if k in ("emoji", "regex") else None for k, o in zip(kinds, owner)]
        self.light_db = engine.compile_patterns(exprs, flags, lexicon.path, owners)

    # ------------------------------------------------------------------ scan

    def scan(self, texts: pa.Array | list[str | None]) -> Hits:
        """All hits in a batch of texts (None counts as empty)."""
        buf, row_start = joined_buffer(texts)
        if len(row_start) == 0:
            return Hits.empty()
        v = build_views(buf, row_start)
        parts = [self._scan_skeleton(v), self._scan_light(v), self._scan_fuzzy(v)]
        rows = np.concatenate([p[0] for p in parts])
        if rows.size == 0:
            h = Hits.empty()
            h.warn_rows = self._cue_rows
            return h
        sig = np.concatenate([p[1] for p in parts])
        o_start = np.concatenate([p[2] for p in parts])
        o_end = np.concatenate([p[3] for p in parts])
        ctx = np.concatenate([p[4] for p in parts])
        weight = np.concatenate([p[5] for p in parts])
        n_sk, n_li = len(parts[0][0]), len(parts[1][0])
        view = np.concatenate([np.zeros(n_sk, np.int8), np.ones(n_li, np.int8), np.full(len(parts[2][0]), 2, np.int8)])
        keep = strongest_per_span(rows, self.signal_cat_code[sig], o_start, o_end, weight, sig >= len(self.lexicon.entries))
        rows, sig, o_start, o_end, ctx, weight, view = (a[keep] for a in (rows, sig, o_start, o_end, ctx, weight, view))
        # context: texts that warn/report, and terms quoted rather than used
        warn_rows = self._cue_rows
        warn = np.isin(rows, warn_rows) | _quoted(buf, o_start, o_end)
        ctx = np.where(warn, WARN, ctx)
        raw = buf.tobytes()
        matched = [raw[s:e].decode("utf-8", "replace") for s, e in zip(o_start.tolist(), o_end.tolist())]
        obfuscated = (view == 2) | ((v.light_edited_cum[o_end] - v.light_edited_cum[o_start]) > 0)
        for k in np.flatnonzero(view == 0).tolist():
            # a term needed normalisation when it is not written as in the lexicon (case aside)
            obfuscated[k] = matched[k].casefold() != self.plain[sig[k]]
        return Hits(
            warn_rows=warn_rows,
            row=rows, signal=sig, start=v.char_offsets(rows, o_start), end=v.char_offsets(rows, o_end),
            matched=matched, obfuscated=obfuscated, context=ctx, weight=weight,
        )

    def _scan_skeleton(self, v: Views):
        if self.skel_db is None:
            return _empty_part()
        ids, frm, to = engine.scan(self.skel_db, v.skel)
        if ids.size == 0:
            return _empty_part()
        skel = np.frombuffer(v.skel, dtype=np.uint8)
        n = skel.size
        # whole words only: no letter right before the start or right after the end
        before = skel[np.maximum(frm - 1, 0)]
        after = skel[np.minimum(to, n - 1)]
        left_ok = ~self.skel_edges[ids, 0] | (frm == 0) | ~IS_LETTER[before]
        right_ok = ~self.skel_edges[ids, 1] | (to >= n) | ~IS_LETTER[after]
        ok0 = left_ok & right_ok
        ids, frm, to = ids[ok0], frm[ok0], to[ok0]
        if ids.size == 0:
            return _empty_part()
        frm = frm + (skel[frm] == ord("#"))
        sig = self.skel_owner[ids]
        o_start = v.s_orig[frm]
        o_end = v.s_end[to - 1]
        rows = v.rows_of(o_start)
        ok = rows == v.rows_of(o_end - 1)
        letters = v.letters_cum[o_end] - v.letters_cum[o_start]
        ok &= letters >= np.ceil(self.signal_letters[sig] * MIN_LETTER_SHARE)
        return (rows[ok], sig[ok], o_start[ok], o_end[ok], np.zeros(int(ok.sum()), np.int64),
                self.signal_weight[sig[ok]])

    def _scan_light(self, v: Views):
        ids, frm, to = engine.scan(self.light_db, v.light)
        kind = self.light_kind[ids] if ids.size else np.zeros(0, np.int64)
        # warning cues: rows only
        cue = kind == 3
        self._cue_rows = np.unique(v.rows_of(v.l_orig[np.maximum(to[cue] - 1, 0)])) if cue.any() else np.zeros(0, np.int64)
        direct = (kind == 0) | ((kind == 2) & ~np.isin(self.light_owner[ids], list(self._verified_codes())))
        sig = self.light_owner[ids[direct]]
        o_start = v.l_orig[frm[direct]]
        o_end = v.l_end[to[direct] - 1]
        rows = v.rows_of(o_start)
        ctx = self.signal_context[sig]
        extra = self._verified_hits(v, ids, frm, to, kind)
        return (
            np.concatenate([rows, extra[0]]), np.concatenate([sig, extra[1]]),
            np.concatenate([o_start, extra[2]]), np.concatenate([o_end, extra[3]]),
            np.concatenate([ctx, extra[4]]), np.concatenate([self.signal_weight[sig], extra[5]]),
        )

    def _verified_codes(self) -> set[int]:
        return {c for c, r in self.rules_by_code.items() if r.verify is not None}

    def _verified_hits(self, v: Views, ids, frm, to, kind):
        """Rules with a second look, and operator regexes (hyperscan prefilters, `re` decides)."""
        out_rows, out_sig, out_s, out_e, out_ctx, out_w = [], [], [], [], [], []
        light = v.light
        verified = self._verified_codes()
        sel = np.flatnonzero((kind == 2) & np.isin(self.light_owner[ids], list(verified)))
        for k in sel.tolist():
            code = int(self.light_owner[ids[k]])
            rule = self.rules_by_code[code]
            f, t = int(frm[k]), int(to[k])
            matched = light[f:t].decode("utf-8", "replace")
            line_start = light.rfind(b"\n", 0, f) + 1
            before = light[max(line_start, f - 32):f].decode("utf-8", "replace")
            res = rule.verify(matched, before)
            if res is None:
                continue
            name, context, shift = res
            if shift:
                f += len(matched[:shift].encode("utf-8"))
            t -= len(matched.encode("utf-8")) - len(matched.rstrip(builtins.TRAILING).encode("utf-8"))
            sig = self._builtin_codes[f"builtin:{name}"] if name else code
            out_rows.append(int(v.rows_of(v.l_orig[f:f + 1])[0]))
            out_sig.append(sig), out_s.append(int(v.l_orig[f])), out_e.append(int(v.l_end[t - 1]))
            out_ctx.append(CONTEXTS.index(context)), out_w.append(self.signals[sig].weight)
        # operator regexes: the prefilter names the rows, Python's `re` finds the exact spans
        rsel = kind == 1
        if rsel.any():
            cand = set(zip(v.rows_of(v.l_orig[np.maximum(to[rsel] - 1, 0)]).tolist(), self.light_owner[ids[rsel]].tolist()))
            l_row_start = np.searchsorted(v.l_orig, v.row_start)
            l_row_end = np.append(l_row_start[1:], len(light))
            for row, code in sorted(cand):
                a, b = int(l_row_start[row]), int(l_row_end[row])
                text = light[a:b].decode("utf-8", "replace")
                for m in self.regexes[code].finditer(text):
                    if m.end() == m.start():
                        continue
                    f = a + len(text[: m.start()].encode("utf-8"))
                    t = a + len(text[: m.end()].encode("utf-8"))
                    out_rows.append(row), out_sig.append(code), out_s.append(int(v.l_orig[f]))
                    out_e.append(int(v.l_end[t - 1])), out_ctx.append(USE), out_w.append(self.signals[code].weight)
        return (np.array(out_rows, np.int64), np.array(out_sig, np.int64), np.array(out_s, np.int64),
                np.array(out_e, np.int64), np.array(out_ctx, np.int64), np.array(out_w, np.float64))

    def _scan_fuzzy(self, v: Views):
        rows, sig, o_start, o_end = fuzzy_hits(self.fuzzy, v)
        # the same rule as whole matches: a misspelling read through leetspeak must still be
        # mostly letters, or prices like "150" become the term "losoo"
        letters = v.letters_cum[o_end] - v.letters_cum[o_start]
        ok = letters >= np.ceil(self.signal_letters[sig] * MIN_LETTER_SHARE)
        rows, sig, o_start, o_end = rows[ok], sig[ok], o_start[ok], o_end[ok]
        return rows, sig, o_start, o_end, np.zeros(rows.size, np.int64), self.signal_weight[sig] * FUZZY_WEIGHT


def strongest_per_span(rows, cat, o_start, o_end, weight, is_builtin) -> np.ndarray:
    """Indices of one hit per text, category and start: the strongest, then the operator's, then the longest.

    Hyperscan reports every end of a repeat, and a term and its hashtag, or a lexicon phrase and a
    built-in, often cover the same words: one piece of evidence, counted once.
    """
    order = np.lexsort((-o_end, is_builtin, -weight, o_start, cat, rows))
    r, c, s = rows[order], cat[order], o_start[order]
    first = np.ones(r.size, bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1]) | (s[1:] != s[:-1])
    return order[first]


def _empty_part():
    z = np.zeros(0, np.int64)
    return z, z, z, z, z, np.zeros(0)


def _quoted(buf: np.ndarray, o_start: np.ndarray, o_end: np.ndarray) -> np.ndarray:
    """Spans with a quotation mark right before and right after: quoted, not used."""
    n = buf.size
    return _quote_ends_at(buf, o_start) & _quote_starts_at(buf, np.minimum(o_end, n - 1))


def _quote_ends_at(buf, pos):
    p1 = buf[np.maximum(pos - 1, 0)]
    ascii_q = np.isin(p1, list(_QUOTE_BEFORE)) & (pos > 0)
    p2 = buf[np.maximum(pos - 2, 0)]
    p3 = buf[np.maximum(pos - 3, 0)]
    curly = (pos >= 3) & (p3 == 0xE2) & (p2 == 0x80) & np.isin(p1, [0x98, 0x99, 0x9C, 0x9D])
    guil = (pos >= 2) & (p2 == 0xC2) & np.isin(p1, [0xAB, 0xBB])
    return ascii_q | curly | guil


def _quote_starts_at(buf, pos):
    n = buf.size
    b0 = buf[pos]
    b1 = buf[np.minimum(pos + 1, n - 1)]
    b2 = buf[np.minimum(pos + 2, n - 1)]
    ascii_q = np.isin(b0, list(_QUOTE_BEFORE))
    curly = (b0 == 0xE2) & (b1 == 0x80) & np.isin(b2, [0x98, 0x99, 0x9C, 0x9D])
    guil = (b0 == 0xC2) & np.isin(b1, [0xAB, 0xBB])
    return ascii_q | curly | guil


def joined_buffer(texts: pa.Array | list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Texts joined with '\\n' into one UTF-8 buffer (no per-text Python work), and row starts."""
    arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(texts, type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.string())
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    if len(arr) == 0:
        return np.zeros(0, np.uint8), np.zeros(0, np.int64)
    if arr.null_count:
        arr = arr.fill_null("")
    # newlines inside a text stay: they are word boundaries; "\n" after each text ends it. One list
    # of all the texts plus an empty one, joined with "\n", is one copy of the bytes (an element-wise
    # join costs twice as much); the extra empty text shares the data buffer, only offsets are new.
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    padded = pa.Array.from_buffers(pa.string(), n + 1, [None, pa.py_buffer(np.append(offsets, offsets[-1])), arr.buffers()[2]])
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, n + 1], pa.int32()), padded), "\n")
    total = int(offsets[-1] - offsets[0]) + n
    data = np.frombuffer(joined.buffers()[2], dtype=np.uint8, count=total)
    return data, (offsets[:-1] - offsets[0]).astype(np.int64) + np.arange(n, dtype=np.int64)
