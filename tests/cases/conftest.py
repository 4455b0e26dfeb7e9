from __future__ import annotations

import pytest

from tests.cases.fixtures import build_results, postgres_reachable, postgres_schema
from vigil.cases import db as dbmod


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'review.db'}"
        yield url
        db = dbmod._open.pop(url, None)
        if db is not None:
            db.engine.dispose()
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not reachable")
    with postgres_schema() as url:
        yield url


@pytest.fixture
def results(tmp_path):
    return build_results(tmp_path / "results")


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 with test-sized cost: production cost (~0.5 s a hash here) would dominate the suite."""
    from argon2 import PasswordHasher

    from vigil.cases import users

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_hasher", cheap)
    monkeypatch.setattr(users, "_DUMMY_HASH", cheap.hash("vigil-no-such-user"))
