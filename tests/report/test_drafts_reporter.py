"""Drafts made with the placeholder reporter say so; groupIdentifier names the platform once."""

from __future__ import annotations

import json
from types import SimpleNamespace

from lxml import etree

from vigil.report import build, cybertip
from vigil.report.config import ReportConfig, placeholder_reporter
from tests.report.test_cybertipline import make_case


def test_group_identifier_does_not_repeat_the_platform(shared):
    for community in ("photogram:c7", "c7"):
        doc = cybertip.build_report_xml(make_case(community=community), ReportConfig())
        groups = {g.text for g in etree.fromstring(doc).iter("groupIdentifier")}
        assert groups == {"vigil-network:photogram:c7"}


def test_placeholder_reporter_is_warned_and_recorded(tmp_path, shared, monkeypatch):
    cfg = ReportConfig()
    assert placeholder_reporter(cfg)
    monkeypatch.setattr(build.exports, "write_manifest", lambda *a, **k: None)
    build.write_drafts(SimpleNamespace(root=str(tmp_path)), tmp_path / "d", cfg, [make_case()])
    index = json.loads((tmp_path / "d" / "index.json").read_text())
    assert index["warnings"] and "placeholder" in index["warnings"][0]
    real = ReportConfig()
    real.reporter_email = "safety@platform-we-run.net"
    assert not placeholder_reporter(real)
    build.write_drafts(SimpleNamespace(root=str(tmp_path)), tmp_path / "e", real, [make_case()])
    assert json.loads((tmp_path / "e" / "index.json").read_text())["warnings"] == []
