"""Link and role F1 of one world written twice: invented platform names, and real ones
(instagram / twitter / linkedin, with x.com, twitter.com, instagr.am, `ig: h`, `X: @h` forms).

    .venv/bin/python bench/real_platform_names.py [--accounts N] [--seed S]

The bar (issue 14): real-name link F1 >= 0.9 and within 0.02 of the invented-name world, role
F1 unchanged."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from vigil.evaluate import evaluate
from vigil.pipeline import RunOptions, investigate
from vigil.synth import generate_world

KEYS = ("link_f1", "link_f1_network", "link_f1_cross_platform", "network_links_in_truth", "role_f1_seller", "role_f1_buyer", "role_f1_facilitator", "role_f1_any")


def measure(root: Path, accounts: int, seed: int, real: bool, preset: str = "default") -> dict:
    w = generate_world(root / "world", accounts=accounts, seed=seed, images=False, real_platform_names=real,
                       preset=preset)
    investigate(RunOptions(export_dir=w.export_dir, lexicon=w.lexicon, hashes=[w.hashbank], seeds=w.seeds,
                           out_dir=root / "results"))
    m = evaluate(root / "results", w.truth_dir)
    s = dict(m["summary"])
    s["link_f1_cross_platform"] = m["links"]["cross_platform"]["f1"]
    s["network_links_in_truth"] = float(m["links"]["network"]["tp"] + m["links"]["network"]["fn"])
    for role in ("seller", "buyer", "facilitator", "any"):
        s[f"role_f1_{role}"] = m["roles"][role]["f1"]
    return s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--preset", default="default")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inv = measure(Path(tmp) / "invented", a.accounts, a.seed, False, a.preset)
        real = measure(Path(tmp) / "real", a.accounts, a.seed, True, a.preset)
    print(f"world: {a.accounts} accounts, seed {a.seed}, preset {a.preset}")
    print(f"{'metric':<22}{'invented':>10}{'real':>10}{'diff':>10}")
    for k in KEYS:
        if k in inv:
            print(f"{k:<22}{inv[k]:>10.3f}{real[k]:>10.3f}{real[k] - inv[k]:>+10.3f}")


if __name__ == "__main__":
    main()
