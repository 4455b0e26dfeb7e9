"""evaluate() on the sample's truth with results folders the test builds from it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from vigil.evaluate import check_bars, evaluate
from vigil.paths import shared_dir

TRUTH = shared_dir() / "worlds" / "sample-truth"
pytestmark = pytest.mark.skipif(not TRUTH.exists(), reason="shared sample truth not present")


def _truth_rows(name: str) -> list[dict]:
    with open(TRUTH / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write_results(out: Path, roles: dict, links: list[tuple], rejects: int, audit: dict) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "accounts.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["platform", "account_id", "score", "role", "community", "reasons"])
        for (p, a), role in roles.items():
            w.writerow([p, a, 0.9 if role != "none" else 0.1, role, "", "test"])
    with open(out / "links.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["platform_a", "account_a", "platform_b", "account_b", "score", "evidence"])
        for pa_, a, pb, b in links:
            w.writerow([pa_, a, pb, b, 0.9, "test"])
    with open(out / "rejects.jsonl", "w") as f:
        for i in range(rejects):
            f.write(json.dumps({"file": "posts.jsonl.gz", "line": i + 1, "reason": "x"}) + "\n")
    (out / "recommendation_audit.json").write_text(json.dumps(audit))
    (out / "terms.csv").write_text("term,score\n")
    return out


def _perfect(tmp_path: Path) -> tuple[dict, list, int, dict]:
    roles = {(r["platform"], r["account_id"]): r["role"] for r in _truth_rows("truth_accounts.csv")
             if r["role"] != "none"}
    links = [(r["platform_a"], r["account_a"], r["platform_b"], r["account_b"]) for r in _truth_rows("truth_links.csv")]
    rejects = int((TRUTH / "truth_rejects.txt").read_text().splitlines()[0])
    audit = json.loads((TRUTH / "truth_audit.json").read_text())
    return roles, links, rejects, audit


def test_perfect_results_meet_every_bar(tmp_path):
    roles, links, rejects, audit = _perfect(tmp_path)
    m = evaluate(_write_results(tmp_path / "r", roles, links, rejects, audit), TRUTH)
    s = m["summary"]
    assert s["seller_f1"] == 1.0 and s["buyer_f1"] == 1.0 and s["facilitator_f1"] == 1.0
    assert s["max_decoy_fpr"] == 0.0 and s["backup_seller_recall"] == 1.0
    assert s["link_f1"] == 1.0 and s["link_f1_network"] == 1.0 and s["weak_false_links"] == 0
    assert s["audit_max_rel_error"] == 0.0 and s["query_recall"] == 1.0 and s["rejects_match"]
    assert all(check_bars(s).values())


def test_errors_are_counted_where_they_happen(tmp_path):
    roles, links, rejects, audit = _perfect(tmp_path)
    truth = _truth_rows("truth_accounts.csv")
    sellers = [(r["platform"], r["account_id"]) for r in truth if r["role"] == "seller"]
    backups = [(r["platform"], r["account_id"]) for r in truth if r["kind"] == "backup_seller"]
    advocates = [(r["platform"], r["account_id"]) for r in truth if r["kind"] == "advocate"]
    traps = [(r["platform"], r["account_id"]) for r in truth if r["kind"] == "name_trap"]
    buyers = [(r["platform"], r["account_id"]) for r in truth if r["role"] == "buyer"]
    # Miss every backup seller, flag one advocate as a seller, call one buyer a facilitator.
    for k in backups:
        roles.pop(k)
    roles[advocates[0]] = "seller"
    roles[buyers[0]] = "facilitator"
    # One false link to a name trap, one true link dropped.
    links = links[1:] + [("photogram", buyers[1][1], traps[0][0], traps[0][1])]
    # Halve one surface's lift, drop one query.
    plat = next(iter(audit["platforms"]))
    surf = next(iter(audit["platforms"][plat]["surfaces"]))
    audit["platforms"][plat]["surfaces"][surf]["lift"] /= 2
    audit["platforms"][plat]["queries"] = audit["platforms"][plat]["queries"][1:]
    m = evaluate(_write_results(tmp_path / "r", roles, links, rejects - 3, audit), TRUTH)
    s = m["summary"]
    n_sellers = len(sellers)
    tp = n_sellers - len(backups)
    assert m["roles"]["seller"]["tp"] == tp and m["roles"]["seller"]["fp"] == 1
    assert s["seller_recall"] == pytest.approx(tp / n_sellers)
    assert s["seller_precision"] == pytest.approx(tp / (tp + 1))
    assert s["backup_seller_recall"] == 0.0
    assert m["decoys"]["advocate"]["flagged"] == 1
    assert s["max_decoy_fpr"] == pytest.approx(1 / len(advocates))
    assert m["roles"]["buyer"]["fn"] == 1 and m["roles"]["facilitator"]["fp"] == 1
    assert s["weak_false_links"] == 1
    assert m["links"]["all"]["tp"] == len(set(links)) - 1 and m["links"]["all"]["fn"] == 1
    assert s["audit_max_rel_error"] == pytest.approx(0.5)
    n_q = m["audit"]["queries_truth"]
    assert s["query_recall"] == pytest.approx((n_q - 1) / n_q)
    assert not s["rejects_match"] and m["rejects"]["results"] == rejects - 3
    bars = check_bars(s)
    assert not bars["seller_f1"] and not bars["backup_seller_recall"] and not bars["weak_false_links"]


def test_missing_results_name_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="accounts.csv"):
        evaluate(tmp_path, TRUTH)


def test_eval_command_prints_table(tmp_path):
    from typer.testing import CliRunner

    from tests.synth.conftest import synth_app

    app = synth_app()

    roles, links, rejects, audit = _perfect(tmp_path)
    out = _write_results(tmp_path / "r", roles, links, rejects, audit)
    res = CliRunner().invoke(app, ["eval", str(out), "--truth", str(TRUTH), "--json", str(tmp_path / "m.json")])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "m.json").read_text())["summary"]["seller_f1"] == 1.0
