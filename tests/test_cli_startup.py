"""`vigil --help` and every `vigil <cmd> --help` import no stage library.

The cause of a slow start is checked, not the time (that is bench/cli_startup.py's): each probe
runs in a fresh interpreter, asks for every command's help, and reports which of the stage
libraries ended up in sys.modules.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# What the stages import; any of them makes `vigil --help` take seconds instead of a fraction.
STAGE_LIBRARIES = ("pyarrow", "duckdb", "networkit", "igraph", "faiss", "sklearn", "fastapi", "sqlalchemy",
                   "matplotlib", "numpy", "scipy", "PIL", "uvicorn", "xmlschema", "threatexchange")

# Runs `--help` of the root and of every command and group, in one fresh interpreter; prints
# JSON: the command paths, those whose help failed, and the stage libraries then imported.
PROBE = """
import contextlib, io, json, sys
{before}
import typer.main
from vigil.cli import app

def command_paths(cmd, prefix):
    yield prefix
    if hasattr(cmd, "list_commands"):
        ctx = typer.Context(cmd)
        for name in cmd.list_commands(ctx):
            yield from command_paths(cmd.get_command(ctx, name), prefix + [name])

paths = list(command_paths(typer.main.get_command(app), []))
failed = []
for path in paths:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            app(path + ["--help"], prog_name="vigil")
            code = 0
        except SystemExit as e:
            code = e.code
    if code != 0 or "Usage" not in out.getvalue():
        failed.append([" ".join(path), code, out.getvalue()[-500:]])
print(json.dumps({{"paths": [" ".join(p) for p in paths], "failed": failed,
                  "imported": [m for m in {libraries!r} if m in sys.modules]}}))
"""


def probe(before: str = "") -> dict:
    code = PROBE.format(before=before, libraries=STAGE_LIBRARIES)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def fresh() -> dict:
    """The probe with nothing imported before `vigil.cli`, as when `vigil` starts."""
    return probe()


def test_help_of_every_command_imports_no_stage_library(fresh):
    result = fresh
    assert result["failed"] == []
    # the probe really walked the commands of every stage, groups and their subcommands included
    for path in ("", "investigate", "demo", "ingest", "lexicon check", "hash", "refit", "load-results",
                 "report", "serve", "user add", "generate"):
        assert path in result["paths"]
    assert result["imported"] == []


def test_probe_sees_a_stage_library_when_one_is_imported():
    """The check above can fail: with a stage package imported first, the probe reports its libraries."""
    result = probe(before="from vigil.graph import run_graph")
    assert {"pyarrow", "igraph"} <= set(result["imported"])


def test_same_commands_whether_stage_packages_were_imported_first_or_not(fresh):
    """Registering commands does not depend on whether a stage's exports were loaded already."""
    ordinary = probe(before="from vigil.graph import run_graph; from vigil.signals import run_signals; "
                            "from vigil.report import build_report; from vigil.synth import generate_world")
    assert ordinary["failed"] == []
    assert sorted(fresh["paths"]) == sorted(ordinary["paths"])


def test_stage_exports_load_on_first_use():
    """A stage package imports its stage only when one of its exports is read (vigil/lazy.py)."""
    code = """
import sys
import vigil.cli, vigil.graph, vigil.signals
assert "vigil.graph.run" not in sys.modules and "igraph" not in sys.modules
from vigil.graph import run_graph
assert "vigil.graph.run" in sys.modules and run_graph is sys.modules["vigil.graph.run"].run_graph
assert "run_graph" in dir(vigil.graph) and vigil.graph.run_graph is run_graph
from vigil.signals import engine, load_lexicon  # a submodule and an export, side by side
assert engine.scan and load_lexicon is sys.modules["vigil.signals.lexicon"].load_lexicon
try:
    vigil.graph.no_such_name
except AttributeError as e:
    assert "no_such_name" in str(e)
else:
    raise SystemExit("a missing name must raise AttributeError")
print("ok")
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip() == "ok"
