"""`vigil report`: report.html (escaped, self-contained, every plot drawn), validated drafts, exports."""

from __future__ import annotations

import json
import os
import re

import pytest

from tests.report.conftest import HOSTILE_BIO, HOSTILE_HANDLE
from vigil.report import build_report, cybertip
from vigil.report.config import ReportConfig
from vigil.report.exports import verify_manifest
from vigil.report.results import ESCALATE_MIN_SCORE, ESCALATE_ROLES, load_results

CHROMIUM = "/usr/bin/chromium"
PLOTS = ("plot-network", "plot-communities", "plot-lift", "plot-exposure", "plot-timeline")


@pytest.fixture(scope="module")
def report_dir(sample_results, tmp_path_factory):
    out = tmp_path_factory.mktemp("report-out")
    page = build_report(sample_results, out, ReportConfig(operator="analyst-7"))
    assert page == out / "report.html"
    return out


def test_one_valid_draft_per_escalated_account(report_dir, sample_results):
    res = load_results(sample_results)
    expected = {(a["platform"], a["account_id"]) for a in res.accounts
                if a["role"] in ESCALATE_ROLES and a["score"] >= ESCALATE_MIN_SCORE}
    index = json.loads((report_dir / "cybertipline" / "index.json").read_text())
    assert {(d["platform"], d["account_id"]) for d in index["drafts"]} == expected
    assert all(d["state"] == "draft" and d["sent"] is False for d in index["drafts"])
    xmls = sorted((report_dir / "cybertipline").glob("*.xml"))
    assert len(xmls) == len(expected) > 0
    for p in xmls:  # 100% of generated reports validate
        assert cybertip.validation_errors(p.read_bytes()) == [], p.name
    assert verify_manifest(report_dir / "cybertipline") == []


def test_drafts_carry_network_links_hashes_and_annotation(report_dir):
    index = json.loads((report_dir / "cybertipline" / "index.json").read_text())
    docs = {d["account_id"]: (report_dir / "cybertipline" / d["file"]).read_text(encoding="utf-8") for d in index["drafts"]}
    assert all("<groupIdentifier>vigil-network:" in d for d in docs.values())
    assert any('<associatedAccount type="Linked">' in d for d in docs.values())
    assert any("PDQ " in d for d in docs.values())  # matched media by hash, never the bytes
    buyers = [d for d in index["drafts"] if d["role"] == "buyer"]
    assert buyers and all(d["csam_solicitation"] for d in buyers)
    assert all("<csamSolicitation/>" in docs[d["account_id"]] for d in buyers)
    hostile = next(d for d in docs.values() if "onerror" in d)
    assert "&lt;script&gt;" in hostile and "<script>" not in hostile


def test_html_escapes_hostile_text_and_embeds_no_media(report_dir):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]*\son[a-z]+=", html)  # no tag carries an event handler
    assert "&lt;script&gt;alert(&#34;bio&#34;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;svg onload=alert(2)&gt;" in html
    assert "sale ring &lt;b&gt;test&lt;/b&gt;" in html
    srcs = re.findall(r'<img[^>]*src="([^"]*)"', html)
    assert len(srcs) == len(PLOTS) and all(s.startswith("data:image/svg+xml;base64,") for s in srcs)
    assert "http://" not in html.split("<body>")[1].replace("http://www.w3.org", "")  # nothing fetched
    for section in ("network", "communities", "evidence", "audit", "exposure", "links", "timeline", "mitigations"):
        assert f'<section id="{section}">' in html


def test_audit_numbers_and_mitigations_appear(report_dir, sample_results):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    audit = json.loads((sample_results / "recommendation_audit.json").read_text())
    lift = audit["platforms"]["photogram"]["surfaces"]["explore"]["lift"]
    assert f"{lift:.1f}" in html
    assert "#flenzoshop" in html and "exclude_from_candidates" in html


def test_enforcement_and_signal_exports(report_dir, sample_results):
    enf = report_dir / "exports" / "enforcement"
    rows = [json.loads(line) for line in (enf / "enforcement.jsonl").read_text().splitlines()]
    res = load_results(sample_results)
    assert len(rows) == len(res.flagged)
    for r in rows:
        assert {"platform", "account", "action", "reason", "evidence", "case_id"} <= set(r)
        assert r["case_id"] == f"vigil:{r['platform']}:{r['account']}"
    manifest = json.loads((enf / "manifest.json").read_text())
    assert manifest["created_by"] == "analyst-7" and manifest["created_at"].endswith("Z")
    assert verify_manifest(enf) == []
    sig = report_dir / "exports" / "signals"
    bundle = json.loads((sig / "signals.json").read_text())
    assert bundle["hashes"] and bundle["accounts"]
    assert verify_manifest(sig) == []


def test_signal_file_reads_in_python_threatexchange(report_dir):
    from threatexchange.exchanges.impl.file_api import FileCollaborationConfig, LocalFileSignalExchangeAPI
    from threatexchange.signal_type.pdq.signal import PdqSignal

    path = report_dir / "exports" / "signals" / "signals.te.txt"
    api = LocalFileSignalExchangeAPI(FileCollaborationConfig(name="vigil", filename=str(path)))
    (delta,) = list(api.fetch_iter([PdqSignal], None))
    pdqs = [s for (t, s) in delta.updates if t == "pdq"]
    assert pdqs and all(PdqSignal.validate_signal_str(s) == s for s in pdqs)


def test_manifest_detects_tampering(tmp_path, report_dir):
    import shutil

    copy = tmp_path / "enf"
    shutil.copytree(report_dir / "exports" / "enforcement", copy)
    with open(copy / "enforcement.jsonl", "a", encoding="utf-8") as f:
        f.write("{}\n")
    (copy / "extra.txt").write_text("x")
    problems = verify_manifest(copy)
    assert any("SHA-256 differs" in p for p in problems) and any("not in the manifest" in p for p in problems)


def test_cli_report_command(sample_results, tmp_path):
    from typer.testing import CliRunner

    from vigil.cli import app

    result = CliRunner().invoke(app, ["report", str(sample_results), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.html").exists() and list((tmp_path / "r" / "cybertipline").glob("*.xml"))


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (Debian package chromium)")
def test_report_renders_every_plot_in_chromium(report_dir):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            dialogs, errors = [], []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((report_dir / "report.html").as_uri())
            page.wait_for_load_state("load")
            for plot in PLOTS:
                size = page.evaluate(
                    "id => { const i = document.getElementById(id); return [i.complete, i.naturalWidth, i.naturalHeight,"
                    " i.getBoundingClientRect().width]; }", plot)
                assert size[0] and size[1] > 0 and size[2] > 0 and size[3] > 0, (plot, size)
            assert page.evaluate("document.images.length") == len(PLOTS)
            assert HOSTILE_BIO in page.inner_text("#evidence")  # shown as text, not run
            assert HOSTILE_HANDLE in page.inner_text("#evidence")
            assert dialogs == [] and errors == []
        finally:
            browser.close()


def test_cli_send_surfaces_failures_and_retries(report_dir, tmp_path, shared):
    import shutil

    from typer.testing import CliRunner

    from vigil.cli import app
    from vigil.report.escalate import Ledger
    from vigil.report.standin import StandInServer

    drafts = tmp_path / "cybertipline"
    shutil.copytree(report_dir / "cybertipline", drafts)
    index = json.loads((drafts / "index.json").read_text())
    keys = [f"{d['platform']}:{d['account_id']}" for d in index["drafts"][:2]]
    args = ["cybertip-send", str(drafts), "--only", keys[0], "--only", keys[1]]
    with StandInServer(password="s3cret-standin") as server:
        env = {"VIGIL_NCMEC_URL": server.url, "VIGIL_NCMEC_USERNAME": server.username,
               "VIGIL_NCMEC_PASSWORD": "s3cret-standin"}
        runner = CliRunner()
        assert runner.invoke(app, args, env=env).exit_code == 2  # no --confirm, nothing sent
        assert server.requests == []
        server.fail("submit", "reject")
        r = runner.invoke(app, args + ["--confirm"], env=env)
        assert r.exit_code == 1 and "FAILED" in r.output and "NOT sent" in r.output and "1 sent, 1 failed" in r.output
        assert "s3cret-standin" not in r.output
        states = {k: Ledger(drafts / "ledger.json").get(k)["state"] for k in keys}
        assert sorted(states.values()) == ["failed", "sent"]
        r = runner.invoke(app, args + ["--confirm"], env=env)
        assert r.exit_code == 0, r.output
        assert all(Ledger(drafts / "ledger.json").get(k)["state"] == "sent" for k in keys)
        assert sum(rep.state == "finished" for rep in server.reports.values()) == 2  # no duplicate


def test_a_reviewer_confirmed_case_becomes_a_valid_report(sample_results):
    from vigil.report.results import confirmed_case

    res = load_results(sample_results)
    low = next(a for a in res.accounts if a["role"] == "none")
    case = confirmed_case(res, low["platform"], low["account_id"], case_id="case-42")
    assert case.case_id == "case-42" and case.role == "none"
    doc = cybertip.build_report_xml(case, ReportConfig())
    assert cybertip.validation_errors(doc) == [] and b"Case case-42." in doc
    with pytest.raises(KeyError):
        confirmed_case(res, "photogram", "no-such-account")
