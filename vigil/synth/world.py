"""`generate_world`: a whole synthetic world (export, lexicon, hash bank, seeds) and its truth.

Layout written under OUT_DIR:
  export/    accounts, posts, edges, recommendations (mixed .jsonl/.jsonl.gz/.csv/.parquet), media/
  lexicon.yaml, hashbank.csv, seeds.csv   the operator's inputs
  truth/     truth_accounts.csv, truth_links.csv, truth_audit.json, truth_rejects.txt,
             truth_terms.csv, truth_media.csv, truth_summary.json (sample-truth format)
"""

from __future__ import annotations

import csv
import json
import resource
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from vigil.progress import task
from vigil.synth import media as M
from vigil.synth.activity import COMPANIES, EDGE_KINDS, JOBS, PostMaker, add_comments, follow_graph, interactions
from vigil.synth.export import Coded, write_columns
from vigil.synth.params import as_dict, draw_params
from vigil.synth.pictures import Pictures, profile_pictures
from vigil.synth.population import (AVATAR_DEFAULT, AVATAR_NONE, AVATAR_STOCK, KINDS, K,
                                    NETWORK_KINDS, Population, assign_avatars, assign_interests, build_population,
                                    make_ids, make_names)
from vigil.synth.recommend import recommend
from vigil.synth.texts import BACKUP_PHRASES, PAYMENT_WORDS, SALE_PHRASES, TRADE_PHRASES, Texts, Vocab
from vigil.synth.truth import audit_truth
from vigil.synth.words import CODE_EMOJI, INTERESTS, pseudo_words

TAG_SUFFIX_POOL = ["vip", "menu", "shop", "club", "list", "sale", "deals", "drop", "plug", "stash", "zone"]
CONTACT_LEXICON = [("telegram", "telegram"), ("t-me", "t.me/"), ("tg", "tg:"), ("discord", "discord.gg/"),
                   ("snap", "snap:"), ("kik", "kik:"), ("wickr", "wickr")]
AGE_REGEXES = [r"(?i)\b1[0-7]\s*(?:y/?o|yo|yrs?|years?\s+old)\b", r"(?i)\bage\s*:?\s*1[0-7]\b"]


@dataclass
class World:
    export_dir: Path
    lexicon: Path
    hashbank: Path
    seeds: Path
    truth_dir: Path
    root: Path = Path(".")
    params: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)


def generate_world(out_dir: Path, accounts: int = 6000, seed: int = 7, images: bool = True,
                   preset: str = "default", real_platform_names: bool = False, **params) -> World:
    """Write a synthetic world and its truth into out_dir (replacing what a previous run left).

    `preset="hard"` draws the knobs from `params.HARD_RANGES`: a network that hides better, decoys
    that look more like it, and a partial export. `real_platform_names` writes the same world as
    instagram / twitter / linkedin with their real URL and mention forms (see `realnames`)."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    peak_mb: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = round(time.perf_counter() - t0, 2)
        peak_mb[name] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)

    out_dir = Path(out_dir)
    export, truth_dir = out_dir / "export", out_dir / "truth"
    for d in (export, truth_dir):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    p = draw_params(rng, {"images": images, **params}, preset)
    if accounts < 200:
        raise ValueError(f"accounts={accounts}: a world needs at least 200 accounts on its main platform")

    with task("generate world", total=8) as bar:
        # --- vocabulary and population -------------------------------------------------
        names = list(INTERESTS)
        interests = [names[i] for i in np.sort(rng.choice(len(names), size=int(rng.integers(8, len(names) + 1)), replace=False))]
        words = pseudo_words(rng, p.n_code_words + p.n_emergent + 2)
        code_words, emergent, fandoms = words[: p.n_code_words], words[p.n_code_words: p.n_code_words + p.n_emergent], words[-2:]
        emoji = rng.choice(CODE_EMOJI, size=6, replace=False)
        vocab = Vocab(code_words=code_words, emergent=emergent,
                      tag_suffixes=[str(rng.choice(TAG_SUFFIX_POOL)) for _ in code_words],
                      code_emoji=[emoji[0] + emoji[1], emoji[2] + emoji[3], emoji[4] + emoji[5]],
                      fandoms=fandoms,
                      sale_known=sorted(rng.choice(SALE_PHRASES, size=int(rng.integers(5, 10)), replace=False).tolist()),
                      payment_known=sorted(rng.choice(PAYMENT_WORDS, size=int(rng.integers(4, 7)), replace=False).tolist()))
        pop = build_population(rng, p, accounts, interests)
        assign_interests(pop, interests)
        make_ids(rng, pop)
        assign_avatars(rng, pop, p)
        make_names(rng, pop, p.backup_new_handle)
        if real_platform_names:
            from vigil.synth.realnames import REAL_NAMES, real_handles

            for pl in pop.platforms:
                pl.name, pl.real = REAL_NAMES[pl.role], True
            pop.handles = real_handles(pop.handles, [pop.platforms[x].name for x in pop.plat])
        ring_words = _ring_words(rng, pop.n_rings, vocab, p.emergent_ring)
        texts = Texts(rng, vocab, p, interests)
        by_person = _accounts_by_person(pop)
        buyer_link = _bios(rng, pop, texts, ring_words, by_person)
        lap("population")
        bar.advance()

        # --- hash bank, graph, posts, interactions ----------------------------------------
        n_known = max(20, int((pop.kind == K["seller"]).sum()) * 2)
        known_pdq = M.random_hex(rng, n_known, 32)
        known_md5 = M.random_hex(rng, max(10, n_known // 4), 16)
        fsrc, fdst, ft = follow_graph(rng, pop, p)
        lap("graph")
        bar.advance()
        maker = PostMaker(rng, pop, p, texts, ring_words, known_pdq, known_md5)
        posts = maker.make()
        add_comments(rng, pop, p, posts, texts, ring_words, fsrc, fdst)
        edges = interactions(rng, pop, p, posts, fsrc, fdst, ft)
        lap("posts")
        bar.advance()
        surfaces = ("suggested_accounts", "explore", "search", "hashtag") + (("feed",) if rng.random() < 0.7 else ())
        recs = recommend(rng, pop, p, posts, fsrc, fdst, surfaces)
        lap("recommendations")
        bar.advance()
        pics = profile_pictures(rng, pop, p, export, by_person, buyer_link)
        lap("images")
        bar.advance()

        # --- write ------------------------------------------------------------------------
        formats = {"accounts": str(rng.choice(["jsonl", "csv", "jsonl.gz", "jsonl"])),
                   "posts": str(rng.choice(["jsonl.gz", "jsonl", "csv"])),
                   "edges": str(rng.choice(["jsonl.gz", "csv", "jsonl", "parquet"], p=[0.4, 0.3, 0.15, 0.15])),
                   "recommendations": str(rng.choice(["csv", "jsonl", "jsonl.gz", "parquet"], p=[0.4, 0.25, 0.2, 0.15]))}
        text_tables = [t for t, f in formats.items() if f != "parquet"]
        share = rng.dirichlet(np.ones(len(text_tables)))
        broken = {t: int(round(p.broken_lines * s)) for t, s in zip(text_tables, share)}
        reject_lines: list[str] = []
        post_ids = _post_ids(rng, pop, posts)
        fol_deg = np.bincount(fdst, minlength=pop.n), np.bincount(fsrc, minlength=pop.n)
        missing = _missing_accounts(rng, pop, p.missing_accounts, by_person)
        author = np.asarray(posts.author, dtype=np.int64)
        parent = np.asarray(posts.reply_to, dtype=np.int64)
        # A post of a missing account is missing too, and so is a comment under it.
        post_out = ~missing[author] & ((parent < 0) | ~missing[author[np.maximum(parent, 0)]])
        reject_lines += write_columns(export, "accounts", _account_columns(rng, pop, pics, fol_deg, missing),
                                      formats["accounts"], broken.get("accounts", 0), rng)
        reject_lines += write_columns(export, "posts", _post_columns(rng, pop, posts, post_ids, post_out),
                                      formats["posts"], broken.get("posts", 0), rng)
        lap("write_accounts_posts")
        bar.advance()
        edge_kinds = np.bincount(np.concatenate(edges.kind), minlength=len(EDGE_KINDS)) if edges.kind else np.zeros(len(EDGE_KINDS), int)
        e_cols, n_external, (fsrc_out, fdst_out) = _edge_columns(rng, pop, edges, p)
        del edges  # its columns are in e_cols now
        reject_lines += write_columns(export, "edges", e_cols, formats["edges"], broken.get("edges", 0), rng)
        r_cols = _rec_columns(rng, pop, recs, post_ids)
        reject_lines += write_columns(export, "recommendations", r_cols, formats["recommendations"],
                                      broken.get("recommendations", 0), rng)
        lap("write_edges_recs")
        bar.advance()

        # --- operator inputs and truth ------------------------------------------------------
        lexicon_path = out_dir / "lexicon.yaml"
        _write_lexicon(lexicon_path, vocab)
        hashbank_path = out_dir / "hashbank.csv"
        _write_bank(rng, hashbank_path, known_pdq, known_md5, p)
        seeds_path = out_dir / "seeds.csv"
        seeds = _choose_seeds(rng, pop, p.n_seeds_max)
        seeds_path.write_text("".join(f"{pop.platforms[pop.plat[i]].name},{pop.ids[i]}\n" for i in seeds), encoding="utf-8")
        _write_truth(truth_dir, pop, pics, by_person, seeds, posts, post_ids, maker.truth_media, fsrc_out, fdst_out,
                     recs, reject_lines, vocab, ring_words, missing, post_out)
        lap("total")
        summary = _summary(seed, p, pop, posts, edge_kinds, recs, formats, reject_lines, timings, n_external, vocab)
        summary["partial_export"] = {"missing_accounts": int(missing.sum()), "posts_left_out": int((~post_out).sum()),
                                     "edges_exported": len(e_cols["src"])}
        summary["peak_rss_mb"] = peak_mb
        (truth_dir / "truth_summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
        bar.advance()
    return World(export_dir=export, lexicon=lexicon_path, hashbank=hashbank_path, seeds=seeds_path,
                 truth_dir=truth_dir, root=out_dir, params=as_dict(p), summary=summary)


# --- vocabulary -------------------------------------------------------------------------------


def _ring_words(rng, n_rings: int, vocab: Vocab, emergent_ring: float = 0.2) -> list[list[str]]:
    """Each ring has its own slang: a few of the code words, sometimes a word the lexicon lacks."""
    out = []
    for r in range(n_rings):
        if vocab.emergent and rng.random() < emergent_ring:
            # A ring that moved to a new word: mostly slang the lexicon does not know yet.
            w = [vocab.emergent[r % len(vocab.emergent)]] * 3 + [str(rng.choice(vocab.code_words))]
            out.append(w)
            continue
        k = int(rng.integers(2, min(4, len(vocab.code_words)) + 1))
        w = list(rng.choice(vocab.code_words, size=k, replace=False))
        if vocab.emergent and (rng.random() < 0.5 or r < len(vocab.emergent)):
            w.append(vocab.emergent[r % len(vocab.emergent)])
        out.append(w)
    return out


def _accounts_by_person(pop: Population) -> dict[int, list[int]]:
    o = np.argsort(pop.person, kind="stable")
    ps = pop.person[o]
    cut = np.flatnonzero(np.diff(ps)) + 1
    out = {}
    for grp in np.split(o, cut):
        if len(grp) > 1:
            out[int(pop.person[grp[0]])] = sorted(int(x) for x in grp)
    return out


def _bios(rng, pop: Population, texts: Texts, ring_words, by_person) -> dict[int, bool]:
    """Bios and bio links; returns, per buyer with a real-name identity, whether its bio links to it."""
    bios, links = [""] * pop.n, [[] for _ in range(pop.n)]
    buyer_link: dict[int, bool] = {}
    for i in range(pop.n):
        kind = KINDS[pop.kind[i]]
        plat = pop.platforms[pop.plat[i]]
        h = pop.handles[i]
        words = ring_words[pop.ring[i]] if pop.ring[i] >= 0 else texts.v.code_words
        others = [j for j in by_person.get(int(pop.person[i]), []) if j != i and pop.plat[j] != pop.plat[i]]
        if plat.role == "pro":
            bios[i] = f"{JOBS[int(rng.integers(len(JOBS)))]} at {COMPANIES[int(rng.integers(len(COMPANIES)))]}"
            continue
        if kind == "seller":
            other = others[0] if others else None
            bios[i] = texts.seller_bio(words, h, pop.handles[other] if other is not None else None,
                                       pop.platforms[pop.plat[other]] if other is not None else None,
                                       bool(pop.minor_claim[i]), bool(pop.quiet_bio[i]))
            if rng.random() < 0.35:
                links[i].append(f"https://t.me/{h.replace('.', '_')[:15]}")
            if other is not None and rng.random() < 0.4:
                links[i].append(pop.platforms[pop.plat[other]].profile_url(pop.handles[other]))
        elif kind == "backup_seller":
            bios[i] = texts.backup_bio(words, h, bool(pop.minor_claim[i]))
        elif kind == "facilitator":
            bios[i] = texts.facilitator_bio(words)
        elif kind == "adult_creator":
            bios[i] = texts.adult_creator_bio(h)
            if rng.random() < 0.5:
                links[i].append(f"https://fansite.example/{h}")
        elif kind in ("advocate", "journalist"):
            bios[i] = texts.advocate_bio(kind == "journalist")
            if rng.random() < 0.5:
                links[i].append(f"https://{'newsdesk' if kind == 'journalist' else 'safety-notes'}.example/{h}")
        elif kind in ("teen", "teen_trader"):
            bios[i] = texts.teen_bio(pop.interest[i], kind == "teen_trader")
        elif kind == "art_seller":
            bios[i] = texts.art_seller_bio(h)
            if rng.random() < 0.4:
                links[i].append(f"https://shop.example/{h}")
        elif kind == "benign_promo":
            bios[i] = texts.promo_bio()
        else:
            bios[i] = texts.benign_bio(pop.interest[i])
        pro_twin = [j for j in others if pop.platforms[pop.plat[j]].role == "pro"]
        if kind == "buyer" and pro_twin:
            buyer_link[i] = bool(rng.random() < 0.55)
            if buyer_link[i]:
                links[i].append(pop.platforms[pop.plat[pro_twin[0]]].profile_url(pop.handles[pro_twin[0]]))
        elif kind == "benign" and others and rng.random() < 0.25:
            links[i].append(pop.platforms[pop.plat[others[0]]].profile_url(pop.handles[others[0]]))
    pop.bios, pop.links = bios, links
    return buyer_link


# --- records ----------------------------------------------------------------------------------


def _post_ids(rng, pop: Population, posts) -> list[str]:
    created = np.asarray(posts.created, dtype=np.int64)
    plat = pop.plat[np.asarray(posts.author, dtype=np.int64)]
    ids = [""] * len(created)
    for pi, pl in enumerate(pop.platforms):
        idx = np.flatnonzero(plat == pi)
        idx = idx[np.argsort(created[idx], kind="stable")]
        base = int(rng.integers(10**11, 9 * 10**11))
        steps = np.cumsum(rng.integers(1, 40, size=len(idx)))
        prefix = {"main": "", "micro": "", "pro": "activity-"}[pl.role]
        for j, s in zip(idx, steps):
            ids[j] = f"{prefix}{base + int(s)}"
    return ids


def _missing_accounts(rng, pop: Population, share: float, by_person) -> np.ndarray:
    """Accounts a partial export leaves out although edges still point at them: ordinary people
    with one account (so no truth link and no network member goes missing)."""
    missing = np.zeros(pop.n, dtype=bool)
    if share <= 0:
        return missing
    multi = np.zeros(pop.n, dtype=bool)
    multi[[i for accs in by_person.values() for i in accs]] = True
    pro = np.asarray([pl.role == "pro" for pl in pop.platforms])[pop.plat]
    can = (pop.kind == K["benign"]) & ~multi & ~pro
    missing[can] = rng.random(int(can.sum())) < share
    return missing


def _json_list(values) -> str | None:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")) if values else None


def _account_columns(rng, pop: Population, pics: Pictures, degs, missing: np.ndarray) -> dict[str, np.ndarray]:
    """The accounts table as columns, in export order (by platform, shuffled within)."""
    indeg, outdeg = degs
    order = rng.permutation(pop.n)
    order = order[np.argsort(pop.plat[order], kind="stable")]
    extra_lang = rng.random(pop.n) < 0.3
    noise = rng.poisson(3, size=pop.n)
    langs = np.asarray(["en", "es", "pt", "fr", "de", "tr", "ja", "id"], dtype=object)
    lang = np.where(extra_lang, langs[rng.integers(0, len(langs), size=pop.n)], None)
    order = order[~missing[order]]
    obj = lambda values: np.asarray(values, dtype=object)[order]  # noqa: E731
    path = obj(pics.path)
    pdq = obj(pics.pdq)
    pdq[path != None] = None  # noqa: E711 (object array): a file's hash is the reader's to compute
    return {"platform": np.asarray([pl.name for pl in pop.platforms], dtype=object)[pop.plat[order]],
            "account_id": obj(pop.ids), "handle": obj(pop.handles), "display_name": obj(pop.display),
            "bio": obj(pop.bios), "created_at": pop.created[order],
            "links": np.asarray([_json_list(pop.links[i]) for i in order.tolist()], dtype=object),
            "followers_count": (indeg + noise)[order].astype(np.int64), "following_count": outdeg[order].astype(np.int64),
            "profile_image": path, "profile_image_pdq": pdq, "lang": lang[order]}


def _post_columns(rng, pop: Population, posts, post_ids: list[str], keep: np.ndarray) -> dict[str, np.ndarray]:
    """The posts table as columns, in export order (by time)."""
    created = np.asarray(posts.created, dtype=np.int64)
    order = np.argsort(created, kind="stable")
    client = np.where(rng.random(len(order)) < 0.05, "web", None)
    order = order[keep[order]]
    author = np.asarray(posts.author, dtype=np.int64)[order]
    reply = np.asarray(posts.reply_to, dtype=np.int64)[order]
    pids = np.asarray(post_ids, dtype=object)
    obj = lambda values: np.asarray(values, dtype=object)[order]  # noqa: E731
    return {"platform": np.asarray([pl.name for pl in pop.platforms], dtype=object)[pop.plat[author]],
            "post_id": pids[order], "account_id": np.asarray(pop.ids, dtype=object)[author],
            "created_at": created[order], "kind": obj(posts.kind), "text": obj(posts.text),
            "hashtags": np.asarray([_json_list(posts.tags[j]) for j in order.tolist()], dtype=object),
            "reply_to": np.where(reply >= 0, pids[np.maximum(reply, 0)], None),
            "media": obj(posts.media), "client": client[order]}


def _edge_columns(rng, pop: Population, edges, p) -> tuple[dict, int, tuple[np.ndarray, np.ndarray]]:
    """Edge columns as exported, their count of follows to outside accounts, and the exported
    follows (global indices), from which the audit truth is computed."""
    src, dst, kind, t, count = edges.arrays()
    if p.edge_keep < 1.0:  # a partial export: a share of every kind of edge is not in it
        keep = rng.random(len(src)) < p.edge_keep
        src, dst, kind, t, count = src[keep], dst[keep], kind[keep], t[keep], count[keep]
    # An export is a slice of a platform: a few follows point at accounts outside it.
    fol = np.flatnonzero(kind == EDGE_KINDS.index("follow"))
    n_ext = int(len(fol) * p.external_edges)
    ext_src = rng.choice(fol, size=n_ext) if n_ext else np.zeros(0, np.int64)
    order = rng.permutation(len(src))
    ids = np.asarray(pop.ids, dtype=object)
    plat_names = [pl.name for pl in pop.platforms]
    ext_dst = np.asarray([f"x{int(x)}" for x in rng.integers(10**9, 10**10, size=n_ext)], dtype=object)
    src_rows = np.concatenate([src[order], src[ext_src]])
    cols = {"platform": Coded(plat_names, pop.plat[src_rows]),
            "src": Coded(ids, src_rows),
            "dst": Coded(np.concatenate([ids, ext_dst]), np.concatenate([dst[order], pop.n + np.arange(n_ext)])),
            "kind": Coded(EDGE_KINDS, np.concatenate([kind[order], np.full(n_ext, EDGE_KINDS.index("follow"), np.int8)])),
            "created_at": np.concatenate([t[order], t[ext_src]]),  # epoch seconds: formatted batch by batch
            "count": np.concatenate([count[order], np.ones(n_ext, dtype=np.int64)])}
    return cols, n_ext, (src[fol], dst[fol])


def _rec_columns(rng, pop: Population, recs, post_ids: list[str]) -> dict[str, list]:
    ids = np.asarray(pop.ids, dtype=object)
    pids = np.asarray(post_ids, dtype=object)
    plat_names = np.asarray([pl.name for pl in pop.platforms], dtype=object)
    is_post = recs.item_kind == "post"
    item = np.empty(len(recs.item), dtype=object)
    item[is_post] = pids[recs.item[is_post]]
    item[~is_post] = ids[recs.item[~is_post]]
    o = np.lexsort((recs.rank, recs.surface.astype(str), recs.viewer))
    times = recs.shown_at
    item_kind = recs.item_kind.copy()
    if rng.random() < 0.5:  # some exports leave out the default item_kind ("account")
        item_kind[item_kind == "account"] = ""
    return {"platform": plat_names[pop.plat[recs.viewer[o]]], "viewer_id": ids[recs.viewer[o]],
            "surface": recs.surface[o], "item_id": item[o], "item_kind": item_kind[o],
            "query": recs.query[o], "rank": recs.rank[o].astype(np.int64), "shown_at": times[o]}


# --- operator inputs --------------------------------------------------------------------------


def _write_lexicon(path: Path, v: Vocab) -> None:
    sig = []
    for w in v.code_words:
        sig.append({"id": f"explicit-{w}", "category": "explicit", "kind": "term", "value": w, "weight": 1.0})
    for w, s in zip(v.code_words, v.tag_suffixes):
        sig.append({"id": f"explicit-tag-{w}", "category": "explicit", "kind": "hashtag", "value": w, "weight": 1.0})
        sig.append({"id": f"explicit-tag-{w}{s}", "category": "explicit", "kind": "hashtag", "value": w + s, "weight": 1.0})
    for j, e in enumerate(v.code_emoji):
        sig.append({"id": f"explicit-emoji-{j + 1}", "category": "explicit", "kind": "emoji", "value": e, "weight": 0.8})
    for j, rx in enumerate(AGE_REGEXES):
        sig.append({"id": f"age-under18-{j + 1}", "category": "age", "kind": "regex", "value": rx, "weight": 0.8})
    for s in v.sale_known:
        sig.append({"id": "sale-" + s.replace(" ", "-"), "category": "sale", "kind": "term", "value": s, "weight": 0.6})
    for name, value in CONTACT_LEXICON:
        sig.append({"id": f"contact-{name}", "category": "contact", "kind": "term", "value": value, "weight": 0.4})
    for s in v.payment_known:
        sig.append({"id": "payment-" + s.replace(" ", "-"), "category": "payment", "kind": "term", "value": s, "weight": 0.4})
    sig.append({"id": "payment-cashtag", "category": "payment", "kind": "regex",
                "value": r"(?i)(?<![\w$])\$[a-z][a-z0-9_]{2,15}\b", "weight": 0.3})
    for s in TRADE_PHRASES:
        sig.append({"id": "trade-" + s.replace(" ", "-"), "category": "trade", "kind": "term", "value": s, "weight": 0.3})
    for s in BACKUP_PHRASES[:3]:
        sig.append({"id": "other-" + s.replace(" ", "-"), "category": "other", "kind": "term", "value": s, "weight": 0.5,
                    "tags": ["backup"]})
    header = "# Operator lexicon of a SYNTHETIC world made by vigil's generator: the explicit terms are invented.\n"
    path.write_text(header + yaml.safe_dump({"version": 1, "signals": sig}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")


def _write_bank(rng, path: Path, known_pdq, known_md5, p) -> None:
    banks = [f"synthbank-{c}" for c in "abc"]
    rows = [("pdq", h, banks[int(rng.integers(2))], f"cat-{'ab'[int(rng.integers(2))]}") for h in known_pdq]
    rows += [("pdq", h, banks[2], "decoy") for h in M.random_hex(rng, p.bank_random, 32)]
    rows += [("md5", h, banks[int(rng.integers(2))], "cat-a") for h in known_md5]
    rows += [("md5", h, banks[2], "decoy") for h in M.random_hex(rng, p.bank_md5, 16)]
    order = rng.permutation(len(rows))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["signal_type", "signal", "bank", "category"])
        for i in order:
            w.writerow(rows[i])


def _choose_seeds(rng, pop: Population, n_max: int = 3) -> list[int]:
    main_sellers = np.flatnonzero((pop.kind == K["seller"]) & (pop.plat == 0))
    k = min(len(main_sellers), int(rng.integers(1, n_max + 1)))
    seeds = list(rng.choice(main_sellers, size=k, replace=False))
    if rng.random() < 0.3:
        fac = np.flatnonzero(pop.kind == K["facilitator"])
        if len(fac):
            seeds.append(rng.choice(fac))
    return sorted(int(s) for s in seeds)


# --- truth ------------------------------------------------------------------------------------


def truth_kind(pop: Population, i: int) -> str:
    kind = KINDS[pop.kind[i]]
    if kind == "professional":
        kind = "benign"
    if kind == "benign" and pop.avatar[i] == AVATAR_DEFAULT:
        return "default_avatar"
    if kind == "benign" and pop.avatar[i] == AVATAR_STOCK:
        return "stock_avatar"
    return kind


def _write_truth(truth_dir: Path, pop: Population, pics: Pictures, by_person, seeds, posts, post_ids,
                 truth_media, fsrc, fdst, recs, reject_lines, vocab: Vocab, ring_words,
                 missing: np.ndarray, post_out: np.ndarray) -> None:
    names = [pl.name for pl in pop.platforms]
    seed_set = set(seeds)
    with open(truth_dir / "truth_accounts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["platform", "account_id", "role", "kind", "network", "seed"])
        for i in range(pop.n):
            if missing[i]:
                continue
            kind = KINDS[pop.kind[i]]
            w.writerow([names[pop.plat[i]], pop.ids[i], pop.role(i), truth_kind(pop, i),
                        f"ring{pop.ring[i]}" if kind in NETWORK_KINDS else "", int(i in seed_set)])
    with open(truth_dir / "truth_links.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["platform_a", "account_a", "platform_b", "account_b", "kind", "image", "pdq_distance"])
        for accs in by_person.values():
            for x in range(len(accs)):
                for y in range(x + 1, len(accs)):
                    a, b = accs[x], accs[y]
                    same = pop.plat[a] == pop.plat[b]
                    roles = [pop.role(a), pop.role(b)]
                    kind = "backup" if same else next((r for r in roles if r != "none"), "benign")
                    image, dist = _image_relation(pop, pics, a, b)
                    w.writerow([names[pop.plat[a]], pop.ids[a], names[pop.plat[b]], pop.ids[b], kind, image, dist])
    # Audit truth, from the same arrays the export was written from.
    accounts = {nm: [pop.ids[i] for i in pop.on(pi) if not missing[i]] for pi, nm in enumerate(names)}
    flagged = {nm: {pop.ids[i] for i in pop.on(pi) if pop.role(i) == "seller"} for pi, nm in enumerate(names)}
    ids = np.asarray(pop.ids, dtype=object)
    follows = {nm: (ids[fsrc[pop.plat[fsrc] == pi]], ids[fdst[pop.plat[fsrc] == pi]]) for pi, nm in enumerate(names)}
    author = np.asarray(posts.author, dtype=np.int64)
    post_author = {nm: {} for nm in names}
    for j, a in enumerate(author):
        if post_out[j]:
            post_author[names[pop.plat[a]]][post_ids[j]] = pop.ids[a]
    pids = np.asarray(post_ids, dtype=object)
    rec_cols = {}
    for pi, nm in enumerate(names):
        m = pop.plat[recs.viewer] == pi
        is_post = recs.item_kind[m] == "post"
        item = np.where(is_post, pids[np.where(is_post, recs.item[m], 0)], ids[np.where(is_post, 0, recs.item[m])])
        rec_cols[nm] = {"viewer": ids[recs.viewer[m]], "surface": recs.surface[m], "item": item,
                        "item_kind": recs.item_kind[m], "query": recs.query[m]}
    audit = audit_truth(accounts, flagged, follows, post_author, rec_cols)
    (truth_dir / "truth_audit.json").write_text(json.dumps(audit, indent=1, ensure_ascii=False), encoding="utf-8")
    per_file: dict[str, int] = defaultdict(int)
    for ln in reject_lines:
        per_file[ln.split(":", 1)[0]] += 1
    (truth_dir / "truth_rejects.txt").write_text(
        "\n".join([str(len(reject_lines))] + [f"{k} {v}" for k, v in per_file.items()] + reject_lines) + "\n", encoding="utf-8")
    # Emergent terms: code words the lexicon lacks, and misspellings, that sellers used repeatedly.
    net_text = [posts.text[j] for j in range(len(posts)) if KINDS[pop.kind[posts.author[j]]] in NETWORK_KINDS]
    net_text += [pop.bios[i] for i in range(pop.n) if KINDS[pop.kind[i]] in NETWORK_KINDS]
    blob = "\n".join(net_text).lower()
    with open(truth_dir / "truth_terms.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["term", "type", "base"])
        for t in vocab.emergent:
            if blob.count(t) >= 3:
                w.writerow([t, "new", ""])
        # Misspellings are written only by network accounts, so their use count is their count there.
        for t, base in sorted(vocab.misspellings.items()):
            if len(t) >= 4 and vocab.misspelling_uses[t] >= 3 and t not in vocab.code_words:
                w.writerow([t, "misspelling", base])
    with open(truth_dir / "truth_media.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["platform", "post_id", "media_id", "media_pdq", "bank_pdq", "distance", "signal_type"])
        for post, mid, pdq, bank, dist in truth_media:
            a = posts.author[post]
            w.writerow([names[pop.plat[a]], post_ids[post], mid, pdq, bank, dist, "pdq" if pdq else "md5"])


def _image_relation(pop: Population, pics: Pictures, a: int, b: int) -> tuple[str, str]:
    av = {int(pop.avatar[a]), int(pop.avatar[b])}
    if AVATAR_NONE in av:
        return "none", ""
    if av == {AVATAR_DEFAULT}:
        return "default", ""
    if AVATAR_STOCK in av or AVATAR_DEFAULT in av:
        return "different", ""
    rel = {pics.relation.get(a, "copy"), pics.relation.get(b, "copy")}
    image = "different" if "different" in rel else ("mirror" if "mirror" in rel else "copy")
    dist = str(M.hamming(pics.pdq[a], pics.pdq[b])) if pics.pdq[a] and pics.pdq[b] and image != "different" else ""
    return image, dist


def _summary(seed, p, pop: Population, posts, edge_kinds: np.ndarray, recs, formats, reject_lines, timings, n_external, vocab) -> dict:
    counts: dict[str, dict[str, int]] = {}
    for pi, pl in enumerate(pop.platforms):
        kinds = defaultdict(int)
        for i in pop.on(pi):
            kinds[truth_kind(pop, i)] += 1
        counts[pl.name] = dict(sorted(kinds.items()))
    return {
        "generator": "vigil.synth", "seed": seed, "params": as_dict(p),
        "platforms": [{"name": pl.name, "role": pl.role, "id_style": pl.id_style, "image_mode": pl.image_mode}
                      for pl in pop.platforms],
        "n_rings": pop.n_rings, "formats": formats, "counts": counts,
        "rows": {"accounts": pop.n, "posts": len(posts), "edges": int(edge_kinds.sum()) + n_external,
                 "edges_by_kind": {k: int(c) for k, c in sorted(zip(EDGE_KINDS, edge_kinds)) if c},
                 "recommendations": int(len(recs.viewer))},
        "rejects": len(reject_lines), "emergent": vocab.emergent,
        "misspellings": dict(sorted(vocab.misspellings.items())[:50]),
        "timings_s": timings,
    }
