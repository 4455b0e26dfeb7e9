"""Shared set-up for web tests: an app over a loaded database, one user per role, signing in."""

from __future__ import annotations

import re

from vigil.cases import users
from vigil.cases.db import open_db

PASSWORD = "correct horse battery staple"
# One user per role, plus a reviewer holding both review roles.
USERS = {
    "admin": ["admin"],
    "investigator": ["investigator"],
    "reviewer": ["reviewer"],
    "child_safety_reviewer": ["child_safety_reviewer"],
    "auditor": ["auditor"],
}


def add_users(db_url: str, names: dict[str, list[str]] = USERS) -> None:
    db = open_db(db_url)
    for name, roles in names.items():
        users.create_user(db, users.CLI, name, PASSWORD, roles)


def login(client, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form, as a browser would; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    me = client.get("/api/me")
    assert me.status_code == 200, me.text
    return me.json()["csrf_token"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """uvicorn serving `app` on 127.0.0.1 in a background thread, for as long as the `with` lasts."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))

    def __enter__(self) -> "ServerThread":
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
