"""The `hard` preset makes worlds where the network hides better and the export is partial."""

from __future__ import annotations

import csv
import json
import re
import unicodedata

import numpy as np
import pytest
import yaml

from tests.synth.conftest import iter_records
from tests.synth.test_generator import contract_problem
from vigil.synth import generate_world
from vigil.synth.params import HARD_RANGES, RANGES, draw_params

N = 900  # small: both worlds build in a few seconds without images
SEED = 404
STRIP = re.compile(r"[\s.*\-·_|~\u200b\u200c\u200d\u2060]")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("presets")
    return (generate_world(root / "default", accounts=N, seed=SEED, images=False),
            generate_world(root / "hard", accounts=N, seed=SEED, images=False, preset="hard"))


def _valid(world, table: str) -> list[dict]:
    """The export's records that meet the contract (broken lines are planted on purpose)."""
    return [r for _, _, r in iter_records(world.export_dir, table) if not contract_problem(table, r)]


def _truth(world) -> dict[tuple[str, str], dict]:
    with open(world.truth_dir / "truth_accounts.csv", newline="", encoding="utf-8") as f:
        return {(r["platform"], r["account_id"]): r for r in csv.DictReader(f)}


def _code_words(world) -> list[str]:
    lex = yaml.safe_load(world.lexicon.read_text(encoding="utf-8"))
    return [s["value"] for s in lex["signals"] if s["category"] == "explicit" and s["kind"] == "term"]


def _seller_posts(world) -> list[dict]:
    truth = _truth(world)
    return [r for r in _valid(world, "posts")
            if truth.get((r.get("platform"), r.get("account_id")), {}).get("role") == "seller"
            and r.get("kind") != "comment"]


def lexicon_hit_share(world) -> float:
    """Share of seller posts where a lexicon code word is visible after the easy normalisation
    (compatibility forms, case, separators, zero-width characters)."""
    words = _code_words(world)
    posts = _seller_posts(world)
    hits = 0
    for r in posts:
        text = STRIP.sub("", unicodedata.normalize("NFKC", r.get("text") or "")).lower()
        hits += any(w in text for w in words)
    return hits / len(posts)


def test_default_preset_draws_exactly_the_default_world():
    a = draw_params(np.random.default_rng(5), {})
    b = draw_params(np.random.default_rng(5), {}, "default")
    assert a == b and a.preset == "default"
    with pytest.raises(ValueError, match="nightmare"):
        draw_params(np.random.default_rng(5), {}, "nightmare")


def test_hard_knobs_are_drawn_per_seed_and_can_still_be_fixed():
    h1 = draw_params(np.random.default_rng(1), {}, "hard")
    h2 = draw_params(np.random.default_rng(2), {}, "hard")
    assert h1.preset == "hard"
    moved = [k for k in HARD_RANGES if getattr(h1, k) != getattr(h2, k)]
    assert len(moved) >= len(HARD_RANGES) - 3, "hard worlds differ from each other too"
    # Knobs the preset leaves alone keep their default draw for the seed.
    d1 = draw_params(np.random.default_rng(1), {})
    assert all(getattr(h1, k) == getattr(d1, k) for k in RANGES if k not in HARD_RANGES)
    assert draw_params(np.random.default_rng(1), {"edge_keep": 1.0}, "hard").edge_keep == 1.0


def test_hard_sellers_show_fewer_lexicon_words(pair):
    default, hard = pair
    d, h = lexicon_hit_share(default), lexicon_hit_share(hard)
    assert h < d, f"hard sellers should say less: {h:.2f} vs {d:.2f}"
    assert h < 0.5


def test_hard_sellers_post_terse_posts_without_sale_words(pair):
    """Posts that carry neither a sale phrase nor a menu price: an emoji, a lock, maybe one tag."""
    from vigil.synth.texts import PAYMENT_WORDS, SALE_PHRASES

    def terse_share(world):
        posts = [r for r in _seller_posts(world) if r.get("kind") == "post"]
        plain = [r for r in posts if not any(x in (r.get("text") or "").lower() for x in SALE_PHRASES + PAYMENT_WORDS)
                 and "$" not in (r.get("text") or "")]
        return len(plain) / len(posts)

    assert terse_share(pair[1]) > terse_share(pair[0]) + 0.1


def test_hard_export_is_partial(pair):
    default, hard = pair
    field_share = {}
    for world, partial in ((default, False), (hard, True)):
        ids = {(r["platform"], r["account_id"]) for r in _valid(world, "accounts")}
        edges = _valid(world, "edges")
        dangling = sum(1 for r in edges if (r["platform"], r["dst"]) not in ids
                       or (r["platform"], r["src"]) not in ids) / len(edges)
        tagged = [r for r in _valid(world, "posts") if "#" in (r.get("text") or "")]
        field_share[partial] = sum(1 for r in tagged if r.get("hashtags")) / len(tagged)
        truth_ids = set(_truth(world))
        assert truth_ids == ids, "truth lists exactly the exported accounts"
        if partial:
            assert dangling > 0.02 and world.summary["partial_export"]["missing_accounts"] > 0
        else:
            assert dangling < 0.02 and world.summary["partial_export"]["missing_accounts"] == 0
    assert field_share[True] < 0.5 < field_share[False], "hard posts mostly leave hashtags to the text"


def test_hard_buyers_ask_less_and_message_more(pair):
    def rates(world):
        truth = _truth(world)
        buyers = {k for k, r in truth.items() if r["role"] == "buyer"}
        commenters = {(r["platform"], r["account_id"]) for r in _valid(world, "posts") if r.get("kind") == "comment"}
        msg = {(r["platform"], r["src"]) for r in _valid(world, "edges") if r["kind"] == "message"}
        return len(buyers & commenters) / len(buyers), len(buyers & msg) / len(buyers)

    (dc, _), (hc, hm) = rates(pair[0]), rates(pair[1])
    assert hc < dc
    assert hm > 0.5


def test_hard_summary_records_the_preset(pair):
    s = json.loads((pair[1].truth_dir / "truth_summary.json").read_text(encoding="utf-8"))
    assert s["params"]["preset"] == "hard"
    assert s["params"]["edge_keep"] < 1.0
