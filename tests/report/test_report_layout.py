"""report.html: a contents list linking every section; evidence collapsible and each line once."""

import re
from pathlib import Path

from vigil.report.build import unique

TEMPLATE = Path(__file__).resolve().parents[2] / "vigil" / "report" / "templates" / "report.html.j2"


def test_contents_links_every_section():
    html = TEMPLATE.read_text()
    ids = set(re.findall(r'<h2 id="([^"]+)"', html))
    links = set(re.findall(r'<a href="#([^"]+)"', html.split("</nav>")[0]))
    assert '<nav id="contents">' in html and len(links) >= 8
    assert links <= ids


def test_evidence_is_collapsible():
    assert "<details><summary>{{ a.evidence|length }}" in TEMPLATE.read_text()


def test_evidence_lines_and_reasons_once():
    assert unique(["post 9: 'menu'", "post 9:  'menu'", "bio: x", "post 9: 'menu'", ""]) == ["post 9: 'menu'", "bio: x"]
