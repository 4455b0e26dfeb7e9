"""The scanner the stage calls: a fast pass over the raw text, a deep pass for texts that need it.

Most text is written plainly, and a normalising rewrite of every byte costs several times a
literal scan. So one hyperscan database scans the joined raw bytes for everything at once:
lexicon terms as written (case-insensitively) and as hashtag prefixes, emoji, built-in rules,
warning cues, and *markers* of obfuscation: look-alike or invisible characters, digits or
symbols inside words, separators or spaces between single letters, and *anchors* (a rare
fragment from each half of every 5+ letter term; a misspelling or a repeated letter leaves one
half intact). A text with a marker is re-scanned by the deep scanner (`deep.DeepScanner`) after
full normalisation; in other texts, the word around an anchor that no whole term explains is
checked alone (repeats collapsed, one edit), and every other hit comes from the fast pass.

Where the time goes (bench/signals.py): vigil's own binding (`engine`, `_hsscan.c`) hands back a
scan's matches as arrays, and everything after it works on arrays (numpy, Arrow kernels); Python
touches a hit one by one only on rare paths (a rule's second look, an operator regex, a new
distinct word next to an anchor). The scan itself is most of the cost, and anchors are most of
its matches: a 3-letter fragment of an invented word is common inside ordinary words, and it is
what finds a one-letter misspelling in otherwise plain text. Hyperscan's literal matcher slows
with every short, common literal, so the tolerant database scans at a fraction of the speed of
the literal terms alone.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil.signals import builtins, engine
from vigil.signals.deep import (
    CONTEXTS, FUZZY_WEIGHT, USE, WARN, DeepScanner, Hits, Signal, _quoted, joined_buffer, strongest_per_span,
)
from vigil.signals.lexicon import Lexicon

__all__ = ["CONTEXTS", "USE", "WARN", "Hits", "Matcher", "Signal", "joined_buffer"]

# Pattern kinds in the fast database.
TERM, HASHTAG, EMOJI, BUILTIN, CUE, REGEX, MARKER, ANCHOR, TRIGGER = range(9)

# Byte sequences that mark look-alike or invisible characters (UTF-8 prefixes): zero-width and
# bidi controls, BOM, keycap, circled/parenthesised letters, fullwidth forms, mathematical
# alphanumerics, small capitals and phonetic letters, letterlike symbols, enclosed letters.
# Two-byte characters (Latin-1, Greek, Cyrillic, combining marks) are found with numpy instead.
UNICODE_MARKERS = (
    r"\xe2\x80[\x8b-\x8f\xaa-\xae]", r"\xe2\x81[\xa0-\xa4\xa6-\xa9]", r"\xef\xbb\xbf", r"\xe2\x83\xa3",
    r"\xe2[\x92\x93]", r"\xef[\xbc\xbd]", r"\xf0\x9d[\x90-\x9f]", r"\xe1[\xb4-\xb6]", r"\xe2[\x84\x85]",
    r"\xea[\x9c-\x9f]", r"\xf0\x9f[\x84-\x86]",
)
# ASCII obfuscation: a digit or symbol inside a word (leetspeak), separators around single letters,
# spaced-out letters.
ASCII_MARKERS = (
    r"[a-z][0-9@$!|]+[a-z]",
    r"[a-z][._*~|\\/+\-][a-z][._*~|\\/+\-][a-z]",
    r"(?:^|[^a-z0-9])[a-z] [a-z] [a-z](?:[^a-z0-9]|$)",
)
# English letter frequencies (per mille), to pick the rarest fragments of a term as anchors.
_LETTER_FREQ = dict(zip("etaoinshrdlcumwfgypbvkjxqz",
                        (127, 91, 82, 75, 70, 67, 63, 61, 60, 43, 40, 28, 28, 24, 24, 22, 20, 20, 19, 15, 10, 8, 2, 2, 1, 1)))
_REPEATS = re.compile(r"(.)\1+")
VARIANT_WINDOW = 40  # bytes read each side of a fragment to find its word (terms + repeats fit)
VARIANT_CACHE_MAX = 1_000_000  # distinct words remembered across batches (a few hundred MB at most)
ANCHOR_MIN_LETTERS = 5  # shorter terms get no anchors (no fuzzy matching either)
ANCHOR_LEN = 3
LONG_ANCHOR_LEN = 4  # for terms of 8+ letters: two 4-letter fragments still fit, and are rarer
# Everyday words: a fragment found inside one of them would send ordinary texts to the deep scan,
# so anchors avoid them when the term allows (any choice keeps the one-edit guarantee).
COMMON_WORDS = frozenset("""
the be to of and a in that have i it for not on with he as you do at this but his by from they we say her she
or an will my one all would there their what so up out if about who get which go me when make can like time no
just him know take people into year your good some could them see other than then now look only come its over
think also back after use two how our work first well way even new want because any these give day most us is
are was were been has had did does said made went going got love happy friends friend family thanks thank great
best today tonight night morning weekend week summer winter spring home life world city beach sunset photo food
coffee music game team run running show live little big old young fresh hot cold here where again never always
every still really very much many more less last next long high little right left same part place thing things
something nothing everything everyone someone another each both between through during before under around
while should those such may might must shall can't don't won't didn't isn't it's i'm you're we're they're
post story comment share follow like likes followers following link bio photo video picture pictures watch
birthday party friday saturday sunday monday tuesday wednesday thursday school class work office travel trip
beautiful amazing awesome nice cool fun funny sweet cute pretty lovely favorite favourite finally always
together tomorrow yesterday everybody anything somewhere nothing inside outside without with within
""".split())


class Matcher:
    """Compiled once per lexicon; `scan(texts)` returns the hits of a batch of texts."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self.deep = DeepScanner(lexicon)
        d = self.deep
        self.signals: list[Signal] = d.signals
        self.signal_category = d.signal_category
        self.signal_weight = d.signal_weight
        self.signal_cat_code = d.signal_cat_code
        self.n_lexicon = len(lexicon.entries)
        self._skeleton_codes: dict[str, tuple[int, ...]] = {}
        for i, e in enumerate(lexicon.entries):
            if e.kind in ("term", "hashtag") and " " not in e.skeleton:
                self._skeleton_codes[e.skeleton] = self._skeleton_codes.get(e.skeleton, ()) + (i,)
        # signal ids, categories and context names as Arrow arrays: a hits table takes from them
        # (one `take` per column) instead of building a Python object per hit
        self.arrow_names = {
            "signal_id": pa.array([s.signal_id for s in self.signals], pa.string()),
            "category": pa.array(list(self.signal_category), pa.string()),
            # ",backup," style: a tag is found with LIKE '%,tag,%' whatever else the entry carries
            "tags": pa.array(["," + ",".join(s.tags) + "," if s.tags else "" for s in self.signals], pa.string()),
            "context": pa.array(list(CONTEXTS), pa.string()),
        }
        self._plain_squeezed = pa.array([p.replace(" ", "") for p in self.deep.plain], pa.string())
        self._term_codes = np.array([i for i, e in enumerate(lexicon.entries) if e.kind in ("term", "hashtag")], np.int64)
        self._compile_fast_db()
        self.counters = {"texts": 0, "deep_texts": 0}
        self._variant_cache: dict[bytes, tuple[tuple[int, float], ...]] = {}

    # ------------------------------------------------------------------ compile

    def _compile_fast_db(self) -> None:
        exprs: list[str] = []
        flags: list[int] = []
        kind: list[int] = []
        owner: list[int] = []
        length: list[int] = []  # fixed byte length of the match, or -1 when the pattern reports its start
        check_left: list[bool] = []
        check_right: list[bool] = []
        owners_for_errors = []
        ci, ml, som = engine.CASELESS, engine.MULTILINE, engine.SOM_LEFTMOST

        def add(expr, fl, k, o, n=-1, left=False, right=False, entry=None):
            exprs.append(expr), flags.append(fl), kind.append(k), owner.append(o), length.append(n)
            check_left.append(left), check_right.append(right), owners_for_errors.append(entry)

        anchors: dict[str, set[int]] = {}
        for i, e in enumerate(self.lexicon.entries):
            if e.kind in ("term", "hashtag"):
                word = e.value.lstrip("#").lower() if e.kind == "hashtag" else e.value.lower()
                raw = word.encode("utf-8")
                add(re.escape(word), ci, TERM, i, len(raw), word[:1].isalnum(), word[-1:].isalnum(), e)
                if word[:1].isalnum():
                    squeezed = word.replace(" ", "")
                    add("#" + re.escape(squeezed), ci, HASHTAG, i, len(squeezed.encode("utf-8")) + 1, entry=e)
                for a in choose_anchors(e.value.lstrip("#")):
                    anchors.setdefault(a, set()).add(i)
            elif e.kind == "emoji":
                # variation selectors and joiners may sit between the code points, or not
                parts = [c for c in e.folded if c not in "\ufe0e\ufe0f\u200d"]
                glue = "(?:\\xef\\xb8[\\x8e\\x8f]|\\xe2\\x80\\x8d)*"
                body = glue.join("".join(f"\\x{b:02x}" for b in c.encode("utf-8")) for c in parts)
                add(body, som, EMOJI, i, entry=e)
            elif e.kind == "regex":
                add(e.value, engine.PREFILTER | ml | engine.ALLOWEMPTY, REGEX, i, entry=e)
        # built-in rules and warning cues run on the texts with a trigger only (see `_rules_db`)
        triggers = sorted({t for ts in builtins.RULE_TRIGGERS.values() for t in ts} | set(builtins.CUE_TRIGGERS))
        for t in triggers:
            add(re.escape(t), ci, TRIGGER, -1, len(t.encode("utf-8")))
        for m in UNICODE_MARKERS:
            add(m, 0, MARKER, -1)
        for m in ASCII_MARKERS:
            add(m, ci | ml, MARKER, -1)
        self.anchor_terms: list[frozenset[int]] = []
        for a, codes in sorted(anchors.items()):
            add(re.escape(a), ci, ANCHOR, len(self.anchor_terms), len(a))
            self.anchor_terms.append(frozenset(codes))
        self.kind = np.array(kind, np.int64)
        self.owner = np.array(owner, np.int64)
        self.length = np.array(length, np.int64)
        self.check_left = np.array(check_left, bool)
        self.check_right = np.array(check_right, bool)
        self._fast_patterns = (exprs, flags)  # kept for diagnostics (bench)
        self.fast_db = engine.compile_patterns(exprs, flags, self.lexicon.path, owners_for_errors)
        self._compile_rules_db()
        self._verified = np.array(sorted(c for c, r in self.deep.rules_by_code.items() if r.verify is not None), np.int64)

    def _compile_rules_db(self) -> None:
        """Built-in rules (reporting their start) and warning cues: regexes, for triggered texts."""
        ci, ml, som = engine.CASELESS, engine.MULTILINE, engine.SOM_LEFTMOST
        exprs, flags, kind, owner = [], [], [], []
        for rule in builtins.RULES:
            exprs.append(rule.pattern), flags.append(ci | ml | som), kind.append(BUILTIN)
            owner.append(self.deep._builtin_codes[f"builtin:{rule.name}"])
        for cue in builtins.WARN_CUES:
            exprs.append(cue), flags.append(ci | ml), kind.append(CUE), owner.append(-1)
        self.rules_kind = np.array(kind, np.int64)
        self.rules_owner = np.array(owner, np.int64)
        self.rules_db = engine.compile_patterns(exprs, flags, self.lexicon.path, [None] * len(exprs))

    # ------------------------------------------------------------------ scan

    def scan(self, texts: pa.Array | list[str | None]) -> Hits:
        """All hits in a batch of texts (None counts as empty); `row` indexes `texts`."""
        arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(texts, type=pa.string())
        buf, row_start = joined_buffer(arr)
        n_rows = len(row_start)
        if n_rows == 0:
            return Hits.empty()
        row_end = np.append(row_start[1:], buf.size) - 1  # offset of each text's closing '\n'
        ids, frm, to = engine.scan(self.fast_db, buf)
        k = self.kind[ids] if ids.size else np.zeros(0, np.int64)
        start = np.where(self.length[ids] >= 0, to - self.length[ids], frm) if ids.size else frm
        rows = np.searchsorted(row_start, to - 1, side="right") - 1
        within = start >= row_start[rows]  # a rule's \\s may cross a text's closing newline: not a hit

        # lexicon terms, hashtags and emoji: whole words (the fast pass has no \b: it costs a lot)
        lex = ((k == TERM) | (k == HASHTAG) | (k == EMOJI)) & within
        lex &= _word_edges_ok(buf, start, to, self.check_left[ids], self.check_right[ids], row_start[rows], row_end[rows])
        start = start + (k == HASHTAG)  # the span is the word; '#' only said where it stood
        # texts for the deep scan: markers, two-byte characters, anchors no whole term explains
        flagged = np.zeros(n_rows, bool)
        flagged[rows[k == MARKER]] = True
        non_ascii = np.flatnonzero(buf >= 0x80)  # one pass: rows to normalise, and char offsets
        flagged[_rows_with_two_byte_chars(buf, non_ascii, row_start)] = True
        a = np.flatnonzero(k == ANCHOR)
        anchor_rows = np.zeros(0, np.int64)
        anchor_at = np.zeros(0, np.int64)
        if a.size:
            anchor_rows, anchor_at = self._unexplained_anchors(rows, start, to, a, np.flatnonzero(lex))
            plain = ~flagged[anchor_rows]  # rows with a marker get the deep scan anyway
            anchor_rows, anchor_at = anchor_rows[plain], anchor_at[plain]
        keep_fast = ~flagged[rows]

        parts = [self._lexicon_part(ids, rows, start, to, lex & keep_fast)]
        trig_rows = np.unique(rows[(k == TRIGGER) & keep_fast])
        rule_part, cue_rows = self._rules_part(arr, trig_rows, row_start)
        parts.append(rule_part)
        parts.append(self._regex_part(arr, ids, rows, (k == REGEX) & keep_fast))
        parts.append(self._variant_part(buf, row_start, anchor_rows, anchor_at))
        fast = _concat(parts)
        fast_hits = self._finalise(buf, row_start, fast, cue_rows, non_ascii)

        deep_rows = np.flatnonzero(flagged)
        self.counters["texts"] += n_rows
        self.counters["deep_texts"] += int(deep_rows.size)
        if deep_rows.size == 0:
            return fast_hits
        sub = arr.take(pa.array(deep_rows, pa.int64()))
        dh = self.deep.scan(sub)
        dh.row = deep_rows[dh.row]
        dh.warn_rows = deep_rows[dh.warn_rows]
        return _merge(fast_hits, dh)

    def _unexplained_anchors(self, rows, start, to, anchor_idx, lex_idx) -> tuple[np.ndarray, np.ndarray]:
        """(row, byte offset) of each anchor that lies outside every whole-term hit of its row."""
        a_rows, a_end, a_start = rows[anchor_idx], to[anchor_idx], start[anchor_idx]
        if lex_idx.size == 0:
            return a_rows, a_start
        # key hits by (row, start) so one searchsorted finds the last hit starting before the anchor
        big = np.int64(1) << 40
        key = rows[lex_idx] * big + start[lex_idx]
        order = np.argsort(key, kind="stable")
        key, ends = key[order], to[lex_idx][order]
        ends_max = np.maximum.accumulate(ends) if ends.size else ends
        pos = np.searchsorted(key, a_rows * big + a_end, side="right") - 1
        ok = pos >= 0
        same_row = np.zeros(a_rows.size, bool)
        same_row[ok] = (key[pos[ok]] // big) == a_rows[ok]
        covered = same_row & (ends_max[np.maximum(pos, 0)] >= a_end)
        return a_rows[~covered], a_start[~covered]

    def _rules_part(self, arr, trig_rows: np.ndarray, row_start: np.ndarray):
        """Built-in rules and cues over the triggered texts; spans mapped back into the batch buffer."""
        if trig_rows.size == 0:
            z = np.zeros(0, np.int64)
            return (z, z, z, z, z, np.zeros(0)), z
        sub = arr.take(pa.array(trig_rows, pa.int64()))
        sbuf, srs = joined_buffer(sub)
        ids, frm, to = engine.scan(self.rules_db, sbuf)
        if ids.size == 0:
            z = np.zeros(0, np.int64)
            return (z, z, z, z, z, np.zeros(0)), z
        k = self.rules_kind[ids]
        srows = np.searchsorted(srs, to - 1, side="right") - 1
        cue_rows = np.unique(trig_rows[srows[k == CUE]])
        sel = (k == BUILTIN) & (frm >= srs[srows])
        rows, sig, f, t, ctx, w = self._builtin_part(sbuf, self.rules_owner[ids], srows, frm, to, sel, srs)
        shift = row_start[trig_rows[rows]] - srs[rows]  # same bytes, other buffer
        return (trig_rows[rows], sig, f + shift, t + shift, ctx, w), cue_rows

    def _variant_part(self, buf, row_start, rows: np.ndarray, at: np.ndarray):
        """Words around a stray term fragment in a plain text: a term with repeated letters or one edit.

        These texts have no other sign of obfuscation, so the word needs only the skeleton's last
        steps (`l` read as `i`, repeats collapsed) and the fuzzy index.
        """
        out = ([], [], [], [], [], [])
        if rows.size == 0:
            return tuple(np.zeros(0, np.int64) for _ in range(5)) + (np.zeros(0),)
        w_start, w_end = engine.words_around(buf, at, VARIANT_WINDOW)
        ok = w_end > w_start  # a word longer than the window is no term's variant
        rows, w_start, w_end = rows[ok], w_start[ok], w_end[ok]
        w_start, first = np.unique(w_start, return_index=True)
        rows, w_end = rows[first], w_end[first]
        # a batch repeats the same few words: look each distinct word up once (cached across batches)
        enc = pc.dictionary_encode(_gather_spans(buf, w_start, w_end, pa.binary()))
        found = [self._variant_cached(w) for w in enc.dictionary.to_pylist()]
        word_of = np.asarray(enc.indices)
        for k in np.flatnonzero(np.isin(word_of, [i for i, f in enumerate(found) if f])).tolist():
            row, b, e = int(rows[k]), int(w_start[k]), int(w_end[k])
            for code, factor in found[word_of[k]]:
                for lst, val in zip(out, (row, code, b, e, USE, self.signals[code].weight * factor)):
                    lst.append(val)
        return tuple(np.array(x, dt) for x, dt in zip(out, (np.int64,) * 5 + (np.float64,)))

    def _variant_cached(self, w: bytes) -> tuple[tuple[int, float], ...]:
        found = self._variant_cache.get(w)
        if found is None:
            found = self._variant_of(w.decode("ascii", "replace"))
            if len(self._variant_cache) < VARIANT_CACHE_MAX:
                self._variant_cache[w] = found
        return found

    def _variant_of(self, word: str) -> tuple[tuple[int, float], ...]:
        if len(word) < ANCHOR_MIN_LETTERS - 1:
            return ()
        sk = _REPEATS.sub(r"\1", word.lower().replace("l", "i"))
        codes = self._skeleton_codes.get(sk)
        if codes is not None:
            return tuple((c, 1.0) for c in codes)
        return tuple((c, FUZZY_WEIGHT) for c in self.deep.fuzzy.lookup(sk))

    def _lexicon_part(self, ids, rows, start, to, sel):
        sig = self.owner[ids[sel]]
        n = int(sel.sum())
        return rows[sel], sig, start[sel], to[sel], np.zeros(n, np.int64), self.signal_weight[sig]

    def _builtin_part(self, buf, codes, rows, start, to, sel, row_start):
        verified = np.isin(codes, self._verified)
        direct = sel & ~verified
        sig = codes[direct]
        parts = [(rows[direct], sig, start[direct], to[direct], self.deep.signal_context[sig], self.signal_weight[sig])]
        out = ([], [], [], [], [], [])
        raw = None
        for i in np.flatnonzero(sel & verified).tolist():
            raw = raw if raw is not None else buf.tobytes()
            code = int(codes[i])
            f, t = int(start[i]), int(to[i])
            matched = raw[f:t].decode("utf-8", "replace").lower()
            rs = int(row_start[rows[i]])
            before = raw[max(rs, f - 32):f].decode("utf-8", "replace").lower()
            res = self.deep.rules_by_code[code].verify(matched, before)
            if res is None:
                continue
            name, context, shift = res
            f += len(matched[:shift].encode("utf-8"))
            t -= len(matched) - len(matched.rstrip(builtins.TRAILING))  # context the rule needed, not the span
            s = self.deep._builtin_codes[f"builtin:{name}"] if name else code
            for lst, val in zip(out, (int(rows[i]), s, f, t, CONTEXTS.index(context), self.signals[s].weight)):
                lst.append(val)
        parts.append(tuple(np.array(x, dt) for x, dt in zip(out, (np.int64,) * 5 + (np.float64,))))
        return _concat(parts)

    def _regex_part(self, arr, ids, rows, sel):
        """Operator regexes: hyperscan's prefilter names the texts, Python's `re` finds the spans."""
        out = ([], [], [], [], [], [])
        if sel.any():
            for row, code in sorted(set(zip(rows[sel].tolist(), self.owner[ids[sel]].tolist()))):
                text = arr[row].as_py() or ""
                for m in self.deep.regexes[code].finditer(text):
                    if m.end() == m.start():
                        continue
                    # byte offsets of the span in the joined buffer are not needed: keep char offsets,
                    # marked negative so `_finalise` knows they are already characters
                    for lst, val in zip(out, (row, code, -1 - m.start(), -1 - m.end(), USE, self.signals[code].weight)):
                        lst.append(val)
        return tuple(np.array(x, dt) for x, dt in zip(out, (np.int64,) * 5 + (np.float64,)))

    def _finalise(self, buf, row_start, part, cue_rows, non_ascii) -> Hits:
        rows, sig, o_start, o_end, ctx, weight = part
        if rows.size == 0:
            h = Hits.empty()
            h.warn_rows = cue_rows
            return h
        keep = strongest_per_span(rows, self.signal_cat_code[sig], o_start, o_end, weight, sig >= self.n_lexicon)
        rows, sig, o_start, o_end, ctx, weight = (x[keep] for x in (rows, sig, o_start, o_end, ctx, weight))
        is_char = o_start < 0  # operator-regex spans, already in characters
        b_start = np.where(is_char, 0, o_start)
        b_end = np.where(is_char, 0, o_end)
        warn = np.isin(rows, cue_rows) | (~is_char & _quoted(buf, b_start, b_end))
        ctx = np.where(warn, WARN, ctx)
        # byte offsets -> character offsets: subtract the UTF-8 continuation bytes before the offset
        rs = row_start[rows]
        cont = non_ascii[(buf[non_ascii] & 0xC0) == 0x80]
        before_row = np.searchsorted(cont, rs)
        c_start = b_start - rs - (np.searchsorted(cont, b_start) - before_row)
        c_end = b_end - rs - (np.searchsorted(cont, b_end) - before_row)
        matched_arr, matched = _span_strings(buf, b_start, b_end)
        row_end = np.append(row_start[1:], buf.size) - 1  # each text's closing '\n'
        for i in np.flatnonzero(is_char).tolist():  # operator regexes: rare, spans already in characters
            text = bytes(buf[rs[i]:row_end[rows[i]]]).decode("utf-8", "replace")
            c_start[i], c_end[i] = -1 - o_start[i], -1 - o_end[i]
            matched[i] = text[c_start[i]:c_end[i]]
        return Hits(row=rows, signal=sig, start=c_start, end=c_end, matched=matched,
                    obfuscated=self._obfuscated(sig, matched_arr, matched), context=ctx, weight=weight,
                    warn_rows=cue_rows)

    def _obfuscated(self, sig: np.ndarray, matched_arr: pa.Array, matched: list[str]) -> np.ndarray:
        """A term hit was obfuscated when it is not written as in the lexicon (case and spaces aside).

        Compared with Arrow kernels; only non-ASCII spans need Python's full case folding.
        """
        out = np.zeros(sig.size, bool)
        terms = np.flatnonzero(np.isin(sig, self._term_codes))
        if terms.size == 0:
            return out
        t = pa.array(terms, pa.int64())
        written = pc.utf8_lower(pc.replace_substring(matched_arr.take(t), " ", ""))
        plain = self._plain_squeezed.take(pa.array(sig[terms], pa.int64()))
        out[terms] = ~np.asarray(pc.equal(written, plain).fill_null(False), bool)
        odd = np.asarray(pc.invert(pc.string_is_ascii(matched_arr.take(t))).fill_null(True), bool)
        plain_py = self.deep.plain
        for i in terms[odd].tolist():
            out[i] = matched[i].casefold().replace(" ", "") != plain_py[sig[i]].replace(" ", "")
        return out


def choose_anchors(value: str) -> list[str]:
    """Two rare, non-overlapping fragments of a term, one from each half.

    One edit (or one run of repeated letters) touches one position, so it leaves at least one of
    two non-overlapping fragments intact. Fragments come from the term as written, lower case,
    repeats collapsed: the fast pass reads plain text (leetspeak is flagged by its own marker).
    """
    word = re.sub(r"(.)\1+", r"\1", value.lower())
    if len(word) < ANCHOR_MIN_LETTERS or not word.isascii() or not word.isalpha():
        return []
    n = len(word)
    size = LONG_ANCHOR_LEN if n >= 2 * LONG_ANCHOR_LEN else ANCHOR_LEN
    best, best_cost = None, None
    for i in range(0, n - 2 * size + 1):
        for j in range(i + size, n - size + 1):
            a, b = word[i:i + size], word[j:j + size]
            cost = _fragment_cost(a) + _fragment_cost(b)
            if best_cost is None or cost < best_cost:
                best, best_cost = (a, b), cost
    if best is None:  # 5 letters: two overlapping halves, the best that fits
        best = (word[:size], word[-size:])
    return sorted(set(best))


def _fragment_cost(frag: str) -> float:
    """How often a fragment is likely in ordinary text: letter frequencies, and everyday words."""
    p = 1.0
    for c in frag:
        p *= _LETTER_FREQ.get(c, 10) / 1000.0
    if any(frag in w for w in _COMMON_SKELETONS):
        p += 1.0
    return p


_COMMON_SKELETONS = tuple({w.replace("'", "") for w in COMMON_WORDS})


def _word_edges_ok(buf, start, end, check_left, check_right, row_start, row_end) -> np.ndarray:
    """A whole-word match: no letter or digit right before the start or right after the end."""
    n = buf.size
    before = buf[np.clip(start - 1, 0, n - 1)]
    after = buf[np.clip(end, 0, n - 1)]
    left_ok = ~check_left | (start <= row_start) | ~_is_alnum(before)
    right_ok = ~check_right | (end >= row_end) | ~_is_alnum(after)
    return left_ok & right_ok


def _is_alnum(b: np.ndarray) -> np.ndarray:
    low = b | 0x20
    return ((low >= 0x61) & (low <= 0x7A)) | ((b >= 0x30) & (b <= 0x39))


def _rows_with_two_byte_chars(buf: np.ndarray, non_ascii: np.ndarray, row_start: np.ndarray) -> np.ndarray:
    """Rows with a 2-byte UTF-8 character: accents, Greek, Cyrillic, combining marks, Latin-1 signs."""
    pos = non_ascii[buf[non_ascii] <= 0xDF]
    pos = pos[buf[pos] >= 0xC2]
    if pos.size == 0:
        return pos
    return np.unique(np.searchsorted(row_start, pos, side="right") - 1)


def _gather_spans(buf: np.ndarray, start: np.ndarray, end: np.ndarray, typ: pa.DataType) -> pa.Array:
    """The byte spans [start, end) of `buf` as one Arrow array, copied with one numpy gather."""
    lens = np.maximum(end - start, 0)
    offsets = np.zeros(lens.size + 1, np.int32)
    np.cumsum(lens, out=offsets[1:])
    gather = np.repeat(start - offsets[:-1], lens) + np.arange(offsets[-1])
    data = buf[gather] if gather.size else np.zeros(0, np.uint8)
    return pa.Array.from_buffers(typ, lens.size, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _span_strings(buf: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[pa.Array, list[str]]:
    """The spans as an Arrow string array and as Python strings (the `Hits.matched` list).

    A span cut inside a character (a rule's context byte) is decoded leniently, as U+FFFD.
    """
    arr = _gather_spans(buf, start, end, pa.string())
    try:
        arr.validate(full=True)
        return arr, arr.to_pylist()
    except pa.ArrowInvalid:
        strings = [b.decode("utf-8", "replace") for b in arr.cast(pa.binary()).to_pylist()]
        return pa.array(strings, pa.string()), strings


def _concat(parts):
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(6))


def _merge(a: Hits, b: Hits) -> Hits:
    if len(b) == 0 and len(a) == 0:
        a.warn_rows = np.union1d(a.warn_rows, b.warn_rows)
        return a
    return Hits(
        row=np.concatenate([a.row, b.row]), signal=np.concatenate([a.signal, b.signal]),
        start=np.concatenate([a.start, b.start]), end=np.concatenate([a.end, b.end]),
        matched=a.matched + b.matched, obfuscated=np.concatenate([a.obfuscated, b.obfuscated]),
        context=np.concatenate([a.context, b.context]), weight=np.concatenate([a.weight, b.weight]),
        warn_rows=np.union1d(a.warn_rows, b.warn_rows),
    )
