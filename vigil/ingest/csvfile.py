"""CSV tables: RFC 4180 records (quoted fields may span lines), list fields as JSON text.

The line of a record is the physical line it starts on (the header is line 1), so a reject
points at the line an editor shows.

Two readers give the same records. The exact one is Python's csv module fed one physical line
at a time (lines end at \\n, \\r\\n or a bare \\r, as `open(newline="")` splits them). The fast one
cuts the file into blocks at record boundaries, found from the parity of the quotes before each
newline, and parses a block with Arrow. That parity tells the truth only up to the first
irregular byte (a NUL, a bare CR, a quote that neither opens, closes nor doubles inside a field),
so a block ends before it; the record that holds it is read by the exact reader, from its start
(a true boundary) to the first record boundary past the irregular byte, and the fast reader
resumes there. Inside a block, a record that is empty, has the wrong number of fields or holds
invalid UTF-8 is read by the exact reader alone (its boundaries are the same either way), so
every reject keeps the reason and line the exact reader gives it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from vigil.ingest.contract import TABLES
from vigil.ingest.jsonl import open_gzip
from vigil.ingest.pieces import Piece, PieceBuilder, column_extras
from vigil.ingest.records import CSV
from vigil.ingest.typed import text_to_parse_type

BATCH_ROWS = 1 << 16  # records the exact reader gathers into one piece
BLOCK_BYTES = 8 << 20  # a unit of work for one thread, as for JSON Lines
FIELD_LIMIT = 1 << 26
csv.field_size_limit(FIELD_LIMIT)
# A block is cut at a record boundary; when none turns up in this many bytes (a record longer
# than the csv module's field limit could be), the exact reader takes over and names the error.
LONGEST_BLOCK = FIELD_LIMIT
FAST_PATH = True  # False: every block through the exact reader (the bench and the tests compare the two)

_NL, _CR, _QUOTE, _COMMA = 10, 13, 34, 44
_LINE_END = re.compile(rb"[\r\n]")
_TEXT_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_OPEN_AFTER = np.array([_COMMA, _NL, _QUOTE], dtype=np.uint8)  # a field starts (or a doubled quote)
_CLOSE_BEFORE = np.array([_QUOTE, _COMMA, _NL, _CR], dtype=np.uint8)  # a field ends (or a doubled quote)


class _Source:
    """The file's bytes (gzip already undone) as a buffer refilled on demand; `at()` is the file
    offset of the read position, which survives refills."""

    def __init__(self, f, block_bytes: int):
        self.f, self.block_bytes = f, block_bytes
        self.buf, self.pos, self.shed, self.eof = b"", 0, 0, False
        self.more()
        if self.buf.startswith(b"\xef\xbb\xbf"):  # a UTF-8 BOM is not part of the header
            self.pos = 3

    def more(self) -> bool:
        """Read another block onto the buffer; False at the end of the file."""
        if self.eof:
            return False
        chunk = self.f.read(self.block_bytes)
        if not chunk:
            self.eof = True
            return False
        self.shed += self.pos
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def at(self) -> int:
        return self.shed + self.pos

    def line(self) -> bytes | None:
        """The next physical line, with its ending (\\n, \\r\\n or a bare \\r); None at the end."""
        while True:
            m = _LINE_END.search(self.buf, self.pos)
            if m is not None:
                i = m.start()
                if self.buf[i] == _NL:
                    end = i + 1
                elif i + 1 < len(self.buf):
                    end = i + 2 if self.buf[i + 1] == _NL else i + 1
                elif self.more():  # a CR at the end of the buffer: is a LF next?
                    continue
                else:
                    end = i + 1
                out = self.buf[self.pos:end]
                self.pos = end
                return out
            if not self.more():
                if self.pos < len(self.buf):
                    out = self.buf[self.pos:]
                    self.pos = len(self.buf)
                    return out
                return None


class _ExactReader:
    """Records as the csv module reads them, from the source's position (a record boundary):
    (line, row, text), row None when the csv module refuses the record (the text then starts
    with its message and '|'). `line` is the line the next record starts on."""

    def __init__(self, src: _Source, first_line: int):
        self.src, self.first, self.line = src, first_line, first_line
        self.consumed: list[str] = []
        self.reader = csv.reader(self._lines(), strict=False)

    def _lines(self):
        while True:
            raw = self.src.line()
            if raw is None:
                return
            # undecodable bytes survive as surrogates, so the record they sit in can be rejected
            text = raw.decode("utf-8", "surrogateescape")
            self.consumed.append(text)
            yield text

    def records(self, stop: int | None = None, count: int | None = None):
        """Until the first record boundary at or past file offset `stop`, `count` records, or the end."""
        done = 0
        while (count is None or done < count) and (stop is None or self.src.at() < stop):
            try:
                row = next(self.reader)
            except StopIteration:
                return
            except csv.Error as e:  # e.g. a field over the limit: the record is rejected, reading goes on
                rec = (self.line, None, f"{e}|" + self._take())
            else:
                rec = (self.line, row, self._take())
            self.line = self.first + self.reader.line_num
            done += 1
            yield rec

    def _take(self) -> str:
        text = "".join(self.consumed)
        self.consumed.clear()
        return text


def _exact_text(text: str, first_line: int) -> list:
    """The exact reader over text that starts at a record boundary (a plain block, one record)."""
    lines = _TEXT_LINES.findall(text)
    out, consumed = [], []

    def feed():
        for s in lines:
            consumed.append(s)
            yield s

    reader = csv.reader(feed(), strict=False)
    line = first_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return out
        except csv.Error as e:
            out.append((line, None, f"{e}|" + "".join(consumed)))
        else:
            out.append((line, row, "".join(consumed)))
        consumed.clear()
        line = first_line + reader.line_num


@dataclass
class _FastBlock:
    data: bytes
    first_line: int
    ends: np.ndarray  # offset of each record's end: its newline, or len(data) for a last record without one
    newlines: np.ndarray  # offset of every newline
    quotes: np.ndarray  # offset of every quote


@dataclass
class _ExactBatch:
    records: list  # (line, row, text) from the exact reader


class CsvReader:
    """One CSV file. `works()` runs on the calling thread: it cuts blocks and reads the rare
    irregular stretches exactly; the reader called on a work item (on any thread) gives its Piece."""

    def __init__(self, path: Path, table: str, block_bytes: int | None = None, fast: bool | None = None):
        self.path, self.table, self.file = path, table, path.name
        self.block_bytes = block_bytes or BLOCK_BYTES
        self.fast = FAST_PATH if fast is None else fast
        self.header: list[str] = []
        self.names: list[str] = []

    # --- the calling thread -------------------------------------------------------------------
    def works(self) -> Iterator[_FastBlock | _ExactBatch]:
        with (open_gzip(self.path) if self.file.endswith(".gz") else open(self.path, "rb")) as f:
            src = _Source(f, self.block_bytes)
            exact = _ExactReader(src, 1)
            head = list(exact.records(count=1))
            if not head:
                return
            _, row, text = head[0]
            if row is None:  # the header itself is unreadable: as the csv module says
                raise csv.Error(text.partition("|")[0])
            # a header name with undecodable bytes keeps them as U+FFFD (as the header check reads it)
            self.header = [h.strip().encode("utf-8", "surrogateescape").decode("utf-8", "replace") for h in row]
            self.names = [f"f{i}" for i in range(len(self.header))]
            if not self.fast or len(self.header) < 2:
                yield from self._exact(exact, None)
                return
            line = exact.line
            while True:
                cut = self._cut(src)
                if cut is None:
                    return
                data, plain = cut
                if isinstance(plain, _FastBlock):
                    plain.first_line = line
                    line += len(plain.newlines)
                    src.pos += len(data)
                    yield plain
                else:  # an irregular stretch: read exactly up to the first record boundary past it
                    exact = _ExactReader(src, line)
                    yield from self._exact(exact, src.at() + len(data))
                    line = exact.line

    def _exact(self, exact: _ExactReader, stop: int | None) -> Iterator[_ExactBatch]:
        batch: list = []
        for rec in exact.records(stop=stop):
            batch.append(rec)
            if len(batch) >= BATCH_ROWS:
                yield _ExactBatch(batch)
                batch = []
        if batch:
            yield _ExactBatch(batch)

    def _cut(self, src: _Source):
        """The next block from the read position: (bytes, a _FastBlock when plain, else None);
        None at the end of the file. A block ends at a newline outside quotes (by parity), before
        the first irregular byte; a block that starts with an irregular record is that record's
        stretch, for the exact reader."""
        size = self.block_bytes
        while True:
            while len(src.buf) - src.pos < size and src.more():
                pass
            data = src.buf[src.pos: src.pos + size]
            if not data:
                return None
            at_end = src.eof and src.pos + size >= len(src.buf)
            arr = np.frombuffer(data, dtype=np.uint8)
            newlines = np.flatnonzero(arr == _NL)
            quotes = np.flatnonzero(arr == _QUOTE)
            ends = newlines[(np.searchsorted(quotes, newlines) & 1) == 0]
            bad = _first_irregular(data, arr, quotes, at_end)
            if bad is not None:  # parity is true up to the first irregular byte, not past it
                ends = ends[ends < bad]
                if not len(ends):
                    return data[: bad + 1], None
                cut = int(ends[-1]) + 1
            elif at_end:
                cut = len(data)
            elif len(ends):
                cut = int(ends[-1]) + 1
            elif size >= LONGEST_BLOCK:
                return data, None
            else:
                size *= 2
                continue
            if cut < len(data):
                data = data[:cut]
                newlines, quotes = newlines[newlines < cut], quotes[quotes < cut]
            if data[-1] != _NL:  # the file's last record, without a newline
                ends = np.append(ends, len(data))
            return data, _FastBlock(data, 0, ends, newlines, quotes)

    # --- any thread ---------------------------------------------------------------------------
    def __call__(self, work: _FastBlock | _ExactBatch) -> Piece:
        out = PieceBuilder(self.table, self.file)
        if isinstance(work, _ExactBatch):
            good = _classify(out, work.records, len(self.header))
            if good:
                self._add_rows(out, _text_columns(good, len(self.header)), good)
        else:
            self._fast(out, work)
        return out.finish()

    def _fast(self, out: PieceBuilder, b: _FastBlock) -> None:
        arr = np.frombuffer(b.data, dtype=np.uint8)
        ends, n = b.ends, len(b.ends)
        starts = np.zeros(n, dtype=np.int64)
        starts[1:] = ends[:-1] + 1
        content_end = ends.copy()
        crlf = ends > starts
        crlf[crlf] = arr[ends[crlf] - 1] == _CR
        content_end[crlf] -= 1
        lines = b.first_line + np.searchsorted(b.newlines, starts)
        commas = np.flatnonzero(arr == _COMMA)
        commas = commas[(np.searchsorted(b.quotes, commas) & 1) == 0]
        fields = np.bincount(np.searchsorted(ends, commas), minlength=n)[:n] + 1
        doubt = (content_end == starts) | (fields != len(self.header))
        try:
            b.data.decode("utf-8")
        except UnicodeDecodeError:
            for i in range(n):
                if not doubt[i]:
                    try:
                        b.data[starts[i]: ends[i]].decode("utf-8")
                    except UnicodeDecodeError:
                        doubt[i] = True
        good = np.flatnonzero(~doubt)
        table = self._arrow(b.data, starts, ends, good, doubt) if len(good) else None
        if table is None and len(good):  # Arrow disagrees about the block: the exact reader has it
            records = _exact_text(b.data.decode("utf-8", "surrogateescape"), b.first_line)
            good_rows = _classify(out, records, len(self.header))
            if good_rows:
                self._add_rows(out, _text_columns(good_rows, len(self.header)), good_rows)
            return
        if doubt.any():
            records = []
            for i in np.flatnonzero(doubt):
                text = b.data[starts[i]: ends[i] + 1].decode("utf-8", "surrogateescape")
                records += _exact_text(text, int(lines[i]))
            good_rows = _classify(out, records, len(self.header))
            if good_rows:
                self._add_rows(out, _text_columns(good_rows, len(self.header)), good_rows)
        if table is not None:
            columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]

            def record_of(r: int) -> tuple[int, list[str], str]:
                i = good[r]
                text = b.data[starts[i]: content_end[i]].decode("utf-8")
                return int(lines[i]), [c[r].as_py() for c in columns], text

            self._add_rows(out, columns, lines[good], record_of)

    def _arrow(self, data: bytes, starts, ends, good: np.ndarray, doubt: np.ndarray) -> pa.Table | None:
        if len(good) == len(starts):
            buf = data
        else:  # the good records' runs, back to back
            breaks = np.flatnonzero(np.diff(good) != 1) + 1
            firsts = np.concatenate([[good[0]], good[breaks]])
            lasts = np.concatenate([good[breaks - 1], [good[-1]]])
            buf = b"".join(data[starts[a]: ends[z] + 1] for a, z in zip(firsts, lasts))
        try:
            table = pacsv.read_csv(
                pa.BufferReader(buf),
                read_options=pacsv.ReadOptions(column_names=self.names, use_threads=False,
                                               block_size=max(1 << 20, len(buf) + 1)),
                parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(self.names, pa.string()), strings_can_be_null=False,
                    quoted_strings_can_be_null=False, check_utf8=False),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return None
        if table.num_rows != len(good) or table.num_columns != len(self.names):
            return None
        return table

    def _add_rows(self, out: PieceBuilder, columns: list[pa.Array], rows, record_of=None) -> None:
        """Accepted records as columns (by header position) -> the table's parse types and the
        fast validator; `rows` is the (line, row, text) list, or the line numbers with
        `record_of(r)` giving that triple for the rare row the reference validator must see."""
        header, table = self.header, self.table
        if record_of is None:
            line_nos = np.array([g[0] for g in rows], dtype=np.int64)

            def record_of(r: int):
                return rows[r]
        else:
            line_nos = np.asarray(rows, dtype=np.int64)
        n = len(line_nos)
        parsed, pre = {}, np.zeros(n, dtype=bool)
        by_name = {h: i for i, h in reversed(list(enumerate(header)))}
        for f in TABLES[table]:
            if f.name in by_name:
                col, bad = text_to_parse_type(f, columns[by_name[f.name]])
                parsed[f.name] = col
                pre |= bad
        known = {f.name for f in TABLES[table]}
        extra_names = [h for h in header if h not in known and h in by_name and by_name[h] == header.index(h)]
        if extra_names:
            extra_tb = pa.table({h: _empty_null(columns[by_name[h]]) for h in extra_names})
            extra = column_extras(extra_tb, extra_names)
        else:
            extra = pa.nulls(n, pa.string())
        tb = pa.table(parsed) if parsed else pa.table({"_": pa.nulls(n)})

        def reference(r: int) -> None:
            line, row, record = record_of(r)
            obj = {h: (v if v != "" else None) for h, v in zip(header, row)}
            out.reference_obj(obj, line, record, CSV)

        out.add_parsed(tb, line_nos, extra=extra, reference=reference, pre_doubt=pre)


def _first_irregular(data: bytes, arr: np.ndarray, quotes: np.ndarray, at_end: bool) -> int | None:
    """The offset of the first byte past which quote parity may not find the records the csv
    module finds (None: there is none): a NUL, a bare CR, a quote that neither opens a field
    (after a comma, a newline or the block's start) nor closes one (before a comma, a line end
    or the end of the file) nor is one of a doubled pair, or a quote left open at the end."""
    found = []
    nul = data.find(b"\0")
    if nul >= 0:
        found.append(nul)
    if data.find(b"\r") >= 0:
        cr = np.flatnonzero(arr == _CR)
        nxt = cr + 1
        inside = nxt < len(arr)
        bare = cr[inside][arr[nxt[inside]] != _NL]
        if len(bare):
            found.append(int(bare[0]))
        if at_end and not inside[-1]:
            found.append(int(cr[-1]))
    opening, closing = quotes[0::2], quotes[1::2]
    opening = opening[opening > 0]
    wrong = opening[~np.isin(arr[opening - 1], _OPEN_AFTER)]
    if len(wrong):
        found.append(int(wrong[0]))
    after = closing + 1
    inside = after < len(arr)
    wrong = closing[inside][~np.isin(arr[after[inside]], _CLOSE_BEFORE)]
    if len(wrong):
        found.append(int(wrong[0]))
    if at_end and len(quotes) % 2:
        found.append(int(quotes[-1]))
    return min(found) if found else None


def _classify(out: PieceBuilder, records: list, width: int) -> list:
    """Reject the records the exact reader flags (unreadable, empty, wrong width, bad UTF-8); the
    rest, (line, row, text without its line end), go on."""
    good: list[tuple[int, list[str], str]] = []
    # undecodable bytes became surrogates: look for them record by record only if the batch has any
    suspect = _surrogates("".join(text for _, _, text in records))
    for line, row, text in records:
        if row is not None and len(row) == width and not suspect:
            good.append((line, row, text.rstrip("\r\n")))
            continue
        record = text.rstrip("\r\n")
        if row is None:
            reason, _, record = text.partition("|")
            out.reject(line, f"bad csv ({reason})", None, record.rstrip("\r\n"))
        elif not row or (len(row) == 1 and not row[0].strip() and width > 1):
            out.reject(line, "empty line", None, record)
        elif len(row) != width:
            out.reject(line, f"wrong number of fields ({len(row)}, header has {width})", None, record)
        elif _surrogates(text):
            out.reject(line, "invalid utf-8", None, record.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        else:
            good.append((line, row, record))
    return good


def _text_columns(good: list, width: int) -> list[pa.Array]:
    return [pa.array(col, pa.string()) for col in zip(*(r for _, r, _ in good))]


def csv_pieces(path: Path, table: str, fast: bool | None = None) -> Iterator[Piece]:
    """The file's pieces in order, on this thread (ingest itself runs the blocks on a pool)."""
    reader = CsvReader(path, table, fast=fast)
    for work in reader.works():
        yield reader(work)


def _empty_null(col: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)


def _surrogates(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True
