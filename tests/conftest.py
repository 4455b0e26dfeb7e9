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
