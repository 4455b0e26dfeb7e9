"""The link stage in a second process, started as soon as ingest has written the accounts, so
that the machine's second core works while the first runs signals, media, graph, terms and audit.

Most of the linker's time goes on what it learns of the whole export (folded profiles, picture
index, u of random pairs, m by EM), and none of that needs the graph stage's scores; only the
accounts in scope do. The child folds the profiles, waits for the parent's word that media has
written `profile_hashes`, learns, waits for the word that graph has written `scores`, then links.
The results are the sequential run's: the same tables in, the same code.

forkserver, not fork: the parent holds DuckDB and Arrow threads, and a forked copy of a threaded
process can die in libc (vigil.media.stage starts its hashing pool the same way).
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from pathlib import Path

# The tables the child waits for, in the order the parent writes them.
AWAITED = ("profile_hashes", "scores")


class LinkError(RuntimeError):
    """The link process failed; its traceback is the message."""


class EarlyLink:
    """A running link process. `written(table)` lets it go on past the point where it needs that
    table; `result()` waits for its statistics (or raises what it raised). Leaving the `with`
    block stops it if it is still running (the run failed before it asked for the result)."""

    def __init__(self, workspace_root: Path, platforms: Path | None):
        ctx = multiprocessing.get_context("forkserver")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_link_process, args=(str(workspace_root), platforms, child),
                                 name="vigil-link", daemon=True)
        self._proc.start()
        child.close()

    @property
    def running(self) -> bool:
        return self._proc.is_alive()

    def __enter__(self) -> "EarlyLink":
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()

    def written(self, table: str) -> None:
        if table not in AWAITED:
            raise ValueError(f"the link process waits for no table {table!r}")
        try:
            self._conn.send(table)
        except (BrokenPipeError, EOFError):
            pass  # it stopped already (no accounts to link, or it failed): result() says which

    def result(self) -> dict:
        try:
            kind, payload = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise LinkError(f"the link process ended without a result (exit code {self._proc.exitcode})") from None
        self._proc.join()
        if kind == "error":
            raise LinkError(payload)
        return payload

    def cancel(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._conn.close()


def _link_process(workspace_root: str, platforms: Path | None, conn) -> None:
    """The child: the parent's platform registry (the contact rules read it), then the stage."""
    from vigil.link.stage import run_link
    from vigil.pipeline import peak_rss_mb
    from vigil.platforms import load_registry, use_registry
    from vigil.workspace import Workspace

    t0 = time.perf_counter()
    waited: dict[str, float] = {}

    def wait_for(table: str) -> None:
        t = time.perf_counter()
        got = conn.recv()
        if got != table:
            raise LinkError(f"waited for {table!r}, the main process wrote {got!r}")
        waited[table] = round(time.perf_counter() - t, 3)

    try:
        use_registry(load_registry(platforms))
        stats = run_link(Workspace(Path(workspace_root)), wait_for=wait_for)
        stats["process"] = {"wall_s": round(time.perf_counter() - t0, 3), "waited_s": waited,
                            "peak_memory_mb": round(peak_rss_mb(), 1)}
        conn.send(("ok", stats))
    except BaseException:  # noqa: BLE001 - whatever it was, the parent reports it
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()
