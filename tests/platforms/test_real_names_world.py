"""The same world written with real platform names links as well as with invented names."""

from vigil.evaluate import evaluate
from vigil.pipeline import RunOptions, investigate
from vigil.synth import generate_world

# Issue 14's bar: real names within this much link F1 of the invented-name world.
MAX_LINK_F1_GAP = 0.02


def _scores(root, real):
    w = generate_world(root / "world", accounts=400, seed=21, images=False, real_platform_names=real)
    investigate(RunOptions(export_dir=w.export_dir, lexicon=w.lexicon, hashes=[w.hashbank], seeds=w.seeds,
                           out_dir=root / "results"))
    return evaluate(root / "results", w.truth_dir), w


def test_real_platform_names_link_like_invented_ones(tmp_path):
    inv, _ = _scores(tmp_path / "inv", False)
    real, w = _scores(tmp_path / "real", True)
    names = {r.split(",")[0] for r in (w.truth_dir / "truth_links.csv").read_text().splitlines()[1:]}
    assert names <= {"instagram", "twitter", "linkedin"}, names
    for key in ("link_f1", "link_f1_network"):
        assert abs(real["summary"][key] - inv["summary"][key]) <= MAX_LINK_F1_GAP, (key, real["summary"][key],
                                                                                     inv["summary"][key])
    assert real["summary"]["link_f1_network"] >= 0.9
    for role in ("seller", "buyer", "facilitator"):
        assert real["roles"][role]["f1"] == inv["roles"][role]["f1"]
