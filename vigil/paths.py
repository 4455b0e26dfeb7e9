"""Where the project finds the shared reference data (conformance images, XSD, sample world)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """`../shared` beside the checkout, or $VIGIL_SHARED."""
    return Path(os.environ.get("VIGIL_SHARED", REPO.parent / "shared"))
