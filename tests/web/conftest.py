from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.cases.fixtures import build_results
from tests.web.helpers import add_users, login
from vigil.cases import db as dbmod
from vigil.cases import load_results
from vigil.web.app import create_app


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'review.db'}"
    yield url
    db = dbmod._open.pop(url, None)
    if db is not None:
        db.engine.dispose()


@pytest.fixture
def loaded(db_url, tmp_path):
    load_results(db_url, build_results(tmp_path / "results"))
    add_users(db_url)
    return db_url


@pytest.fixture
def app(loaded):
    return create_app(loaded)


@pytest.fixture
def client_as(app):
    """client_as(username) -> (TestClient signed in as that user, csrf token)."""
    made = []

    def make(username: str):
        c = TestClient(app)
        made.append(c)
        return c, login(c, username)

    yield make
    for c in made:
        c.close()


@pytest.fixture
def case_ids(loaded):
    from sqlalchemy import select

    from vigil.cases.db import open_db
    from vigil.cases.models import Case

    with open_db(loaded).reading() as s:
        return {c.account_id: c.id for c in s.scalars(select(Case))}


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 with test-sized cost: production cost (~0.5 s a hash here) would dominate the suite."""
    from argon2 import PasswordHasher

    from vigil.cases import users

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_hasher", cheap)
    monkeypatch.setattr(users, "_DUMMY_HASH", cheap.hash("vigil-no-such-user"))
