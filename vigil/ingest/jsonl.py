"""JSON Lines (plain or gzip): blocks of whole lines, parsed by Arrow a chunk of lines at a time.

Lines that cannot be one JSON object ('{' ... '}', valid UTF-8) go straight to the reference
validator; a chunk Arrow refuses is split where Arrow names the bad row (or halved when it
names none), so every line is either parsed in bulk or judged alone, and line numbers stay
exact: a block is always cut at a newline.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from vigil.ingest.contract import MEDIA_KEYS, field_names, parse_schema
from vigil.ingest.pieces import Piece, PieceBuilder, column_extras, json_extras

try:  # ISA-L's gzip: the same format, about 3x faster to decompress (optional dependency `isal`)
    from isal import igzip as _gzip
except ImportError:  # pragma: no cover - plain zlib is correct, only slower
    _gzip = gzip


def open_gzip(path: Path):
    return _gzip.open(path, "rb")


BLOCK_BYTES = 8 << 20  # a unit of work for one thread: a few in flight keep both cores busy in bounded memory
# Arrow parses a block in chunks of this many lines. Larger chunks spread Arrow's per-call cost
# (1.0M -> 1.5M rows/s on clean edges from 1,024 to 8,192 lines); a bad line Arrow refuses costs
# a re-parse of its chunk, which is why the commonest breakages are routed around Arrow first.
CHUNK_LINES = 8192
SMALLEST_SPLIT = 8  # below this many lines, a failing range is checked line by line
_SIMPLE = lambda t: pa.types.is_string(t) or pa.types.is_int64(t) or pa.types.is_boolean(t)  # noqa: E731
_ROW_RE = re.compile(r" in row (\d+)")
_COLUMN_CHANGED = re.compile(r"Column\((/[^)]*)\) changed from")


def read_blocks(path: Path, block_bytes: int | None = None, done=None) -> Iterator[bytes | bytearray]:
    """Yield blocks of whole lines, each ending with a newline (line numbers are counted by the
    workers, in parallel, and made absolute in input order by the caller). `done(n)` hears how
    many bytes of the file (compressed, for gzip) have been read."""
    block_bytes = block_bytes or BLOCK_BYTES
    if path.name.endswith(".gz"):
        with open(path, "rb") as raw, _gzip.open(raw, "rb") as f:
            for block in _blocks_of_stream(f, block_bytes):
                if done:
                    done(raw.tell())
                yield block
    else:
        yield from _blocks_of_file(path, block_bytes, done)


def _blocks_of_file(path: Path, block_bytes: int, done=None) -> Iterator[bytearray]:
    """Plain files: each of `block_ranges`' blocks read in place."""
    with open(path, "rb", buffering=0) as f:
        for start, end, add_newline in block_ranges(path, block_bytes):
            buf = bytearray(end - start)
            f.seek(start)
            f.readinto(buf)
            if add_newline:
                yield buf + b"\n"
                return
            if done:
                done(end)
            yield buf


# How far back a block's last newline is looked for per read (lines are short; a longer one reads on).
TAIL_BYTES = 64 << 10


def block_ranges(path: Path, block_bytes: int) -> Iterator[tuple[int, int, bool]]:
    """The blocks of a plain file as byte ranges (start, end, newline to add), without reading them:
    a block of `block_bytes` cut at its last newline, grown while it holds none, a leading BOM
    dropped, a missing final newline added. The embedded reader reads these ranges and the Spark
    engine hands them to its tasks, so both parse the same blocks."""
    size = path.stat().st_size
    with open(path, "rb", buffering=0) as f:
        pos, first = 0, True
        while True:
            n = min(block_bytes, size - pos)
            if n <= 0:
                return
            end = pos + n
            if first:
                first = False
                if n >= 3 and f.read(3) == b"\xef\xbb\xbf":
                    pos = 3
            nl = _last_newline(f, pos, end)
            if nl < 0:
                if n < block_bytes:  # the file ends in a line without its newline
                    yield pos, end, True
                    return
                block_bytes *= 2  # a line longer than a block: the block grows (for the rest of the file)
                continue
            yield pos, nl + 1, False
            pos = nl + 1


def _last_newline(f, lo: int, hi: int) -> int:
    """The offset of the last b'\\n' in [lo, hi), or -1."""
    end = hi
    while end > lo:
        start = max(lo, end - TAIL_BYTES)
        f.seek(start)
        buf = f.read(end - start)
        i = buf.rfind(b"\n")
        if i >= 0:
            return start + i
        end = start
    return -1


def _blocks_of_stream(f, block_bytes: int) -> Iterator[bytes]:
    rest, first = b"", True
    while True:
        buf = f.read(block_bytes)
        if first:
            first = False
            if buf.startswith(b"\xef\xbb\xbf"):
                buf = buf[3:]
        if not buf:
            if rest:
                yield rest + b"\n"
            return
        data = rest + buf if rest else buf
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        if cut == len(data):
            rest = b""
            yield data
        else:
            rest = data[cut:]
            yield data[:cut]


class _Lines:
    """Line boundaries of a block (numpy over the bytes: one pass, no Python loop per line)."""

    def __init__(self, block: bytes):
        self.block = block
        arr = np.frombuffer(block, dtype=np.uint8)
        self.ends = np.flatnonzero(arr == 10)  # index of each line's newline
        self.starts = np.empty_like(self.ends)
        self.starts[:1] = 0
        self.starts[1:] = self.ends[:-1] + 1
        self.arr = arr

    def __len__(self) -> int:
        return len(self.ends)

    def raw(self, i: int) -> bytes:
        return self.block[self.starts[i] : self.ends[i]]

    def text(self, i: int) -> str:
        return self.raw(i).decode("utf-8", errors="replace").rstrip("\r")

    def eligible(self) -> np.ndarray:
        """Lines that look like one JSON object: '{' first, '}' last (before any CR), valid UTF-8."""
        a, s, e = self.arr, self.starts, self.ends
        # No bounds juggling: an empty line's "first byte" is its own newline (not '{'), and a
        # line short enough for e-1 or e-2 to leave it cannot also start with '{' and end with '}'.
        last = a[e - 1]
        ok = (a[s] == 0x7B) & ((last == 0x7D) | ((last == 0x0D) & (a[np.maximum(e - 2, 0)] == 0x7D)))
        # Two common breakages Arrow would refuse a whole chunk for, routed straight to the
        # reference validator (which has the last word): a single-quoted key ("{'platform'...")
        # and a trailing comma (",}"). A failed chunk costs two parses; a routed line costs one.
        close = np.where(last == 0x0D, e - 2, e - 1)
        ok &= a[np.minimum(s + 1, len(a) - 1)] != 0x27
        ok &= a[np.maximum(close - 1, 0)] != 0x2C
        try:
            self.block.decode("utf-8")
        except UnicodeDecodeError:
            for i in np.flatnonzero(ok):
                try:
                    self.raw(i).decode("utf-8")
                except UnicodeDecodeError:
                    ok[i] = False
        return ok

    def span(self, idx: np.ndarray) -> bytes:
        """The bytes of lines `idx` (sorted), newline-terminated, as one buffer."""
        if idx[-1] - idx[0] + 1 == len(idx):
            return memoryview(self.block)[self.starts[idx[0]] : self.ends[idx[-1]] + 1]
        return b"\n".join(self.raw(i) for i in idx) + b"\n"


class JsonBlockParser:
    """Turns one block of JSON Lines into a Piece (accepted rows + rejects)."""

    def __init__(self, table: str, file: str):
        self.table, self.file = table, file
        self.schema = parse_schema(table)
        self.names = field_names(table)
        self.known = set(self.names)

    def __call__(self, block: bytes, first_line: int = 1) -> Piece:
        out = PieceBuilder(self.table, self.file)
        lines = _Lines(block)
        ok = lines.eligible()
        for i in np.flatnonzero(~ok):
            out.reference_json(lines.text(i), first_line + int(i), raw=lines.raw(i))
        parts: list[tuple[pa.Table, np.ndarray, pa.Array | None]] = []
        for run in _runs(np.flatnonzero(ok)):
            for start in range(0, len(run), CHUNK_LINES):
                self._parse_run(lines, run[start : start + CHUNK_LINES], first_line, out, parts)
        if parts:
            self._validate(lines, parts, first_line, out)
        piece = out.finish()
        piece.lines = len(lines)
        return piece

    def _parse_run(self, lines: _Lines, idx: np.ndarray, first_line: int, out: PieceBuilder, parts: list) -> None:
        """Parse consecutive lines with Arrow; lines it refuses go to the reference validator."""
        stack = [idx]
        while stack:
            idx = stack.pop()
            if len(idx) == 0:
                continue
            buf = lines.span(idx)
            try:
                tb, has_extras = self._arrow(buf, len(idx))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
                m = _ROW_RE.search(str(e))
                row = int(m.group(1)) if m else -1
                if 0 <= row < len(idx):  # Arrow names the row: the rows before it are fine
                    out.reference_json(lines.text(idx[row]), first_line + int(idx[row]), raw=lines.raw(idx[row]))
                    stack.append(idx[row + 1 :])
                    stack.append(idx[:row])
                elif len(idx) <= SMALLEST_SPLIT:
                    for i in idx:
                        out.reference_json(lines.text(i), first_line + int(i), raw=lines.raw(i))
                else:  # no row named (a conversion error): corner it by halving
                    half = len(idx) // 2
                    stack.append(idx[half:])
                    stack.append(idx[:half])
                continue
            extra = None
            if has_extras is not False:
                extra_names = [c for c in tb.column_names if c not in self.known]
                if has_extras is not True and all(_SIMPLE(tb.schema.field(c).type) for c in extra_names):
                    # plain strings, integers, booleans: Arrow's values are exactly the text's
                    extra = column_extras(tb, extra_names)
                else:  # anything Arrow may have reshaped (floats, nesting): from the raw text
                    texts = _line_array(buf, len(idx))
                    if has_extras is not True:  # only rows holding an unknown field
                        texts = pc.if_else(has_extras, texts, pa.scalar(None, texts.type))
                    extra = json_extras(texts, self.names)
            parts.append((tb.select(self.names), idx, extra))

    def _validate(self, lines: _Lines, parts: list, first_line: int, out: PieceBuilder) -> None:
        """One columnar validation for all the runs of a block (its fixed cost is paid once)."""
        try:
            tb = pa.concat_tables([p[0] for p in parts])
        except pa.ArrowInvalid:  # runs inferred different nested types: validate them one by one
            for part in parts:
                self._validate(lines, [part], first_line, out)
            return
        idx = np.concatenate([p[1] for p in parts])
        extra = None
        pre_doubt = None
        if any(p[2] is not None for p in parts):
            extra = pa.concat_arrays([p[2] if p[2] is not None else pa.nulls(len(p[1]), pa.string()) for p in parts])
            pre_doubt = _nonstandard_numbers(lines, idx)

        def text_of(r: int) -> tuple[str, bytes]:
            return lines.text(idx[r]), lines.raw(idx[r])

        out.add_parsed(tb, first_line + idx, extra=extra, text_of=text_of, pre_doubt=pre_doubt)

    def _arrow(self, buf: bytes, n_lines: int) -> tuple[pa.Table, object]:
        opts = pj.ReadOptions(use_threads=False, block_size=len(buf) + 64)
        try:
            tb = pj.read_json(
                pa.BufferReader(buf), read_options=opts,
                parse_options=pj.ParseOptions(explicit_schema=self.schema, unexpected_field_behavior="infer"),
            )
            has_extras = _rows_with_extras(tb, self.known)
        except pa.ArrowInvalid as e:
            if not self._extra_type_conflict(str(e)):
                raise
            # Unknown fields whose type varies between rows: parse the contract fields only and
            # take the extras from the raw text.
            tb = pj.read_json(
                pa.BufferReader(buf), read_options=opts,
                parse_options=pj.ParseOptions(explicit_schema=self.schema, unexpected_field_behavior="ignore"),
            )
            has_extras = True
        if tb.num_rows != n_lines:
            raise pa.ArrowInvalid(f"{tb.num_rows} rows from {n_lines} lines")
        return tb, has_extras

    def _extra_type_conflict(self, msg: str) -> bool:
        m = _COLUMN_CHANGED.search(msg)
        if not m:
            return False
        parts = m.group(1).strip("/").split("/")
        if parts[0] not in self.known:
            return True
        return parts[0] == "media" and len(parts) > 2 and parts[2] not in MEDIA_KEYS


def _nonstandard_numbers(lines: _Lines, idx: np.ndarray) -> np.ndarray | None:
    """Rows whose text holds NaN/Infinity: Arrow reads them, strict JSON does not (the reference
    validator decides; the word may just be inside a string)."""
    hits = []
    for word in (b"NaN", b"Infinity"):
        pos = lines.block.find(word)
        while pos >= 0:
            hits.append(int(np.searchsorted(lines.ends, pos)))
            pos = lines.block.find(word, pos + 1)
    if not hits:
        return None
    return np.isin(idx, np.array(hits))


def _rows_with_extras(tb: pa.Table, known: set[str]):
    """False (no unknown field), True (maybe any row), or a mask of the rows that hold one."""
    extra = [c for c in tb.column_names if c not in known]
    if not extra:
        return False
    if any(pa.types.is_null(tb.schema.field(c).type) for c in extra):
        return True  # a field that is null throughout the block: it is still kept, so look at every row
    mask = pc.is_valid(tb.column(extra[0]))
    for c in extra[1:]:
        mask = pc.or_(mask, pc.is_valid(tb.column(c)))
    return mask


def _runs(idx: np.ndarray) -> list[np.ndarray]:
    """Split sorted line indices into runs of consecutive lines (each one slice of the block)."""
    if len(idx) == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) != 1) + 1
    return np.split(idx, breaks)


def _line_array(buf: bytes, n: int) -> pa.Array:
    """The lines of a buffer as an Arrow string array, sharing the buffer's memory.

    Each value keeps its trailing newline, which JSON parsers skip as whitespace."""
    ends = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    offsets[1:] = ends + 1
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))
