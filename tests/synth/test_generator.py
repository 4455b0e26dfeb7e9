"""The generator writes valid, exact and varied worlds."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.synth.conftest import export_file, iter_records, truth_rejects
from vigil import schemas
from vigil.synth import generate_world
from vigil.synth.media import hamming
from vigil.synth.words import CODAS, ONSETS, SAMPLE_WORDS, VOWELS

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
REQUIRED = {"accounts": ("platform", "account_id"), "posts": ("platform", "post_id", "account_id"),
            "edges": ("platform", "src", "dst", "kind"), "recommendations": ("platform", "viewer_id", "surface", "item_id")}
TIME = {"accounts": "created_at", "posts": "created_at", "edges": "created_at", "recommendations": "shown_at"}


def _valid_time(v) -> bool:
    if not isinstance(v, str) or not RFC3339.match(v):
        return False
    try:
        datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def contract_problem(table: str, rec) -> str | None:
    """Why a record breaks the data contract (None when it is valid)."""
    if rec is None:
        return "not a JSON object"
    for f in REQUIRED[table]:
        if not isinstance(rec.get(f), str) or not rec.get(f):
            return f"required {f}"
    t = rec.get(TIME[table])
    if t is not None and not _valid_time(t):
        return "timestamp"
    if table == "edges" and rec["kind"] not in schemas.EDGE_KINDS:
        return "edge kind"
    if table == "recommendations" and rec["surface"] not in schemas.SURFACES:
        return "surface"
    if table == "posts" and rec.get("kind") not in (None, *schemas.POST_KINDS):
        return "post kind"
    if table == "accounts" and rec.get("profile_image_pdq") and not re.fullmatch(r"[0-9a-f]{64}", rec["profile_image_pdq"]):
        return "pdq"
    return None


def load_valid(world) -> tuple[dict[str, list[dict]], set[tuple[str, int]]]:
    valid, invalid = {}, set()
    for table in REQUIRED:
        rows = []
        for name, line, rec in iter_records(world.export_dir, table):
            if contract_problem(table, rec):
                invalid.add((name, line))
            else:
                rows.append(rec)
        valid[table] = rows
    return valid, invalid


@pytest.fixture(scope="module")
def data_a(world_a):
    return load_valid(world_a)


def _truth_accounts(world) -> list[dict]:
    with open(world.truth_dir / "truth_accounts.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# --- contract validity --------------------------------------------------------------------


def test_every_broken_line_is_in_the_truth_and_nothing_else_is_broken(world_a, data_a):
    _, invalid = data_a
    n, lines = truth_rejects(world_a.truth_dir)
    assert n == len(lines) > 0
    assert invalid == lines


def test_records_carry_contract_fields_and_types(world_a, data_a):
    valid, _ = data_a
    for r in valid["posts"]:
        assert r.get("kind") in schemas.POST_KINDS
        media = r.get("media") or []
        if isinstance(media, str):
            media = json.loads(media)
        for m in media:
            assert m["media_id"] and re.fullmatch(r"[0-9a-f]{64}", m["pdq"])
    kinds = {r["kind"] for r in valid["edges"]}
    assert {"follow", "like", "comment", "mention", "repost", "message"} <= kinds
    surfaces = {r["surface"] for r in valid["recommendations"]}
    assert {"suggested_accounts", "explore", "search", "hashtag"} <= surfaces
    for r in valid["recommendations"]:
        if r["surface"] in ("search", "hashtag"):
            assert r.get("query")
    assert len({r["platform"] for r in valid["accounts"]}) >= 2


def test_profile_images_exist_and_the_default_avatar_is_shared(world_a, data_a):
    valid, _ = data_a
    paths = [r["profile_image"] for r in valid["accounts"] if r.get("profile_image")]
    assert paths, "an image world has profile pictures as files"
    for p in set(paths):
        assert (world_a.export_dir / p).is_file(), p
        assert not Path(p).is_absolute() and ".." not in p
    counts = defaultdict(int)
    for r in valid["accounts"]:
        counts[r.get("profile_image") or r.get("profile_image_pdq")] += 1
    counts.pop(None, None)
    assert max(counts.values()) >= 20, "one picture (the default avatar) is shared by many accounts"


# --- truth consistency --------------------------------------------------------------------


def test_truth_accounts_match_the_export(world_a, data_a):
    valid, _ = data_a
    exported = {(r["platform"], r["account_id"]) for r in valid["accounts"]}
    truth = _truth_accounts(world_a)
    assert {(r["platform"], r["account_id"]) for r in truth} == exported
    assert len(truth) == len(exported)
    roles = {r["role"] for r in truth}
    assert {"seller", "buyer", "facilitator", "none"} == roles
    for r in truth:
        if r["kind"] in ("seller", "backup_seller"):
            assert r["role"] == "seller" and r["network"]
        elif r["kind"] in ("buyer", "facilitator"):
            assert r["role"] == r["kind"] and r["network"]
        else:
            assert r["role"] == "none" and not r["network"]
    kinds = {r["kind"] for r in truth}
    for decoy in ("advocate", "adult_creator", "adult_fan", "teen", "default_avatar", "backup_seller"):
        assert decoy in kinds, decoy
    seeds = {tuple(line.split(",")) for line in world_a.seeds.read_text().split()}
    assert seeds == {(r["platform"], r["account_id"]) for r in truth if r["seed"] == "1"}
    assert seeds and all(r["role"] != "none" for r in truth if r["seed"] == "1")


def test_truth_links_point_at_accounts_and_backups_follow_a_quiet_original(world_a, data_a):
    valid, _ = data_a
    accounts = {(r["platform"], r["account_id"]): r for r in valid["accounts"]}
    last_post = defaultdict(str)
    for p in valid["posts"]:
        if p.get("kind") != "comment":
            k = (p["platform"], p["account_id"])
            last_post[k] = max(last_post[k], p.get("created_at", ""))
    with open(world_a.truth_dir / "truth_links.csv", newline="") as f:
        links = list(csv.DictReader(f))
    assert any(lk["kind"] == "backup" for lk in links)
    assert any(lk["kind"] == "buyer" for lk in links)
    for lk in links:
        a, b = (lk["platform_a"], lk["account_a"]), (lk["platform_b"], lk["account_b"])
        assert a in accounts and b in accounts
        if lk["kind"] == "backup":
            assert a[0] == b[0]
            orig, backup = sorted([accounts[a], accounts[b]], key=lambda r: r["created_at"])
            last = last_post[(orig["platform"], orig["account_id"])][:19]
            assert last <= backup["created_at"][:19], "the original went quiet before its backup appeared"


def test_truth_media_are_near_copies_of_bank_hashes(world_a):
    bank = {}
    with open(world_a.hashbank, newline="") as f:
        for r in csv.DictReader(f):
            bank[r["signal"]] = r["signal_type"]
    with open(world_a.truth_dir / "truth_media.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    assert any(int(r["distance"]) <= 31 for r in rows if r["signal_type"] == "pdq")
    for r in rows:
        assert r["bank_pdq"] in bank
        if r["signal_type"] == "pdq":
            assert hamming(r["media_pdq"], r["bank_pdq"]) == int(r["distance"])


def test_audit_truth_recomputes_from_the_export(world_a, data_a):
    """The contract's formula, computed here independently from the written files."""
    valid, _ = data_a
    truth = _truth_accounts(world_a)
    sellers = {(r["platform"], r["account_id"]) for r in truth if r["role"] == "seller"}
    n_accounts = defaultdict(int)
    for r in valid["accounts"]:
        n_accounts[r["platform"]] += 1
    adjacent = {(e["platform"], e["src"]) for e in valid["edges"]
                if e["kind"] == "follow" and (e["platform"], e["dst"]) in sellers}
    author = {(p["platform"], p["post_id"]): p["account_id"] for p in valid["posts"]}
    tallies = defaultdict(lambda: [0, 0, 0, 0])  # adjacent n, adjacent flagged, other n, other flagged
    for r in valid["recommendations"]:
        item = r["item_id"] if r.get("item_kind", "account") == "account" else author.get((r["platform"], r["item_id"]))
        flagged = (r["platform"], item) in sellers
        t = tallies[(r["platform"], r["surface"])]
        if (r["platform"], r["viewer_id"]) in adjacent:
            t[0] += 1
            t[1] += flagged
        else:
            t[2] += 1
            t[3] += flagged
    audit = json.loads((world_a.truth_dir / "truth_audit.json").read_text())["platforms"]
    checked = 0
    for (platform, surface), (an, af, on, of) in tallies.items():
        got = audit[platform]["surfaces"][surface]
        baseline = sum(1 for s in sellers if s[0] == platform) / n_accounts[platform]
        assert got["impressions"] == an + on
        assert got["adjacent_impressions"] == an
        assert got["baseline_share"] == pytest.approx(baseline)
        assert got["adjacent_flagged_share"] == pytest.approx(af / an if an else 0.0)
        assert got["other_flagged_share"] == pytest.approx(of / on if on else 0.0)
        assert got["lift"] == pytest.approx((af / an) / baseline if an and baseline else 0.0)
        checked += 1
    assert checked >= 8
    main = next(iter(audit))
    assert audit[main]["surfaces"]["suggested_accounts"]["lift"] > 1.0, "co-follow steers adjacent viewers to sellers"
    assert any(v["queries"] for v in audit.values()), "some queries lead to sellers"


def test_recommendations_come_from_the_follow_graph(world_a, data_a):
    """Suggested accounts are never already followed, and are reached within the follow graph."""
    valid, _ = data_a
    follows = {(e["platform"], e["src"], e["dst"]) for e in valid["edges"] if e["kind"] == "follow"}
    sugg = [r for r in valid["recommendations"] if r["surface"] == "suggested_accounts"]
    assert sugg
    assert not any((r["platform"], r["viewer_id"], r["item_id"]) in follows for r in sugg)


# --- words -------------------------------------------------------------------------------


def _explicit_terms(world) -> list[str]:
    lex = yaml.safe_load(world.lexicon.read_text(encoding="utf-8"))
    ids = [s["id"] for s in lex["signals"]]
    assert len(ids) == len(set(ids)), "lexicon ids are unique"
    return [s["value"] for s in lex["signals"] if s["category"] == "explicit" and s["kind"] in ("term", "hashtag")]


def test_lexicon_words_are_invented(world_a, world_b):
    syllable = f"(?:{'|'.join(sorted(ONSETS, key=len, reverse=True))})(?:{'|'.join(sorted(VOWELS, key=len, reverse=True))})"
    word = re.compile(f"^(?:{syllable})+(?:{'|'.join(c for c in CODAS if c)})?")
    a, b = _explicit_terms(world_a), _explicit_terms(world_b)
    for t in a + b:
        assert word.match(t), f"{t!r} is not built from the generator's syllables"
        assert t not in SAMPLE_WORDS
    assert a and b
    assert not (set(a) & set(b)), "two worlds share no code words"


# --- determinism and variety -----------------------------------------------------------------


def _digest(world) -> dict[str, str]:
    out = {}
    for p in sorted(world.root.rglob("*")):
        if p.is_file() and p.name != "truth_summary.json":
            data = p.read_bytes()
            if p.name.endswith(".gz"):
                data = gzip.decompress(data)
            out[str(p.relative_to(world.root))] = hashlib.sha256(data).hexdigest()
    return out


def test_same_seed_same_world(tmp_path):
    a = generate_world(tmp_path / "a", accounts=400, seed=5)
    b = generate_world(tmp_path / "b", accounts=400, seed=5)
    da, db = _digest(a), _digest(b)
    assert da == db
    c = generate_world(tmp_path / "c", accounts=400, seed=6)
    assert _digest(c) != da


def test_two_seeds_give_structurally_different_worlds(world_a, world_b):
    sa, sb = world_a.summary, world_b.summary
    pa, pb = sa["params"], sb["params"]
    differing = [k for k in ("seller", "ring_size", "buyer_per_seller", "outdeg", "obf", "posts_mean", "backup",
                             "p_in_community", "viewer_frac") if pa[k] != pb[k]]
    assert len(differing) >= 8

    def shape(s):
        main = s["platforms"][0]["name"]
        c = s["counts"][main]
        n = sum(c.values())
        follows = s["rows"]["edges_by_kind"]["follow"]
        return np.array([c.get("seller", 0) / n, c.get("teen", 0) / n, follows / s["rows"]["accounts"],
                         s["rows"]["posts"] / s["rows"]["accounts"], s["n_rings"]])

    rel = np.abs(shape(sa) - shape(sb)) / np.maximum(np.abs(shape(sa)), 1e-9)
    assert (rel > 0.1).sum() >= 3, f"worlds too alike: {rel}"


def test_unknown_parameter_is_refused(tmp_path):
    with pytest.raises(TypeError, match="sellr"):
        generate_world(tmp_path, accounts=300, seed=1, sellr=0.1)


def test_parameters_can_be_fixed(tmp_path):
    w = generate_world(tmp_path, accounts=600, seed=3, images=False, n_platforms=2, seller=0.01)
    assert len(w.summary["platforms"]) == 2
    main = w.summary["platforms"][0]["name"]
    assert w.summary["counts"][main]["seller"] + w.summary["counts"][main].get("backup_seller", 0) >= 5
    assert not (w.export_dir / "media").exists()
    assert export_file(w.export_dir, "accounts").exists()


def test_generate_command_and_perfect_results_score_perfectly(tmp_path):
    """`vigil generate` writes a world; results equal to its truth meet every bar of `vigil eval`."""
    from typer.testing import CliRunner

    from tests.synth.conftest import synth_app

    app = synth_app()
    from vigil.evaluate import check_bars, evaluate

    res = CliRunner().invoke(app, ["generate", str(tmp_path / "w"), "--accounts", "500", "--seed", "9",
                                   "--no-images", "--no-progress"])
    assert res.exit_code == 0, res.output
    truth = tmp_path / "w" / "truth"
    out = tmp_path / "results"
    out.mkdir()
    rows = list(csv.DictReader(open(truth / "truth_accounts.csv", newline="")))
    with open(out / "accounts.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["platform", "account_id", "score", "role", "community", "reasons"])
        for r in rows:
            w.writerow([r["platform"], r["account_id"], 1.0 if r["role"] != "none" else 0.0, r["role"], "", ""])
    links = list(csv.DictReader(open(truth / "truth_links.csv", newline="")))
    with open(out / "links.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["platform_a", "account_a", "platform_b", "account_b", "score", "evidence"])
        for r in links:
            w.writerow([r["platform_a"], r["account_a"], r["platform_b"], r["account_b"], 1.0, "truth"])
    (out / "recommendation_audit.json").write_text((truth / "truth_audit.json").read_text())
    n = int((truth / "truth_rejects.txt").read_text().split()[0])
    (out / "rejects.jsonl").write_text("".join(json.dumps({"file": "x", "line": i, "reason": "r"}) + "\n" for i in range(n)))
    m = evaluate(out, truth)
    assert all(check_bars(m["summary"]).values()), m["summary"]
    assert m["summary"]["benign_fpr"] == 0.0
