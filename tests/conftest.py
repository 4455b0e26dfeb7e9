"""Shared fixtures: where the shared reference data lives, and a small results run on the sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.paths import shared_dir


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not (path / "DATA_CONTRACT.md").exists():
        pytest.skip(f"shared reference data not found at {path} (set VIGIL_SHARED)")
    return path


@pytest.fixture(scope="session")
def sample_world(shared: Path) -> Path:
    return shared / "worlds" / "sample"


@pytest.fixture(scope="session")
def sample_truth(shared: Path) -> Path:
    return shared / "worlds" / "sample-truth"


@pytest.fixture(scope="session")
def sample_run(sample_world: Path, tmp_path_factory) -> Path:
    """`vigil investigate` on the sample, run once per test session through the real command."""
    from typer.testing import CliRunner

    from vigil.cli import app

    out = tmp_path_factory.mktemp("sample-run")
    res = CliRunner().invoke(app, [
        "investigate", str(sample_world),
        "--lexicon", str(sample_world / "lexicon.yaml"),
        "--hashes", str(sample_world / "hashbank.csv"),
        "--seeds", str(sample_world / "seeds.csv"),
        "--out", str(out), "--no-progress",
    ])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return out
