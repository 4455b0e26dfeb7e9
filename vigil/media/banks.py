"""Hash banks: the operator's known-content hashes, loaded once and matched many times.

A bank file is the contract's CSV (`signal_type,signal,bank,category`; extra columns allowed, and an
optional `pdq_threshold` column sets that bank's PDQ threshold). A bad row never stops the run: it
becomes a reject naming the file, the line and the reason, and the rest of the bank loads. A file
that is not a bank at all (no such header, unreadable) is an operator error and fails at once.

PDQ entries go into the exact MIH index (vigil.media.mih); MD5 entries into a dict (exact match is
all MD5 can do). Video entries (`vpdq`, `video_md5`) are kept apart and matched by vigil.media.video.
"""

from __future__ import annotations

from vigil.media.threshold import PDQ_THRESHOLD
import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vigil.errors import OperatorError
from vigil.media.hashing import hexes_to_codes, valid_md5, valid_pdq
from vigil.media.mih import BITS, PdqIndex

REQUIRED_COLUMNS = ("signal_type", "signal", "bank", "category")
SIGNAL_TYPES = ("pdq", "md5", "vpdq", "video_md5")
# The contract's default: a PDQ hash matches at Hamming distance <= 31 (python-threatexchange's
# PDQ_CONFIDENT_MATCH_THRESHOLD, the upstream recommendation).
DEFAULT_PDQ_THRESHOLD = PDQ_THRESHOLD

BANK_ENTRIES = pa.schema(
    [("signal_type", pa.string()), ("signal", pa.string()), ("bank", pa.string()), ("category", pa.string())]
)


class BankError(OperatorError):
    """A bank file that cannot be read at all (missing header, unreadable)."""


@dataclass
class HashBank:
    """Every known hash, with its bank and category; PDQ rows share ids with the index."""

    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD
    thresholds: dict[str, int] = field(default_factory=dict)
    pdq_signal: list[str] = field(default_factory=list)
    pdq_bank: list[str] = field(default_factory=list)
    pdq_category: list[str] = field(default_factory=list)
    md5: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    video_md5: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    vpdq: list[tuple[str, str, str]] = field(default_factory=list)  # (signal, bank, category)
    index: PdqIndex = field(default_factory=PdqIndex)
    rejects: list[dict] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    _pdq_keys: set = field(default_factory=set, repr=False)

    # --- sizes and thresholds
    @property
    def n_pdq(self) -> int:
        return len(self.pdq_signal)

    @property
    def n_md5(self) -> int:
        return sum(len(v) for v in self.md5.values())

    def threshold(self, bank: str) -> int:
        return self.thresholds.get(bank, self.pdq_threshold)

    @property
    def max_threshold(self) -> int:
        return max([self.pdq_threshold, *self.thresholds.values()])

    def banks(self) -> list[str]:
        return sorted(set(self.pdq_bank) | {b for v in self.md5.values() for b, _ in v}
                      | {b for v in self.video_md5.values() for b, _ in v} | {b for _, b, _ in self.vpdq})

    # --- adding entries (incremental: the index only indexes what is new)
    def add(self, entries: Iterable[tuple[str, str, str, str]]) -> int:
        """Add validated (signal_type, signal, bank, category) rows; returns how many were new."""
        seen = self._pdq_keys
        if len(seen) != self.n_pdq:
            seen.update(zip(self.pdq_signal, self.pdq_bank, self.pdq_category))
        new_pdq: list[str] = []
        n = 0
        for st, sig, bank, cat in entries:
            if st == "vpdq":
                if (sig, bank, cat) not in self.vpdq:
                    self.vpdq.append((sig, bank, cat))
                    n += 1
            elif st in ("md5", "video_md5"):
                lst = (self.md5 if st == "md5" else self.video_md5).setdefault(sig, [])
                if (bank, cat) not in lst:
                    lst.append((bank, cat))
                    n += 1
            else:
                key = (sig, bank, cat)
                if key in seen:
                    continue
                seen.add(key)
                self.pdq_signal.append(sig)
                self.pdq_bank.append(bank)
                self.pdq_category.append(cat)
                new_pdq.append(sig)
                n += 1
        if new_pdq:
            self.index.add(hexes_to_codes(new_pdq))
        return n

    # --- matching
    def match_pdq(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query row, bank entry, distance) for every entry within its own bank's threshold."""
        if not self.n_pdq or not len(codes):
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)
        q, i, d = self.index.range_search(codes, self.max_threshold)
        if self.thresholds:
            limit = np.array([self.threshold(b) for b in self.pdq_bank], dtype=np.int32)
            keep = d <= limit[i]
            q, i, d = q[keep], i[keep], d[keep]
        return q, i, d

    def match_md5(self, md5: str) -> list[tuple[str, str]]:
        return self.md5.get(md5, [])

    # --- persistence: the index in faiss's format, the entries as Parquet
    def entries_table(self) -> pa.Table:
        md5_rows = [("md5", h, b, c) for h, v in self.md5.items() for b, c in v]
        md5_rows += [("video_md5", h, b, c) for h, v in self.video_md5.items() for b, c in v]
        md5_rows += [("vpdq", *e) for e in self.vpdq]
        return pa.table(
            {
                "signal_type": ["pdq"] * self.n_pdq + [r[0] for r in md5_rows],
                "signal": self.pdq_signal + [r[1] for r in md5_rows],
                "bank": self.pdq_bank + [r[2] for r in md5_rows],
                "category": self.pdq_category + [r[3] for r in md5_rows],
            },
            schema=BANK_ENTRIES,
        )

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        self.index.save(folder / "pdq_index")
        pq.write_table(self.entries_table(), folder / "entries.parquet")
        (folder / "bank.json").write_text(
            json.dumps({"pdq_threshold": self.pdq_threshold, "thresholds": self.thresholds, "files": self.files})
        )

    @classmethod
    def load(cls, folder: Path) -> "HashBank":
        folder = Path(folder)
        meta = json.loads((folder / "bank.json").read_text())
        t = pq.read_table(folder / "entries.parquet").to_pydict()
        bank = cls(pdq_threshold=meta["pdq_threshold"], thresholds=meta["thresholds"], files=meta["files"])
        bank.index = PdqIndex.load(folder / "pdq_index")
        others = []
        for st, sig, b, c in zip(t["signal_type"], t["signal"], t["bank"], t["category"]):
            if st == "pdq":
                bank.pdq_signal.append(sig)
                bank.pdq_bank.append(b)
                bank.pdq_category.append(c)
            else:
                others.append((st, sig, b, c))
        bank.add(others)
        if bank.index.ntotal != bank.n_pdq:
            raise BankError(f"{folder}: index holds {bank.index.ntotal} hashes, entries {bank.n_pdq}")
        return bank


def _parse_threshold(value: str) -> int:
    t = int(value)
    if not 0 <= t <= BITS:
        raise ValueError(f"pdq_threshold {t} outside 0..{BITS}")
    return t


def _vpdq_problem(sig: str) -> str:
    """Why a bank's vPDQ signal cannot be matched on, or "" (it can)."""
    from vigil.media.video import usable_frames, valid_vpdq

    try:
        valid_vpdq(sig.strip())
    except ValueError as e:
        return f"vpdq signal {sig[:40]!r}{'...' if len(sig) > 40 else ''} is {e}"
    if not usable_frames(sig.strip()):
        return "vpdq signal has no frame of quality >= 50 (nothing to match on)"
    return ""


def read_bank_csv(path: Path) -> tuple[list[tuple[str, str, str, str]], dict[str, int], list[dict]]:
    """Validated rows, per-bank thresholds and rejects of one bank CSV."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise BankError(f"{path}: cannot read hash bank ({e})", file=path,
                        hint="give a hash bank CSV (UTF-8) or a saved bank folder with --hashes") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    cols = [h.strip().lower() for h in header or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise BankError(f"{path}:1: hash bank header lacks {', '.join(missing)} (need {','.join(REQUIRED_COLUMNS)})",
                        file=path, line=1, field=missing[0],
                        hint=f"the first line must name the columns: {','.join(REQUIRED_COLUMNS)}")
    pos = {c: cols.index(c) for c in REQUIRED_COLUMNS}
    tpos = cols.index("pdq_threshold") if "pdq_threshold" in cols else None
    rows: list[tuple[str, str, str, str]] = []
    thresholds: dict[str, int] = {}
    rejects: list[dict] = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue

        def reject(reason: str, field_: str) -> None:
            rejects.append({"file": str(path), "line": line, "field": field_, "reason": reason, "record": ",".join(row)})

        if len(row) != len(cols):
            reject(f"{len(row)} fields, header has {len(cols)}", "")
            continue
        st = row[pos["signal_type"]].strip().lower()
        sig, bank, cat = row[pos["signal"]], row[pos["bank"]].strip(), row[pos["category"]].strip()
        if st not in SIGNAL_TYPES:
            reject(f"signal_type {st!r} is not one of {', '.join(SIGNAL_TYPES)}", "signal_type")
            continue
        if st == "vpdq":
            why = _vpdq_problem(sig)
            if why:
                reject(why, "signal")
                continue
            sig = sig.strip().lower()
        else:
            try:
                sig = valid_pdq(sig) if st == "pdq" else valid_md5(sig)
            except ValueError:
                want = "64 hex digits" if st == "pdq" else "32 hex digits"
                reject(f"{st} signal {sig!r} is not {want}", "signal")
                continue
        if not bank:
            reject("empty bank name", "bank")
            continue
        if tpos is not None and row[tpos].strip():
            try:
                t = _parse_threshold(row[tpos].strip())
            except ValueError as e:
                reject(str(e), "pdq_threshold")
                continue
            if thresholds.setdefault(bank, t) != t:
                reject(f"pdq_threshold {t} conflicts with {thresholds[bank]} set earlier for bank {bank!r}", "pdq_threshold")
                continue
        rows.append((st, sig, bank, cat))
    return rows, thresholds, rejects


def load_banks(
    paths: list[Path],
    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD,
    bank_thresholds: Mapping[str, int] | None = None,
) -> HashBank:
    """Read every bank CSV (or a saved bank folder) into one HashBank.

    Thresholds, most specific first: `bank_thresholds[bank]`, then the file's `pdq_threshold` column,
    then `pdq_threshold`.
    """
    if not 0 <= pdq_threshold <= BITS:
        raise BankError(f"pdq_threshold {pdq_threshold} outside 0..{BITS}")
    bank = HashBank(pdq_threshold=pdq_threshold)
    for p in paths:
        p = Path(p)
        if p.is_dir() and not bank.n_pdq and not bank.md5:
            # a saved bank first in line is used as it is: its index loads, nothing is rebuilt
            thresholds = bank.thresholds
            bank = HashBank.load(p)
            bank.pdq_threshold = pdq_threshold
            bank.thresholds.update(thresholds)
            continue
        if p.is_dir():
            saved = HashBank.load(p)
            bank.add(zip(["pdq"] * saved.n_pdq, saved.pdq_signal, saved.pdq_bank, saved.pdq_category))
            bank.add(("md5", h, b, c) for h, v in saved.md5.items() for b, c in v)
            bank.add(("video_md5", h, b, c) for h, v in saved.video_md5.items() for b, c in v)
            bank.add(("vpdq", *e) for e in saved.vpdq)
            bank.thresholds.update(saved.thresholds)
            bank.files.append(str(p))
            continue
        rows, thresholds, rejects = read_bank_csv(p)
        bank.add(rows)
        for b, t in thresholds.items():
            bank.thresholds.setdefault(b, t)
        bank.rejects.extend(rejects)
        bank.files.append(str(p))
    for b, t in (bank_thresholds or {}).items():
        bank.thresholds[b] = _parse_threshold(str(t))
    return bank
