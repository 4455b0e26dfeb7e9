"""The data contract's input tables as field rules, shared by the fast (columnar) and the
reference (one record at a time) validators, so both judge a record by the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from vigil import schemas

# Field kinds. `id` is a required-or-optional string id (strict: a JSON string, never a number).
ID, STR, INT, TS, STRLIST, MEDIA, ENUM, PDQ = "id", "str", "int", "ts", "strlist", "media", "enum", "pdq"

# RFC 3339 date-time (section 5.6), with the space separator its note allows. Ranges are checked
# here so that the columnar cast only ever sees well-formed text; day-of-month overflow
# (Feb 30) is left to the calendar check after the regex.
RFC3339 = (
    r"^([1-9]\d{3}|0[1-9]\d{2}|00[1-9]\d|000[1-9])-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
RFC3339_RE = re.compile(RFC3339)
PDQ_HEX = r"^[0-9a-fA-F]{64}$"
MD5_HEX = r"^[0-9a-fA-F]{32}$"
PDQ_RE, MD5_RE = re.compile(PDQ_HEX), re.compile(MD5_HEX)
# Whole-string shape of VPDQSignal's serialisation: a JSON list of "pdq_hex,quality,timestamp"
# (quality 0..100, timestamp >= 0 as vpdq writes it, `:.3` formatting included: 1.23e+03).
VPDQ_FEATURE = r'"[0-9a-fA-F]{64},(?:100|[1-9]?[0-9]),[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?"'
VPDQ_LIST = rf"^\s*\[\s*(?:{VPDQ_FEATURE}(?:\s*,\s*{VPDQ_FEATURE})*)?\s*\]\s*$"
VPDQ_RE = re.compile(VPDQ_LIST)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    values: tuple[str, ...] = ()  # for ENUM
    reason: str = ""  # for ENUM: the reject reason of a value outside `values`
    default: str | None = None  # for ENUM: the value of an absent field


def _f(name, kind, required=False, **kw) -> Field:
    return Field(name, kind, required, **kw)


TABLES: dict[str, tuple[Field, ...]] = {
    "accounts": (
        _f("platform", ID, True), _f("account_id", ID, True), _f("handle", STR), _f("display_name", STR),
        _f("bio", STR), _f("created_at", TS), _f("links", STRLIST), _f("followers_count", INT),
        _f("following_count", INT), _f("profile_image", STR), _f("profile_image_pdq", PDQ),
    ),
    "posts": (
        _f("platform", ID, True), _f("post_id", ID, True), _f("account_id", ID, True), _f("created_at", TS),
        _f("text", STR), _f("hashtags", STRLIST),
        _f("kind", ENUM, values=schemas.POST_KINDS, reason="invalid post kind"),
        _f("reply_to", STR), _f("media", MEDIA),
    ),
    "edges": (
        _f("platform", ID, True), _f("src", ID, True), _f("dst", ID, True),
        _f("kind", ENUM, True, values=schemas.EDGE_KINDS, reason="invalid edge kind"),
        _f("created_at", TS), _f("count", INT),
    ),
    "recommendations": (
        _f("platform", ID, True), _f("viewer_id", ID, True),
        _f("surface", ENUM, True, values=schemas.SURFACES, reason="invalid surface"),
        _f("item_id", ID, True),
        _f("item_kind", ENUM, values=("account", "post"), reason="invalid item_kind", default="account"),
        _f("query", STR), _f("rank", INT), _f("shown_at", TS),
    ),
}
TARGET = schemas.INPUT_TABLES
MEDIA_KEYS = ("media_id", "pdq", "md5", "path", "vpdq")


def field_names(table: str) -> list[str]:
    return [f.name for f in TABLES[table]]


def parse_type(f: Field) -> pa.DataType:
    """The Arrow type a field is parsed into before validation (timestamps stay text)."""
    if f.kind == INT:
        return pa.int64()
    if f.kind == STRLIST:
        return pa.list_(pa.string())
    if f.kind == MEDIA:
        return pa.list_(schemas.MEDIA_ITEM)
    return pa.string()


def parse_schema(table: str) -> pa.Schema:
    return pa.schema([(f.name, parse_type(f)) for f in TABLES[table]])
