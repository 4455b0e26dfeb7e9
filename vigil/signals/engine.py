"""Hyperscan, through vigil's own small binding (`_hsscan.c`): compile once, scan to arrays.

The binding returns every match of a scan as arrays instead of calling Python once per match,
so a scan costs what hyperscan costs however many fragments and markers match (see `_hsscan.c`).
A pattern hyperscan refuses is reported with the lexicon entry (file, line, id) it came from.
"""

from __future__ import annotations

import numpy as np

from vigil.signals import _hsscan
from vigil.signals.lexicon import Entry, LexiconError

CASELESS = _hsscan.FLAG_CASELESS
MULTILINE = _hsscan.FLAG_MULTILINE
SOM_LEFTMOST = _hsscan.FLAG_SOM_LEFTMOST
PREFILTER = _hsscan.FLAG_PREFILTER
ALLOWEMPTY = _hsscan.FLAG_ALLOWEMPTY

Database = _hsscan.Database
_EMPTY = np.zeros(0, np.int64)


def compile_patterns(exprs: list[str], flags: int | list[int], path: str, owners: list[Entry | None]) -> Database:
    """One block-mode database of `exprs` (pattern i reports id i); errors name the entry."""
    enc = [e.encode("utf-8") for e in exprs]
    fl = flags if isinstance(flags, list) else [flags] * len(enc)
    try:
        return Database(enc, fl)
    except _hsscan.CompileError as e:
        message, index = e.args
        if 0 <= index < len(enc):
            owner = owners[index]
            where = f"line {owner.line}: entry {owner.id!r}" if owner else "built-in rule"
            raise LexiconError(path, [f"{where}: pattern cannot be compiled for scanning: {message}: {enc[index]!r}"]) from e
        raise


def compile_literals(words: list[bytes], flags: int) -> Database:
    """A database of plain byte strings (no regex syntax): the cheapest scan there is."""
    return Database(words, [flags] * len(words), literal=True)


def scan(db: Database, data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pattern ids, starts, ends) of every match in one buffer (anything with the buffer protocol).

    Starts are exact only for patterns compiled with SOM_LEFTMOST; others report 0. The arrays
    are read-only views of the binding's result (no copy).
    """
    if not len(data):
        return _EMPTY, _EMPTY, _EMPTY
    arr = np.frombuffer(db.scan(data), np.int64).reshape(-1, 3)
    return arr[:, 0], arr[:, 1], arr[:, 2]


def words_around(buf: np.ndarray, at: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of the ASCII word around each offset; (0, 0) where no word edge lies within `width`."""
    if at.size == 0:
        return _EMPTY, _EMPTY
    pairs = np.frombuffer(_hsscan.words_around(buf, np.ascontiguousarray(at, np.int64), width), np.int64).reshape(-1, 2)
    return pairs[:, 0].copy(), pairs[:, 1].copy()
