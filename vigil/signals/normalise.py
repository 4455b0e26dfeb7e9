"""Two normalised views of a batch of texts, built with array operations, with maps back to the original.

Sellers dodge literal filters with look-alike letters (Cyrillic `і`, math bold `𝐯`, circled `ⓨ`),
zero-width characters, leetspeak (`8r4ckw3n`), separators (`y*u*m`), spaced-out words
(`A c c e s s`) and repeated letters (`yyyummbrik`). Rewriting every text in Python would cost
more than the multi-pattern scan itself, so the rewriting is done once per batch on the joined
UTF-8 bytes with numpy, and each view keeps, for every byte, where it came from in the original:

- the *light* view ("L"): lower case, Unicode compatibility forms and look-alikes folded to ASCII,
  accents and invisible characters (zero-width, variation selectors, keycaps, combining marks)
  removed. Regexes, emoji and the built-in extractors run here.
- the *skeleton* view ("S"): the light view with leetspeak folded to letters (and `l` merged with
  `i`, since `1` stands for both), separators inside words removed, spaced-out letters joined,
  repeated letters and whitespace runs collapsed. Lexicon terms and hashtags, normalised the same
  way, are plain literals in this view, which keeps the scan as fast as a literal scan.

Every view byte maps to an original byte range, so each hit reports its span in the original text.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Leetspeak digits always stand for letters inside the skeleton; `1` stands for both `i` and `l`,
# so the skeleton merges `l` into `i` rather than guessing.
DIGIT_LEET = {"0": "o", "1": "i", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g"}
# Symbols stand for letters only inside a word ("c@sh", "ca$h"), never as "@handle" or "$20".
SYMBOL_LEET = {"@": "a", "$": "s", "!": "i", "|": "i", "+": "t"}
LETTER_MERGE = {"l": "i"}

DELETE = -1  # marks a view byte that is dropped
KEEP = -2  # marks a non-ASCII byte kept as written (emoji, other scripts)


# ---------------------------------------------------------------- per-character folding (cached)

@functools.lru_cache(maxsize=1)
def _confusable_to_ascii() -> dict[str, str]:
    """Unicode's confusables (through the confusable-homoglyphs package): char -> ASCII letter/digit."""
    import confusable_homoglyphs

    data = json.loads((Path(confusable_homoglyphs.__file__).parent / "confusables.json").read_text("utf-8"))
    out: dict[str, str] = {}
    for ch, homoglyphs in data.items():
        if len(ch) != 1 or ord(ch) < 0x80:
            continue
        letters = [h["c"].strip("\u200e") for h in homoglyphs]
        letters = [c for c in letters if len(c) == 1 and c.isascii() and c.isalnum()]
        alpha = [c for c in letters if c.isalpha()]
        if alpha or letters:
            out[ch] = (alpha or letters)[0].lower()
    return out


def _is_invisible(ch: str) -> bool:
    cat = unicodedata.category(ch)
    # Cf: zero-width and bidi controls; Mn/Me: combining marks, variation selectors, keycap U+20E3.
    return cat in ("Cf", "Mn", "Me")


@functools.lru_cache(maxsize=None)
def fold_char(ch: str) -> str | None:
    """How one non-ASCII character reads in the light view: ASCII text, '' (drop) or None (keep)."""
    if _is_invisible(ch):
        return ""
    decomposed = unicodedata.normalize("NFKD", ch)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    stripped = unicodedata.normalize("NFKC", stripped)
    if stripped and stripped.isascii():
        return stripped
    if stripped.isspace():
        return " "
    ascii_look = _confusable_to_ascii().get(ch) or (
        _confusable_to_ascii().get(stripped) if len(stripped) == 1 else None
    )
    if ascii_look:
        return ascii_look
    return None


def fold_text(text: str) -> str:
    """The light view of one string (for lexicon values and tests; batches use `build_views`)."""
    out = []
    for ch in text:
        if ord(ch) < 0x80:
            out.append(ch.lower())
            continue
        f = fold_char(ch)
        out.append(ch if f is None else f)
    return "".join(out)


# ---------------------------------------------------------------- byte tables

def _table(mapping: dict[str, str]) -> np.ndarray:
    t = np.arange(256, dtype=np.uint8)
    for k, v in mapping.items():
        t[ord(k)] = ord(v)
    return t


LOWER = _table({chr(c): chr(c).lower() for c in range(ord("A"), ord("Z") + 1)})
SKEL_ALWAYS = _table({**DIGIT_LEET, **LETTER_MERGE})
SKEL_SYMBOL = _table(SYMBOL_LEET)
IS_SYMBOL_LEET = np.zeros(256, bool)
IS_SYMBOL_LEET[[ord(c) for c in SYMBOL_LEET]] = True
IS_LETTER = np.zeros(256, bool)
IS_LETTER[ord("a"):ord("z") + 1] = True
IS_ALNUM = IS_LETTER.copy()
IS_ALNUM[ord("0"):ord("9") + 1] = True
IS_SPACE = np.zeros(256, bool)
IS_SPACE[[ord(c) for c in " \t\r\x0b\x0c"]] = True
NEWLINE = ord("\n")
KEEP_MARK = np.zeros(256, bool)
KEEP_MARK[[ord(c) for c in "\n#:/"]] = True
HASH = ord("#")
UNDERSCORE = ord("_")
SPACE = ord(" ")


@dataclass
class Views:
    """One batch of texts: original bytes, both views, and the maps between them.

    `row_start[i]` is the original byte offset of text i (texts are joined with '\\n').
    `l_orig[j]` / `s_orig[k]`: original byte offset where view byte j / k starts;
    `s_end[k]`: original byte offset just past the letters that view byte k stands for
    (a collapsed run of repeats included). `edited`: cumulative count of original bytes that
    normalisation changed, for `obfuscated` (case changes are not edits).
    """

    orig: np.ndarray
    row_start: np.ndarray
    char_index: np.ndarray  # original byte offset -> character offset (cumulative lead bytes)
    light: bytes
    l_orig: np.ndarray
    l_end: np.ndarray
    skel: bytes
    s_orig: np.ndarray
    s_end: np.ndarray
    s_light: np.ndarray  # skeleton byte -> light byte index
    edited_cum: np.ndarray  # every edit (skeleton hits)
    light_edited_cum: np.ndarray  # edits of the light view only (regex, emoji, built-in hits)
    letters_cum: np.ndarray  # cumulative count of original ASCII letters (light view), by original offset

    def rows_of(self, orig_offsets: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.row_start, orig_offsets, side="right") - 1

    def char_offsets(self, rows: np.ndarray, orig_offsets: np.ndarray) -> np.ndarray:
        return self.char_index[orig_offsets] - self.char_index[self.row_start[rows]]


def join_rows(values: list[bytes] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Join byte strings with '\\n' (a hard boundary no match may cross); return buffer, row starts."""
    buf = b"\n".join(values) + b"\n"
    lens = np.fromiter((len(v) + 1 for v in values), dtype=np.int64, count=len(values))
    starts = np.zeros(len(values), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    return np.frombuffer(buf, dtype=np.uint8), starts


def build_views(buf: np.ndarray, row_start: np.ndarray) -> Views:
    """Both normalised views of a joined buffer, with their maps back to the original bytes."""
    n = buf.size
    is_lead = (buf & 0xC0) != 0x80
    char_index = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(is_lead, out=char_index[1:])
    next_lead = _next_lead(is_lead, n)

    out = LOWER[buf]
    keep = np.ones(n, dtype=bool)
    edited = np.zeros(n, dtype=bool)
    nonascii = np.flatnonzero(buf >= 0x80)
    if nonascii.size:
        _fold_nonascii(buf, nonascii, out, keep, edited)
    l_orig = np.flatnonzero(keep)
    light = out[l_orig]
    l_end = next_lead[l_orig]

    light_edited_cum = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(edited, out=light_edited_cum[1:])
    skel, s_light, s_end_light = _skeleton(light, edited, l_orig)
    s_orig = l_orig[s_light]
    s_end = l_end[s_end_light]
    edited_cum = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(edited, out=edited_cum[1:])
    letters = np.zeros(n, dtype=bool)
    letters[l_orig] = IS_LETTER[light]
    letters_cum = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(letters, out=letters_cum[1:])
    return Views(
        orig=buf, row_start=row_start, char_index=char_index, light=light.tobytes(), l_orig=l_orig, l_end=l_end,
        skel=skel.tobytes(), s_orig=s_orig, s_end=s_end, s_light=s_light, edited_cum=edited_cum,
        light_edited_cum=light_edited_cum, letters_cum=letters_cum,
    )


def _next_lead(is_lead: np.ndarray, n: int) -> np.ndarray:
    """For each byte, the offset of the next character's first byte (end of its character)."""
    leads = np.flatnonzero(is_lead)
    idx = np.searchsorted(leads, np.arange(n), side="right")
    leads_ext = np.append(leads, n)
    return leads_ext[idx]


def _fold_nonascii(buf: np.ndarray, nonascii: np.ndarray, out: np.ndarray, keep: np.ndarray, edited: np.ndarray) -> None:
    """Fold every non-ASCII character in place: replace, drop, or keep its bytes."""
    b = buf[nonascii]
    leads = nonascii[(b & 0xC0) == 0xC0]
    b0 = buf[leads].astype(np.int64)
    nbytes = np.where(b0 >= 0xF0, 4, np.where(b0 >= 0xE0, 3, 2))
    lim = buf.size - 1

    def cont(k):
        return buf[np.minimum(leads + k, lim)].astype(np.int64) & 0x3F

    cp = np.where(
        nbytes == 2, ((b0 & 0x1F) << 6) | cont(1),
        np.where(nbytes == 3, ((b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2),
                 ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3)),
    )
    uniq, inv = np.unique(cp, return_inverse=True)
    repl = np.full((uniq.size, 4), KEEP, dtype=np.int16)
    for i, c in enumerate(uniq.tolist()):
        f = fold_char(chr(c))
        if f is None:
            continue
        enc = f.encode("ascii")
        width = len(chr(c).encode("utf-8"))
        if len(enc) > width:  # an expansion wider than the character: keep it as written
            continue
        repl[i, :] = DELETE
        repl[i, : len(enc)] = np.frombuffer(enc, dtype=np.uint8)
    r = repl[inv]
    changed = r[:, 0] != KEEP
    edited[leads[changed]] = True
    for k in range(4):
        inside = k < nbytes
        pos = leads + k
        put = inside & (r[:, k] >= 0)
        out[pos[put]] = LOWER[r[put, k].astype(np.uint8)]
        drop = inside & (r[:, k] == DELETE)
        keep[pos[drop]] = False


def _skeleton(light: np.ndarray, edited: np.ndarray, l_orig: np.ndarray):
    """Skeleton view of the light view: returns bytes, light index per byte, light index of run end."""
    m = light.size
    c = SKEL_ALWAYS[light]
    leet = (c != light) & (light != ord("l"))  # merging l into i is not an edit of the text
    # symbol leet only between word characters ("c@sh"), chained ("c@$h")
    wordish = IS_ALNUM[light] | IS_SYMBOL_LEET[light]
    prev_w = np.zeros(m, bool)
    prev_w[1:] = wordish[:-1]
    next_w = np.zeros(m, bool)
    next_w[:-1] = wordish[1:]
    sym = IS_SYMBOL_LEET[light] & prev_w & next_w
    c = np.where(sym, SKEL_SYMBOL[light], c)
    leet |= sym
    is_w = IS_LETTER[c]
    # separators inside a word: any run of non-letter bytes between letters, except spaces, newlines
    # and the few marks that carry meaning in terms ('#' starts a hashtag, ':' '/' end "tg:", "t.me/")
    sep = ~is_w & ~IS_SPACE[c] & ~KEEP_MARK[c]
    idx = np.arange(m)
    prev_ns = np.maximum.accumulate(np.where(~sep, idx, -1))
    next_ns = np.minimum.accumulate(np.where(~sep, idx, m)[::-1])[::-1]
    w_ext = np.append(is_w, False)
    inner_sep = sep & (prev_ns >= 0) & w_ext[np.where(prev_ns >= 0, prev_ns, m)] & w_ext[next_ns]
    # underscores left at word edges read as spaces (#torlap_ -> "#torlap ")
    c = np.where((c == UNDERSCORE) & ~inner_sep, SPACE, c)
    keep1 = ~inner_sep
    i1 = np.flatnonzero(keep1)
    c1 = c[i1]
    w1 = IS_LETTER[c1]
    # spaced-out letters: a single space between two single-letter words is dropped ("a c c e s s")
    m1 = c1.size
    w1p = np.concatenate(([False, False], w1, [False, False]))
    single = w1 & ~w1p[1:m1 + 1] & ~w1p[3:m1 + 3]  # letter with no letter before/after
    sp = np.zeros(m1 + 4, bool)
    sp[2:m1 + 2] = single
    join = IS_SPACE[c1] & sp[1:m1 + 1] & sp[3:m1 + 3]
    keep2 = ~join
    i2 = i1[keep2]
    c2 = c1[keep2]
    # collapse repeated letters and whitespace runs
    prev = np.concatenate(([0], c2[:-1]))
    dup = ((c2 == prev) & IS_LETTER[c2]) | (IS_SPACE[c2] & IS_SPACE[prev])
    keep3 = ~dup
    kept = np.flatnonzero(keep3)
    i3 = i2[kept]
    skel = np.where(IS_SPACE[c2[kept]], SPACE, c2[kept]).astype(np.uint8)
    # the light index where each kept byte's run ends (last of its repeats)
    nxt = np.append(kept[1:], c2.size) - 1
    end_light = i2[nxt]
    # mark edits on the original bytes: leet, dropped separators/spaces/repeats
    changed_light = leet.copy()
    changed_light[~keep1] = True
    dropped2 = i1[~keep2]
    changed_light[dropped2] = True
    dup_light = i2[dup & IS_LETTER[c2]]
    changed_light[dup_light] = True
    edited[l_orig[changed_light]] = True
    return skel, i3, end_light


def skeleton_text(text: str) -> str:
    """Skeleton of a single string (lexicon values): the same operations as `build_views`."""
    buf, starts = join_rows([text.encode("utf-8")])
    v = build_views(buf, starts)
    return v.skel.decode("utf-8", "replace").strip("\n").strip()
