"""A results folder built from the sample with the TRUE roles standing in for the graph stage,
a hostile profile, hash matches and evidence spans, so the report has every section to draw."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pytest

from tests.audit.conftest import build_sample_workspace, truth_scores
from vigil import schemas
from vigil.audit import run_audit
from vigil.pipeline import write_contract_files

HOSTILE_BIO = '</td><script>alert("bio")</script><img src=x onerror=alert(1)> menu $\\alpha$ & prices'
HOSTILE_HANDLE = '"><svg onload=alert(2)>$x$'


def _rewrite(ws, name: str, sql: str) -> None:
    con = ws.connect()
    t = con.sql(sql).to_arrow_table()
    con.close()
    ws.write(name, t)


@pytest.fixture(scope="session")
def sample_results(tmp_path_factory, sample_world: Path, sample_truth: Path) -> Path:
    out = tmp_path_factory.mktemp("report") / "results"
    ws = build_sample_workspace(sample_world, out / "workspace")
    scores = truth_scores(sample_truth)
    roles = scores.column("role").to_pylist()
    score = [0.92 if r == "seller" else 0.75 if r in ("buyer", "facilitator") else 0.02 for r in roles]
    community = [("ring-" + (c or "0")) if r != "none" else None
                 for r, c in zip(roles, scores.column("community").to_pylist())]
    reasons = ["sale terms in bio; hash match; follows other sellers" if r == "seller" else
               "buyer-request comments on sellers' posts" if r == "buyer" else
               "promotes sellers' handles" if r == "facilitator" else "" for r in roles]
    scores = scores.set_column(scores.schema.get_field_index("score"), "score", pa.array(score))
    scores = scores.set_column(scores.schema.get_field_index("community"), "community", pa.array(community, pa.string()))
    scores = scores.set_column(scores.schema.get_field_index("reasons"), "reasons", pa.array(reasons, pa.string()))
    ws.write("scores", scores)
    first_seller = next(a for a, r in zip(scores.column("account_id").to_pylist(), roles) if r == "seller")
    _rewrite(ws, "accounts", f"""
        SELECT * REPLACE (
          CASE WHEN account_id = '{first_seller}' THEN {_lit(HOSTILE_BIO)} ELSE bio END AS bio,
          CASE WHEN account_id = '{first_seller}' THEN {_lit(HOSTILE_HANDLE)} ELSE handle END AS handle)
        FROM accounts""")
    # media matches: the truth's known media, attributed to their posts' authors
    tm = sample_truth / "truth_media.csv"
    _rewrite(ws, "media_matches", f"""
        SELECT p.platform, p.account_id, t.post_id, t.media_id, 'pdq' AS signal_type, t.media_pdq AS signal,
               'test-bank' AS bank, 'known-test-content' AS category, t.bank_pdq AS bank_signal,
               t.distance::INTEGER AS distance
        FROM read_csv('{tm}', all_varchar=true) t JOIN posts p ON p.platform = t.platform AND p.post_id = t.post_id""")
    # evidence spans: one per seller post (invented words only)
    _rewrite(ws, "signal_hits", """
        SELECT p.platform, p.account_id, p.post_id, 'text' AS field, 'test:sale-menu' AS signal_id, 'sale' AS category,
               1.0 AS weight, 'use' AS context, 0::INTEGER AS start, 11::INTEGER AS "end", 'vexkin menu' AS matched,
               false AS obfuscated, '' AS tags
        FROM posts p SEMI JOIN scores s ON s.platform = p.platform AND s.account_id = p.account_id AND s.role = 'seller'
        QUALIFY row_number() OVER (PARTITION BY p.platform, p.account_id ORDER BY p.post_id) <= 2""")
    signals_row = {f.name: None for f in schemas.ACCOUNT_SIGNALS}
    signals_row.update({"platform": "photogram", "account_id": first_seller, "request": 1.0})
    ws.write("account_signals", pa.Table.from_pylist([signals_row], schema=schemas.ACCOUNT_SIGNALS))
    with open(sample_truth / "truth_links.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] != "benign"]
    ws.write("links", pa.Table.from_pylist([
        {"platform_a": r["platform_a"], "account_a": r["account_a"], "platform_b": r["platform_b"],
         "account_b": r["account_b"], "score": 0.9, "evidence": f"profile image PDQ distance {r['pdq_distance']}"}
        for r in rows], schema=schemas.LINKS))
    con = ws.connect()
    comm = con.sql("""
        SELECT community, platform, count(*) AS size, count(*) FILTER (WHERE role = 'seller') AS sellers,
               count(*) FILTER (WHERE role = 'buyer') AS buyers, count(*) FILTER (WHERE role = 'facilitator') AS facilitators,
               '' AS top_signals, 'sale ring <b>test</b>' AS summary
        FROM scores WHERE community IS NOT NULL GROUP BY ALL""").to_arrow_table()
    con.close()
    ws.write("communities", comm)
    result = run_audit(ws)
    (out / "recommendation_audit.json").write_text(json.dumps(result.audit), encoding="utf-8")
    (out / "mitigations.json").write_text(json.dumps(result.mitigations), encoding="utf-8")
    write_contract_files(ws, out)
    return out


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"
