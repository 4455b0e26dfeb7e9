"""The review app in a real browser: Debian's chromium driven by Playwright (never `playwright install`)."""

from __future__ import annotations

import os

import pytest

from tests.cases.fixtures import HOSTILE_BIO
from tests.web.helpers import PASSWORD, ServerThread
from vigil.cases.db import open_db
from vigil.cases.events import verify
from vigil.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (Debian package chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def server(loaded):
    with ServerThread(create_app(loaded)) as s:
        yield s


@pytest.fixture
def page_as(browser, server):
    contexts = []

    def make(username: str):
        ctx = browser.new_context(base_url=server.url)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("dialog", lambda d: (_ for _ in ()).throw(AssertionError(f"a dialog opened: {d.message}")))
        page.goto("/login")
        page.fill('input[name="username"]', username)
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url("**/queue")
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def test_log_in_claim_and_decide(page_as, loaded, server):
    page = page_as("child_safety_reviewer")
    assert "Review queue" in page.inner_text("h1")
    page.click("#claim-next")
    page.wait_for_url("**/cases/*")
    assert "vexkin_shop" in page.inner_text("h1")  # the best-scored case
    page.select_option("#decision", "confirm_seller")
    page.fill('form.decide input[name="note"]', "menu with prices")
    page.click("#decide")
    page.wait_for_selector("#undo")
    assert page.inner_text("#case-status").startswith("decided: confirm_seller")
    if page.locator('script[src*="cytoscape"]').count():
        page.wait_for_selector('#graph[data-ready="1"] canvas')  # the network view drew itself
    with open_db(loaded).reading() as s:
        assert verify(s) == []


def test_bulk_decision_over_a_community_and_undo(page_as):
    page = page_as("reviewer")
    page.goto("/communities/photogram/c2")
    rows = page.locator("tr.case-row").count()
    assert rows == 3
    page.check("input.select-all")
    page.select_option('#bulk-form select[name="decision"]', "clear")
    page.fill('#bulk-form input[name="note"]', "not a sale ring")
    page.click('#bulk-form button[type="submit"]')
    assert page.inner_text("#bulk-summary") == "Decided 3 case(s); skipped 0."
    page.click("text=Undo this bulk action")
    assert page.inner_text("#bulk-summary") == "Undid 3 decision(s); skipped 0."


def test_reviewer_without_child_safety_role_sees_none_of_those_cases(page_as, case_ids):
    page = page_as("reviewer")
    page.goto("/queue?status=")
    shown = {int(x) for x in page.locator("tr.case-row").evaluate_all("rs => rs.map(r => r.dataset.caseId)")}
    assert shown and not shown & {case_ids["s1"], case_ids["s3"]}
    assert page.locator(".tag.cs").count() == 0
    response = page.goto(f"/cases/{case_ids['s1']}")
    assert response.status == 404
    page.goto("/communities/photogram/c1")
    assert "vexkin_shop" not in page.content()


def test_hostile_bio_renders_as_text(page_as, case_ids):
    page = page_as("reviewer")
    page.goto(f"/cases/{case_ids['h1']}")
    assert page.inner_text("#bio") == HOSTILE_BIO
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#bio script, #bio img").count() == 0


def test_media_stays_blurred_until_clicked(page_as, case_ids, loaded):
    page = page_as("child_safety_reviewer")
    page.goto(f"/cases/{case_ids['s3']}")
    placeholder = page.locator(".media-tile .placeholder").first
    style = placeholder.evaluate("e => getComputedStyle(e).filter")
    assert "blur" in style and "grayscale" in style
    page.click(".media-tile")
    page.wait_for_selector(".media-tile.revealed")
    assert placeholder.evaluate("e => getComputedStyle(e).filter") == "none"
    from sqlalchemy import select

    from vigil.cases.models import Event

    with open_db(loaded).reading() as s:
        assert s.scalars(select(Event.actor).where(Event.kind == "reveal")).all() == ["child_safety_reviewer"]


def test_network_view_is_readable_and_the_page_has_no_csp_violation(page_as, case_ids, tmp_path):
    page = page_as("investigator")
    if not page.locator('script[src*="cytoscape"]').count() and page.goto("/static/vendor/cytoscape/cytoscape.min.js").status != 200:
        pytest.skip("cytoscape is not installed (npm ci --prefix vigil/web)")
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"/cases/{case_ids['s1']}")
    page.wait_for_selector('#graph[data-ready="1"] canvas')
    assert page.locator("#graph-legend").is_visible()
    legend = page.inner_text("#graph-legend")
    assert all(r in legend for r in ("seller", "buyer", "facilitator", "same person"))
    nodes = page.evaluate("""() => document.getElementById('graph').vigilGraph.nodes().map(n => {
        const b = n.renderedBoundingBox({includeLabels: true});
        return {label: n.data('label'), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2};
    })""")
    labels = {n["label"] for n in nodes}
    assert {"vexkin_shop", "buyer_one", "buyer_two", "helper_f"} <= labels
    assert not any(label.isdigit() for label in labels)
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            overlap = a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]
            assert not overlap, (a, b)
    shot = tmp_path / "network.png"
    page.locator("#graph").screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert not [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]
