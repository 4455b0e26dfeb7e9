"""Link blocking on Spark gives the embedded engine's candidate pair table, row for row, on a
hand-built table where every blocking key fires and each crowding limit cuts: near-duplicate
handles (retyped, a backup on the same platform, one handle crowded by look-alikes past the top-k),
shared bio links and contacts (and one shared by too many to identify anyone), real-name-like
handles and names on other platforms (and one name too common to block on), pointers, and
recompressed or mirrored copies of a profile picture."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from tests.engines.test_spark_parity import REPO, _spark_or_skip
from tests.link.test_link import _flip_bits, _rand_hash, accounts_table, background
from vigil.link.candidates import HANDLE_TOP_K, NAME_BLOCK_MAX
from vigil.link.profiles import MAX_ACCOUNTS_PER_PERSON

RADIUS = 63  # the widest picture radius the stage uses (link.stage.IMAGE_RADIUS_BOUNDS)
PLATFORMS = ("photogram", "chirp", "threadly")


def hand_built_rows() -> list[dict]:
    rng = np.random.default_rng(5)
    rows = background(n_per_platform=60, seed=3, n_pairs=12)
    pic = _rand_hash(rng)

    def acc(platform, aid, handle, name, bio="", links=None, pdq=None):
        rows.append({"platform": platform, "account_id": aid, "handle": handle, "display_name": name,
                     "bio": bio, "links": links, "profile_image_pdq": pdq})

    # near-duplicate handles: retyped across platforms, a backup on the same one
    acc("photogram", "n1", "noah.sells61", "N", pdq=pic)
    acc("chirp", "n2", "noahsells619", "nono", pdq=_flip_bits(pic, 20, rng))
    acc("threadly", "n3", "noah_sells_61x", "", pdq=_flip_bits(pic, 70, rng))
    acc("photogram", "n4", "noahsells62", "N")
    # a handle with more look-alikes on one platform than the top-k keeps
    for k in range(HANDLE_TOP_K + 5):
        acc("chirp", f"v{k}", f"velvetmoth{k:02d}", "")
    acc("photogram", "v", "velvetmoth", "Velvet")
    # shared bio links and contacts; one contact written by more accounts than one person runs
    acc("photogram", "b1", "sunnyside", "", bio="prints: linktr.ee/quietfern_shop tg: @quietfern")
    acc("chirp", "b2", "qf_prints", "", links=["https://linktr.ee/quietfern_shop"])
    acc("threadly", "b3", "fernprints", "", bio="telegram: @quietfern")
    for k in range(MAX_ACCOUNTS_PER_PERSON + 2):
        acc(PLATFORMS[k % 3], f"agency{k}", f"model{k}x", "", bio="bookings: hello@starlit-agency.example")
    # pointers, written as a profile URL and as `platform: @handle`
    acc("photogram", "p1", "mira.draws", "Mira", bio="also chirp.example/mira_sketches")
    acc("chirp", "p2", "mira_sketches", "Mira K")
    acc("threadly", "p3", "mk_art", "", bio="photogram: @mira.draws")
    # real-name-like handles and names on other platforms, and a name too common to block on
    acc("photogram", "r1", "emmagarcia", "Emma Garcia")
    acc("chirp", "r2", "emma_garcia", "Emma Garcia")
    acc("threadly", "r3", "garcia.emma", "Emma  García")
    for k in range(NAME_BLOCK_MAX + 1):
        acc("chirp", f"c{k}", f"user{k:04d}", "Olu Common")
    acc("photogram", "c", "olucommon", "Olu Common")
    return rows


def _pairs(prof, pairs: dict) -> list:
    return [[prof.platform[i], prof.account_id[i], prof.platform[j], prof.account_id[j], sorted(why)]
            for (i, j), why in pairs.items()]


def print_both_engines() -> None:
    """Run in a fresh process (the JVM first): both engines' pair tables over every account, with
    and without same-platform candidates, as JSON."""
    from vigil.engines.spark.link import SparkLink
    from vigil.engines.spark.session import spark_session

    spark = spark_session("local[2]", shuffle_partitions=2)
    from vigil.link.candidates import block, candidate_pairs, embedded_candidates
    from vigil.link.images import load_profile_images
    from vigil.link.profiles import build_profiles

    accounts = accounts_table(hand_built_rows())
    prof = build_profiles(accounts)
    imgs = load_profile_images(prof, accounts, None)
    engine = SparkLink(spark).engine()
    queries = list(range(len(prof)))
    # block() is candidate_pairs over the engine's rows: the rows are made once for both settings
    rows = {"embedded": embedded_candidates(prof, imgs, queries, RADIUS), "spark": engine.candidates(prof, imgs, queries, RADIUS)}
    out = {f"{e}/{same}": _pairs(prof, candidate_pairs(prof, r, same)) for e, r in rows.items() for same in (True, False)}
    # a bounded scope, as the stage blocks it: a few queries against every account
    few = [prof.index[("photogram", a)] for a in ("n1", "b1", "p1", "r1", "c", "v")]
    out["embedded/few"] = _pairs(prof, block(prof, imgs, few, RADIUS))
    out["spark/few"] = _pairs(prof, block(prof, imgs, few, RADIUS, engine=engine))
    # past the wide picture search's budget: the first 50 pictured accounts wide, the rest exact
    from vigil.link import candidates

    _, indexed = imgs.index()
    candidates.WIDE_PICTURE_COMPARISONS = 50 * len(indexed)
    out["embedded/budget"] = _pairs(prof, block(prof, imgs, queries[::-1], RADIUS))
    out["spark/budget"] = _pairs(prof, block(prof, imgs, queries[::-1], RADIUS, engine=engine))
    out["budget_wide"] = candidates.picture_queries(imgs, queries[::-1]).wide_accounts
    print(json.dumps(out))


def test_spark_blocking_equals_embedded():
    _spark_or_skip()
    code = "from tests.engines.test_spark_link import print_both_engines; print_both_engines()"
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["budget_wide"] == 50
    pictured = {case: sum("image" in why for *_, why in got[f"embedded/{case}"]) for case in ("True", "budget")}
    assert 0 < pictured["budget"] < pictured["True"], f"the budget left no wide picture pair unfound: {pictured}"
    for case in ("True", "False", "few", "budget"):
        emb, spk = got[f"embedded/{case}"], got[f"spark/{case}"]
        assert emb, f"{case}: no candidates at all: nothing was compared"
        assert spk == emb, f"{case}: Spark blocking differs: {len(spk)} vs {len(emb)} pairs, first difference " \
                           f"{next(((a, b) for a, b in zip(spk, emb) if a != b), None)}"
    emb = got["embedded/True"]
    keys = {k for *_, why in emb for k in why}
    assert keys == {"pointer", "identifier", "name", "handle", "image"}, keys
    found = {(a, b): why for _, a, _, b, why in emb}
    # each planted case found by its key, and each crowding limit applied
    assert "handle" in found[("n1", "n2")] and "handle" in found[("n1", "n4")]
    assert "image" in found[("n1", "n2")] and "image" not in found.get(("n1", "n3"), [])
    assert "identifier" in found[("b1", "b2")] and "identifier" in found[("b1", "b3")]
    assert not [k for k, why in found.items() if k[0].startswith("agency") and "identifier" in why], "crowded contact"
    assert "pointer" in found[("p1", "p2")] and "pointer" in found[("p3", "p1")] and "pointer" in found[("p1", "p3")]
    assert "name" in found[("r1", "r2")] and "name" in found[("r1", "r3")]
    assert not [k for k, why in found.items() if k[0] == "c" and "name" in why], "a crowded name blocked"
    velvet = [k for k, why in found.items() if k[0] == "v" and "handle" in why]
    assert len(velvet) == HANDLE_TOP_K, "the handle top-k per platform"
