"""Handle blocking gives exactly what counting every query trigram against every handle gives,
within its per-query budget, and beyond the budget a subset of it at a bounded cost.

The probe on a query's rarest trigrams and the count on the rest are shortcuts; the definition is
the plain one (every other account holding at least HANDLE_TRIGRAM_SHARE of the query's handle
trigrams, the HANDLE_TOP_K most similar per query and platform), computed here pair by pair."""

from __future__ import annotations

import numpy as np
import pytest

from tests.link.test_link import accounts_table
from vigil.link import candidates
from vigil.link.candidates import HANDLE_TOP_K, HANDLE_TRIGRAM_SHARE, _handle_blocks
from vigil.link.normalize import trigrams
from vigil.link.profiles import build_profiles


def _handles(n: int, seed: int) -> list[dict]:
    """Handles over a few letters (so many share most trigrams), repeated letters, short and
    empty cores, separators and capitals that fold away."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        core = "".join(rng.choice(list("aabnm1"), size=int(rng.integers(0, 9))))
        handle = core.upper() if k % 7 == 0 else (f"{core[:2]}.{core[2:]}" if k % 5 == 0 else core)
        rows.append({"platform": "abc"[k % 3], "account_id": str(k), "handle": handle or "__"})
    return rows


def _qualifying(prof, queries: list[int]) -> dict[int, dict[str, list[tuple[int, int]]]]:
    """Per query and platform, (-shared, row) of every other account at the share, pair by pair."""
    sets = [trigrams(c) for c in prof.core]
    out = {}
    for i in queries:
        if not sets[i]:
            continue
        by_platform: dict[str, list[tuple[int, int]]] = {}
        for j, s in enumerate(sets):
            shared = len(sets[i] & s)
            if j != i and shared / len(sets[i]) >= HANDLE_TRIGRAM_SHARE:
                by_platform.setdefault(prof.platform[j], []).append((-shared, j))
        out[i] = by_platform
    return out


def _reference(prof, queries: list[int]) -> list[tuple[int, int]]:
    """The definition: the HANDLE_TOP_K most similar per query and platform."""
    out = []
    for i, by_platform in _qualifying(prof, queries).items():
        for found in by_platform.values():
            out += [(i, j) for _, j in sorted(found)[:HANDLE_TOP_K]]
    return sorted(out)


@pytest.mark.parametrize("probe_extra, probe_batch", [(0, 1 << 22), (2, 1 << 22), (2, 50), (5, 1)])
def test_handle_blocks_match_the_full_count(monkeypatch, probe_extra, probe_batch):
    monkeypatch.setattr(candidates, "PROBE_EXTRA", probe_extra)
    monkeypatch.setattr(candidates, "PROBE_BATCH", probe_batch)
    prof = build_profiles(accounts_table(_handles(600, seed=probe_extra + probe_batch)))
    queries = list(range(0, 600, 3)) + [1, 1]
    got = _handle_blocks(prof, queries)
    assert got == _reference(prof, sorted(set(queries)))
    assert any(sum(1 for i, _ in got if i == q) >= HANDLE_TOP_K for q in queries), "top-k is exercised"


def test_a_query_over_the_probe_budget_finds_a_subset_of_the_pairs(monkeypatch):
    """Beyond PROBE_HOLDERS_MAX a query probes fewer trigrams than exactness needs: what it finds
    still meets the share (nothing invented), some queries lose pairs (the budget bites), and a
    query whose rarest trigram alone is over the budget finds none."""
    prof = build_profiles(accounts_table(_handles(600, seed=3)))
    queries = list(range(0, 600, 3))
    exact = _handle_blocks(prof, queries)
    index = candidates.handle_index(prof)
    rarest = {i: min(index.holders_count[t] for t in index.by_account[[i]].indices) for i in queries
              if index.by_account[[i]].nnz}
    budget = int(np.median(list(rarest.values())))
    monkeypatch.setattr(candidates, "PROBE_HOLDERS_MAX", budget)
    got = _handle_blocks(prof, queries)
    qualifying = {(i, j) for i, by_p in _qualifying(prof, queries).items() for found in by_p.values()
                  for _, j in found}
    assert set(got) <= qualifying
    assert len(got) < len(exact)
    over = [i for i, r in rarest.items() if r > budget]
    assert over and not any(i in over for i, _ in got)
    assert any(i not in over for i, _ in got)
