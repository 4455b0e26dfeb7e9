"""Sign-in lockout through the HTML form: refusal, its message, the cooldown and the audit trail.
Time is the app's injectable clock (`app.state.clock`), moved instead of slept."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.web.helpers import PASSWORD, login
from vigil.cases.login_throttle import LOCKOUT, MAX_FAILURES
from vigil.cases.models import utcnow
from vigil.web import auth


@pytest.fixture
def clock(app):
    """A settable clock for the app: clock.now is what the app sees as now."""

    class Clock:
        now = utcnow().replace(microsecond=0)

        def advance(self, delta: timedelta) -> None:
            self.now += delta

    c = Clock()
    app.state.clock = lambda: c.now
    return c


def attempt(client: TestClient, username: str, password: str):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def error_of(response) -> str:
    return re.search(r'<p class="error" role="alert">([^<]*)</p>', response.text).group(1)


def lock_out(client, username: str, clock) -> list:
    responses = []
    for _ in range(MAX_FAILURES):
        responses.append(attempt(client, username, "not the password at all"))
        clock.advance(timedelta(seconds=1))
    return responses


def test_the_right_password_is_refused_while_locked_out(app, clock):
    c = TestClient(app)
    for r in lock_out(c, "reviewer", clock):
        assert r.status_code == 401 and error_of(r) == auth.WRONG_LOGIN
    r = attempt(c, "reviewer", PASSWORD)
    assert r.status_code == 429 and auth.SESSION_COOKIE not in r.cookies
    assert error_of(r) == "Too many failed sign-ins for this username. Try again in 15 minute(s)."
    assert 0 < int(r.headers["retry-after"]) <= LOCKOUT.total_seconds()
    assert c.get("/api/me").status_code == 401


def test_an_unknown_username_gets_exactly_the_same_answers(app, clock):
    known, unknown = TestClient(app), TestClient(app)
    known_answers = [(r.status_code, error_of(r)) for r in lock_out(known, "reviewer", clock)]
    clock.now -= timedelta(seconds=MAX_FAILURES)  # the same moments for the unknown name
    unknown_answers = [(r.status_code, error_of(r)) for r in lock_out(unknown, "zorvenk_nobody", clock)]
    assert known_answers == unknown_answers
    a, b = attempt(known, "reviewer", PASSWORD), attempt(unknown, "zorvenk_nobody", PASSWORD)
    assert (a.status_code, error_of(a), a.headers["retry-after"]) == (b.status_code, error_of(b), b.headers["retry-after"])


def test_signing_in_works_again_after_the_cooldown(app, clock):
    c = TestClient(app)
    lock_out(c, "reviewer", clock)
    clock.advance(LOCKOUT - timedelta(seconds=2))
    assert attempt(c, "reviewer", PASSWORD).status_code == 429
    clock.advance(timedelta(seconds=2))
    assert login(c, "reviewer")


def test_a_success_resets_the_count(app, clock):
    c = TestClient(app)
    for _ in range(MAX_FAILURES - 1):
        attempt(c, "reviewer", "not the password at all")
    assert attempt(c, "reviewer", PASSWORD).status_code == 303
    for _ in range(MAX_FAILURES - 1):
        assert attempt(c, "reviewer", "not the password at all").status_code == 401
    assert attempt(c, "reviewer", PASSWORD).status_code == 303


def test_lockouts_and_refused_attempts_are_audited(app, clock, client_as):
    c = TestClient(app)
    lock_out(c, "reviewer", clock)
    attempt(c, "reviewer", PASSWORD)
    auditor, _ = client_as("auditor")
    failed = auditor.get("/api/events", params={"kind": "login_failed", "actor": "reviewer"}).json()["events"]
    assert [e["payload"]["reason"] for e in reversed(failed)] == ["wrong_password"] * MAX_FAILURES + ["locked_out"]
    locked = auditor.get("/api/events", params={"kind": "login_locked"}).json()["events"]
    assert [(e["actor"], e["payload"]["max_failures"]) for e in locked] == [("reviewer", MAX_FAILURES)]
    assert "login_locked" in auditor.get("/audit", params={"kind": "login_locked"}).text


def test_the_sign_in_page_shows_no_message_from_the_url(app):
    r = TestClient(app).get("/login", params={"error": "Call 555-0100 to unlock"})
    assert r.status_code == 200 and "555-0100" not in r.text
