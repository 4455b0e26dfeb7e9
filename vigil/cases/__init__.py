"""The `cases` stage: findings become cases that people review, decide and audit.

`load_results` is what the pipeline calls; the web app (vigil.web) is the way people use it.
"""

from __future__ import annotations

from pathlib import Path


def load_results(db_url: str, results_dir: Path) -> dict:
    """Load a results folder into the review database at `db_url`; return counts."""
    from vigil.cases.load import load_results as _load

    return _load(db_url, Path(results_dir))


__all__ = ["load_results"]
