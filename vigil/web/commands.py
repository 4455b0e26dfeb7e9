"""`vigil serve` and `vigil user ...`: run the review app and manage who may use it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from vigil.progress import console

users_app = typer.Typer(no_args_is_help=True, help="Manage review-app users (roles: admin, investigator, reviewer, "
                        "child_safety_reviewer, auditor).")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(users_app, name="user")


def serve(
    db: Optional[str] = typer.Option(None, "--db", help="SQLAlchemy URL of the review database (default $VIGIL_DB or sqlite:///vigil.db)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark cookies Secure (behind HTTPS)."),
    claim_ttl_hours: Optional[float] = typer.Option(
        None, "--claim-ttl-hours", help="Hours after which a claim goes stale and may be taken over "
        "(default $VIGIL_CLAIM_TTL_HOURS or 8)."),
    create: bool = typer.Option(False, "--create", help="Create the SQLite database file if it does not exist "
                                "(without it, a path that does not exist is refused: it is usually a typo)."),
) -> None:
    """Run the review web app (pages at /, JSON API under /api/, described at /openapi.json)."""
    import os
    from datetime import timedelta

    import uvicorn

    from vigil.cases import claims
    from vigil.cases.db import default_db_url
    from vigil.web.app import create_app

    if claim_ttl_hours is not None:
        try:
            claims.checked_ttl(timedelta(hours=claim_ttl_hours))
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--claim-ttl-hours") from e
        # the environment is what every worker reads (claims.claim_ttl), so they all judge alike
        os.environ[claims.CLAIM_TTL_ENV] = str(claim_ttl_hours)
    url = db or default_db_url()
    check_db_exists(url, create)
    app = create_app(url, secure_cookies=secure_cookies)
    if app.state.graph_lib_url is None:
        console.log("network view off: run `npm ci --prefix vigil/web` to install cytoscape (pages fall back to tables)")
    console.log(f"vigil review on http://{host}:{port}  (database {_safe(url)}; claims go stale after "
                f"{claims.claim_ttl()})")
    uvicorn.run(app, host=host, port=port, log_level="info")


def check_db_exists(url: str, create: bool) -> None:
    """A SQLite path that does not exist would silently become an empty database (no cases, no
    users): refuse it unless the operator asked for a new one with --create."""
    from sqlalchemy.engine import make_url

    from vigil.errors import OperatorError

    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:" or create:
        return
    if not Path(u.database).exists():
        raise OperatorError(f"{u.database}: no such review database", file=u.database, field="--db",
                            hint="check the path (or $VIGIL_DB); to start a new, empty one add --create")


def _safe(url: str) -> str:
    """The URL without a password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _db(db: Optional[str]):
    from vigil.cases.db import default_db_url, open_db

    return open_db(db or default_db_url())


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def user_add(
    username: str = typer.Argument(...),
    role: list[str] = typer.Option(..., "--role", help="A role (repeatable)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line of stdin."),
    db: Optional[str] = typer.Option(None, "--db"),
) -> None:
    """Add a user with a password and roles."""
    from vigil.cases import users

    try:
        u = users.create_user(_db(db), users.CLI, username, _password(password_stdin), role)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
    console.print(f"added {u.username} ({', '.join(sorted(u.role_set))})")


@users_app.command("roles")
def user_roles(
    username: str = typer.Argument(...),
    role: list[str] = typer.Option([], "--role", help="The full new set of roles (repeatable; none = no access)."),
    db: Optional[str] = typer.Option(None, "--db"),
) -> None:
    """Replace a user's roles."""
    from vigil.cases import users

    u = users.set_roles(_db(db), users.CLI, username, role)
    console.print(f"{u.username}: {', '.join(sorted(u.role_set)) or 'no roles'}")


@users_app.command("disable")
def user_disable(username: str = typer.Argument(...), db: Optional[str] = typer.Option(None, "--db")) -> None:
    """Disable a user; their sessions stop working at once."""
    from vigil.cases import users

    users.set_active(_db(db), users.CLI, username, False)
    console.print(f"disabled {username}")


@users_app.command("list")
def user_list(db: Optional[str] = typer.Option(None, "--db")) -> None:
    """List users and their roles."""
    from vigil.cases import users

    for u in users.list_users(_db(db), users.CLI):
        console.print(f"{u.username}\t{'active' if u.active else 'disabled'}\t{','.join(sorted(u.role_set))}")
