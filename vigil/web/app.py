"""The review web app: FastAPI with server-rendered pages and a JSON API under /api/."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from vigil.cases import events as ev
from vigil.cases.db import open_db
from vigil.cases.transitions import Conflict, NotFound
from vigil.web import api, pages

STATIC = Path(__file__).parent / "static"
# The network view's library comes from the npm registry at setup (`npm ci --prefix vigil/web`),
# never vendored; without it the case page shows its table of neighbours only.
GRAPH_LIB = Path(os.environ.get("VIGIL_NODE_MODULES", Path(__file__).parent / "node_modules")) / "cytoscape" / "dist"
GRAPH_LIB_FILE = "cytoscape.min.js"

SECURITY_HEADERS = {
    # Scripts and styles only from this server, no inline script: a hostile bio that slipped
    # past escaping still could not run.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def log_denied(request: Request, reason: str) -> None:
    """Write a signed-in user's refusal to the audit log (an anonymous request is a 401, not logged here)."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        return
    with request.app.state.db.writing() as s:
        ev.append(s, ev.DENIED, actor_id=viewer.actor.id, actor=viewer.actor.name,
                  payload={"method": request.method, "path": request.url.path, "reason": reason[:200]})


def create_app(db_url: str | None = None, *, secure_cookies: bool = False, graph_lib: Path | None = GRAPH_LIB) -> FastAPI:
    """The app over the database at `db_url` (migrated on start)."""
    app = FastAPI(title="vigil review", version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.db = open_db(db_url)
    app.state.secure_cookies = secure_cookies
    app.state.graph_lib_url = None
    if graph_lib is not None and (graph_lib / GRAPH_LIB_FILE).is_file():
        app.mount("/static/vendor/cytoscape", StaticFiles(directory=graph_lib), name="graph_lib")
        app.state.graph_lib_url = f"/static/vendor/cytoscape/{GRAPH_LIB_FILE}"
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    def failure(request: Request, status: int, message: str) -> Response:
        if status == 403:
            log_denied(request, message)
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse({"detail": message}, status_code=status)
        if status == 401:
            return RedirectResponse("/login", status_code=303)
        viewer = getattr(request.state, "viewer", None)
        return pages.render(request, "error.html", viewer, status_code=status, status=status, message=message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return failure(request, exc.status_code, str(exc.detail))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return failure(request, 404, f"not found: {exc}")

    @app.exception_handler(PermissionError)
    async def forbidden(request: Request, exc: PermissionError):
        return failure(request, 403, str(exc))

    @app.exception_handler(ev.InvalidTransition)
    async def invalid(request: Request, exc: ev.InvalidTransition):
        return failure(request, 409, str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict):
        return failure(request, 409, str(exc))

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError):
        return failure(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        return failure(request, 422, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))

    return app
