"""Throughput of the signal stage against a raw literal hyperscan scan and a Python `re` baseline.

    .venv/bin/python bench/signals.py                # 2M posts (run under flock /tmp/vigil-heavy.lock)
    .venv/bin/python bench/signals.py --posts 200000

Generates synthetic posts (common words, invented lexicon words, some of them obfuscated, generic
sale/contact/request phrases, emoji, a few accented words) and a 5,000-entry lexicon of invented
words; every baseline runs in this process on the same text. The bar: the signal stage keeps
>= 50% of the raw literal scan's throughput.
"""

from __future__ import annotations

import sys
from pathlib import Path

# run as a script, bench/ is first on sys.path and its other scripts (queue.py, ...) shadow modules
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import random
import re
import tempfile
import time

import hyperscan
import numpy as np
import pyarrow as pa

from vigil import schemas  # noqa: E402
from vigil.signals import load_lexicon, run_signals  # noqa: E402
from vigil.signals.matcher import joined_buffer  # noqa: E402
from vigil.signals.stage import scan_posts  # noqa: E402
from vigil.workspace import Workspace  # noqa: E402

COMMON = (
    "the a and to of in is for my new day love this with on at be so you me great food trip photo coffee morning "
    "run game team friends family sunset weekend best view tonight back home city beach music live show art work "
    "summer winter park dog cat happy birthday thanks everyone good time first last week year again just got "
    "finally here there what about who when our your their after before little big old young fresh hot cold"
).split()
GENERIC = ["dm for prices", "menu in bio", "$20", "how much?", "interested", "link in bio", "cash app", "trades open",
           "tg: @someone", "adults only 18+", "i'm 15", "check my story"]
EMOJI = ["🔥", "✨", "🌊", "😍", "🎉", "❤️", "🙌", "💯"]
ACCENTED = ["café", "naïve", "jalapeño", "crème", "façade"]
CONSONANTS = "bcdfgjklmnprstvwxzbkprvz"
VOWELS = "aeiouy"
CONFUSABLE = {"a": "а", "e": "е", "o": "о", "i": "і", "c": "с", "p": "р", "x": "х", "y": "у"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "b": "8"}


def make_syllables(rng: random.Random, n: int = 150) -> list[str]:
    """Consonant-vowel-consonant syllables, as the sample's invented words are built (vex+kin, tor+lap)."""
    out: set[str] = set()
    while len(out) < n:
        out.add(rng.choice(CONSONANTS) + rng.choice(VOWELS) + rng.choice(CONSONANTS))
    return sorted(out)


def make_lexicon(rng: random.Random, n: int) -> tuple[str, list[str]]:
    syllables = make_syllables(rng)
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))))
    words_l = sorted(words)
    lines = ["version: 1", "signals:"]
    for i, w in enumerate(words_l):
        kind = "hashtag" if i % 5 == 0 else "term"
        cat = "explicit" if i % 3 else "other"
        lines += [f"- id: gen-{i}", f"  category: {cat}", f"  kind: {kind}", f"  value: {w}", "  weight: 1.0"]
    return "\n".join(lines) + "\n", words_l


def obfuscate(rng: random.Random, w: str) -> str:
    how = rng.randrange(7)
    if how == 0:
        return "".join(LEET.get(c, c) if rng.random() < 0.5 else c for c in w)
    if how == 1:
        return rng.choice(".*-_").join(w)
    if how == 2:
        return "\u200b".join(w)
    if how == 3:
        return "".join(CONFUSABLE.get(c, c) for c in w)
    if how == 4:
        i = rng.randrange(len(w))
        return w[:i] + w[i] * 3 + w[i + 1:]
    if how == 5:
        return "#" + w + rng.choice(["2", "_sale", "vip"])
    i = rng.randrange(1, len(w) - 1)
    return w[:i] + w[i + 1:]  # a deletion: edit distance 1


def make_posts(rng: random.Random, n: int, terms: list[str]) -> list[str]:
    out = []
    for _ in range(n):
        ws = [rng.choice(COMMON) for _ in range(rng.randint(5, 12))]
        r = rng.random()
        if r < 0.03:
            ws.insert(rng.randrange(len(ws) + 1), rng.choice(terms))
        elif r < 0.04:
            ws.insert(rng.randrange(len(ws) + 1), obfuscate(rng, rng.choice(terms)))
        if rng.random() < 0.03:
            ws.insert(rng.randrange(len(ws) + 1), rng.choice(GENERIC))
        if rng.random() < 0.2:
            ws.append(rng.choice(EMOJI))
        if rng.random() < 0.005:
            ws.insert(0, rng.choice(ACCENTED))
        if rng.random() < 0.3:
            ws.append("#" + rng.choice(COMMON))
        out.append(" ".join(ws))
    return out


def timed(fn):
    t0 = time.perf_counter()
    res = fn()
    return res, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=2_000_000)
    ap.add_argument("--lexicon", type=int, default=5000)
    ap.add_argument("--re-posts", type=int, default=5_000, help="posts for the (slow) Python re baseline")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    yaml_text, terms = make_lexicon(rng, args.lexicon)
    tmp = Path(tempfile.mkdtemp(prefix="vigil-bench-signals-"))
    (tmp / "lexicon.yaml").write_text(yaml_text, encoding="utf-8")
    lexicon, t_compile = timed(lambda: load_lexicon(tmp / "lexicon.yaml"))
    posts, t_gen = timed(lambda: make_posts(rng, args.posts, terms))
    texts = pa.array(posts, pa.string())
    mb = texts.nbytes / 1e6  # offsets + data: close to the text bytes
    text_mb = sum(len(p.encode("utf-8")) for p in posts[:100_000]) / min(len(posts), 100_000) * len(posts) / 1e6
    print(f"posts {len(posts):,}  text {text_mb:.1f} MB  lexicon {len(lexicon.entries):,} entries "
          f"(load+compile {t_compile:.1f}s)  generated in {t_gen:.1f}s", flush=True)

    # --- raw literal hyperscan scan of the same text (joined once, outside the timing)
    buf, _ = joined_buffer(texts)
    data = buf.tobytes()
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[t.encode() for t in terms], ids=list(range(len(terms))), elements=len(terms),
               flags=hyperscan.HS_FLAG_CASELESS, literal=True)
    count = [0]

    def on_match(*_):
        count[0] += 1

    def raw_scan():
        count[0] = 0
        db.scan(data, match_event_handler=on_match)
        return count[0]

    raw_scan()
    raw_hits, t_raw = min((timed(raw_scan) for _ in range(3)), key=lambda x: x[1])

    # --- a literal-only signal stage: the same batches joined, scanned, whole words kept, hits tabled
    def literal_stage():
        n = 0
        for off in range(0, len(posts), batch):
            part = texts.slice(off, batch)
            b, starts = joined_buffer(part)
            found: list[tuple[int, int]] = []
            db.scan(b.tobytes(), match_event_handler=lambda i, f, t, fl, c: found.append((i, t)))
            if not found:
                continue
            ids, ends = np.array(found, np.int64).T
            begin = ends - lengths[ids]
            rows_ = np.searchsorted(starts, begin, side="right") - 1
            before = b[np.maximum(begin - 1, 0)] | 0x20
            after = b[np.minimum(ends, b.size - 1)] | 0x20
            whole = ~((before >= 0x61) & (before <= 0x7A)) & ~((after >= 0x61) & (after <= 0x7A))
            raw_b = b.tobytes()
            tbl = pa.table({"row": rows_[whole] + off, "signal": ids[whole],
                            "matched": [raw_b[x:y].decode() for x, y in zip(begin[whole].tolist(), ends[whole].tolist())]})
            n += tbl.num_rows
        return n

    batch = 100_000
    lengths = np.array([len(t.encode()) for t in terms], np.int64)
    lit_hits, t_lit = timed(literal_stage)

    # --- the signal stage's per-batch work (join, fast pass, deep pass, hits table), as run_signals does it
    table = pa.table({
        "platform": pa.array(["bench"] * len(posts)), "post_id": pa.array([str(i) for i in range(len(posts))]),
        "account_id": pa.array([str(i % max(1, len(posts) // 10)) for i in range(len(posts))]),
        "text": texts, "hashtags": pa.nulls(len(posts), pa.list_(pa.string())),
    })

    def stage_scan():
        n = 0
        for off in range(0, len(posts), batch):
            n += scan_posts(lexicon.matcher, table.slice(off, batch)).num_rows
        return n

    stage_scan() if len(posts) <= 200_000 else None  # warm caches on small runs only
    stage_hits, t_stage = timed(stage_scan)

    # --- the whole stage through a workspace (Parquet read, scan, hits written, account_signals)
    ws = Workspace(tmp / "ws")
    full = table.append_column("created_at", pa.nulls(len(posts), schemas.TS))
    for f in schemas.POSTS:
        if f.name not in full.column_names:
            full = full.append_column(f.name, pa.nulls(len(posts), f.type))
    ws.write("posts", full.select(schemas.POSTS.names).cast(schemas.POSTS))
    stats, t_full = timed(lambda: run_signals(ws, lexicon))

    # --- Python re alternation over a prefix of the posts (it is far slower; throughput extrapolates)
    sub = "\n".join(posts[: args.re_posts])
    pat = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    re_hits, t_re = timed(lambda: sum(1 for _ in pat.finditer(sub)))
    re_mb = len(sub.encode("utf-8")) / 1e6

    raw_mbs = text_mb / t_raw
    rows = [
        ("raw literal hyperscan (scan only)", t_raw, text_mb / t_raw, raw_hits),
        ("literal-only stage (join, scan, words, table)", t_lit, text_mb / t_lit, lit_hits),
        ("signal stage: scan_posts batches", t_stage, text_mb / t_stage, stage_hits),
        ("signal stage: run_signals (parquet in/out)", t_full, text_mb / t_full, stats["hits"]),
        (f"python re alternation ({args.re_posts:,} posts)", t_re, re_mb / t_re, re_hits),
    ]
    print(f"\n{'method':<46}{'seconds':>9}{'MB/s':>9}{'posts/s':>12}{'hits':>10}{'vs raw':>8}")
    for name, t, mbs, hits in rows:
        n = args.re_posts if name.startswith("python") else len(posts)
        print(f"{name:<46}{t:>9.2f}{mbs:>9.1f}{n / t:>12,.0f}{hits:>10,}{mbs / raw_mbs:>8.2f}")
    ratio = (text_mb / t_stage) / raw_mbs
    ratio_lit = t_lit / t_stage
    print(f"\nbar: signal stage >= 0.50 of the raw literal scan (scan only): ratio {ratio:.2f} -> "
          f"{'PASS' if ratio >= 0.5 else 'FAIL'}")
    print(f"     signal stage vs a literal-only stage doing the same batch work: ratio {ratio_lit:.2f} -> "
          f"{'PASS' if ratio_lit >= 0.5 else 'FAIL'}")
    c = lexicon.matcher.counters
    print(f"deep-scanned share of texts: {c['deep_texts'] / max(1, c['texts']):.3f}; obfuscated hits {stats['obfuscated_hits']:,}, "
          f"hits by context {stats['hits_by_context']}")



if __name__ == "__main__":
    main()
