"""Ingest: a platform export (the data contract) -> the workspace's input tables, losing nothing.

Every record is either written to its table (accounts, posts, edges, recommendations; each
table is written, empty when its file is absent) or rejected into rejects.jsonl with its file,
line, table, reason, field and raw text. The rules (contract.py) are applied twice over: in
bulk with Arrow (columnar.py) for speed, and one record at a time (records.py), which has the
last word on every record the bulk path does not accept outright.

Choices the contract leaves open, made here:
- ids must be JSON strings (a number is "wrong type"); an empty id is a missing one.
- timestamps must be RFC 3339 with an offset (or Z); they are stored in UTC. An empty string
  is an absent timestamp.
- `hashtags` absent from a post are taken from its text here (`#word`, letters/digits/_), so
  later stages always find them in the column; given hashtags are kept as given.
- unknown fields are kept in `extra` as JSON text, without null members.
- a blank line in JSON Lines is a record that is not there: rejected as "empty line".
- CSV: an empty cell is an absent value; a record's line is the physical line it starts on.
- Parquet: a record's line is its 1-based row number.
"""

from vigil.lazy import lazy_exports

__all__ = ["ExportError", "IngestReport", "check_export", "ingest_export", "read_seeds"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "ExportError": "vigil.ingest.export",
    "IngestReport": "vigil.ingest.export",
    "check_export": "vigil.ingest.export",
    "ingest_export": "vigil.ingest.export",
    "read_seeds": "vigil.ingest.seeds",
})
