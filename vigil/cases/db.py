"""Connecting to the review database and bringing its schema up to date.

SQLite serves one investigator on a laptop; PostgreSQL serves a team. Both get the same
migrations, run programmatically whenever the app starts or results are loaded, so nobody has
to remember an `alembic upgrade`.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_URL = "sqlite:///vigil.db"
MIGRATIONS = Path(__file__).parent / "migrations"
# A team of reviewers each holds a connection during a request; the bar is 20 at once.
POSTGRES_POOL_SIZE = 24
# How long a SQLite writer waits for another writer before failing (reviews are short writes).
SQLITE_BUSY_TIMEOUT_MS = 30_000


def default_db_url() -> str:
    return os.environ.get("VIGIL_DB", DEFAULT_DB_URL)


@dataclass
class Database:
    """An engine plus two session factories: `read` for pages, `write` for state changes.

    On SQLite a write transaction starts with BEGIN IMMEDIATE, so two writers queue on the
    busy timeout instead of one failing when it upgrades its read lock.
    """

    engine: Engine
    read: sessionmaker
    write: sessionmaker

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.read() as s:
            yield s

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error."""
        with self.write() as s, s.begin():
            yield s


_open: dict[str, Database] = {}
_lock = threading.Lock()


def open_db(url: str | None = None, *, migrate: bool = True) -> Database:
    """The database at `url` (one engine per URL per process), migrated to the newest schema."""
    url = url or default_db_url()
    with _lock:
        db = _open.get(url)
        if db is None:
            db = _open[url] = _connect(url)
            if migrate:
                upgrade(db.engine)
    return db


def close_all() -> None:
    with _lock:
        for db in _open.values():
            db.engine.dispose()
        _open.clear()


def _connect(url: str) -> Database:
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_size=POSTGRES_POOL_SIZE, max_overflow=8, pool_pre_ping=True)
    read = sessionmaker(engine, expire_on_commit=False)
    write = sessionmaker(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)
    return Database(engine=engine, read=read, write=write)


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    """WAL (readers never block the writer), foreign keys, and explicit BEGIN modes."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy issues BEGIN itself, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration not yet applied (a no-op on an up-to-date database)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Two processes starting at once must not both create the tables.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7151)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
