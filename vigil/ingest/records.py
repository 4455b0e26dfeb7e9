"""The reference validator: one record at a time, in plain Python.

It is the authority on every record the columnar path does not accept outright: the fast path
only ever *accepts* rows that pass the same rules, and hands everything it doubts to this module,
which either accepts the record or names the exact reason (and field) it is rejected for.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

from vigil.ingest.contract import (
    ENUM, ID, INT, INT64_MAX, INT64_MIN, MD5_RE, MEDIA, MEDIA_KEYS, PDQ, PDQ_RE, RFC3339_RE, STR,
    STRLIST, TABLES, TS, VPDQ_RE, Field,
)

# How a value was written: JSON keeps its types; CSV is all text (numbers and lists are parsed
# from it); Parquet carries native values (timestamps may already be datetimes).
JSON, CSV, PARQUET = "json", "csv", "parquet"
_INT_TEXT = re.compile(r"^[+-]?\d+(\.0*)?$")


class Reject(Exception):
    """A record that cannot be used, with the reason and (when one field is to blame) the field."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.reason, self.field = reason, field


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise _DuplicateKey(k)
        obj[k] = v
    return obj


def _no_constants(name):
    raise ValueError(f"non-standard constant {name}")


def load_json_object(text: str) -> dict:
    """Parse one JSON Lines record; raise Reject with a readable reason."""
    if not text.strip():
        raise Reject("empty line")
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _DuplicateKey as e:
        raise Reject(f"bad json (duplicate key {e.args[0]!r})") from None
    except json.JSONDecodeError as e:
        raise Reject(f"bad json ({_json_problem(text, e)})") from None
    except (ValueError, RecursionError) as e:
        raise Reject(f"bad json ({e})") from None
    if not isinstance(obj, dict):
        raise Reject("not an object")
    if _has_lone_surrogate(obj):
        raise Reject("bad json (unpaired surrogate escape)")
    return obj


def _json_problem(text: str, e: json.JSONDecodeError) -> str:
    """Name the usual ways a line goes bad (cut off, single quotes, trailing comma)."""
    end = len(text.rstrip())
    at = text[e.pos] if e.pos < len(text) else ""
    before = text[: e.pos].rstrip()
    if e.msg.startswith("Unterminated string") or e.pos >= end:
        return "truncated"
    if at == "'":
        return "single quotes"
    if before.endswith(",") and at in "}]":
        return "trailing comma"
    return f"{e.msg} at column {e.colno}"


def _has_lone_surrogate(obj) -> bool:
    stack = [obj]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if any("\ud800" <= ch <= "\udfff" for ch in v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def parse_timestamp(text: str) -> dt.datetime | None:
    """RFC 3339 text -> aware UTC datetime; None when it is not a real RFC 3339 instant."""
    if not RFC3339_RE.match(text):
        return None
    s = text.upper().replace(" ", "T").replace("Z", "+00:00")
    main, _, rest = s.partition(".")
    if rest:  # fraction: keep microseconds (truncate nanoseconds)
        digits = re.match(r"\d+", rest).group(0)
        s = f"{main}.{(digits + '000000')[:6]}{rest[len(digits):]}"
    try:
        return dt.datetime.fromisoformat(s).astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        return None


def check_record(obj: dict, table: str, flavour: str = JSON) -> dict:
    """Validate one record against the contract; return its normalised values plus `extra`."""
    fields = TABLES[table]
    out: dict = {}
    for f in fields:
        v = obj.get(f.name)
        absent = f.name not in obj or (flavour != JSON and (v is None or v == ""))
        if absent:
            if f.required:
                raise Reject(f"missing required field {f.name}", f.name)
            out[f.name] = f.default
            continue
        if v is None:
            if f.required:
                raise Reject(f"wrong type for {f.name}", f.name)
            out[f.name] = f.default
            continue
        out[f.name] = _check_value(f, v, flavour)
    known = {f.name for f in fields}
    extra = drop_nulls({k: v for k, v in obj.items() if k not in known})
    out["extra"] = dump_extra(extra) if extra else None
    return out


def drop_nulls(obj: dict) -> dict:
    """Unknown fields are kept without their null members (as a JSON merge patch onto {} does):
    a null says nothing, and Arrow cannot tell it from an absent field."""
    return {k: drop_nulls(v) if isinstance(v, dict) else v for k, v in obj.items() if v is not None}


def dump_extra(extra: dict) -> str:
    return json.dumps(extra, ensure_ascii=False, separators=(",", ":"), default=str)


def _check_value(f: Field, v, flavour: str):
    name = f.name
    if f.kind in (ID, STR, ENUM, PDQ):
        if not isinstance(v, str):
            raise Reject(f"wrong type for {name}", name)
        if f.kind == ID and v == "":
            raise Reject(f"missing required field {name} (empty)", name)
        if f.kind == ENUM and v not in f.values:
            raise Reject(f.reason, name)
        if f.kind == PDQ:
            if v == "":
                return None
            if not PDQ_RE.match(v):
                raise Reject(f"bad pdq in {name}", name)
            return v.lower()
        return v
    if f.kind == INT:
        return _check_int(name, v, flavour)
    if f.kind == TS:
        if isinstance(v, dt.datetime) and flavour == PARQUET:
            return v.replace(tzinfo=dt.timezone.utc) if v.tzinfo is None else v.astimezone(dt.timezone.utc)
        if not isinstance(v, str):
            raise Reject(f"wrong type for {name}", name)
        if v == "":
            return None
        ts = parse_timestamp(v)
        if ts is None:
            raise Reject(f"bad timestamp in {name}", name)
        return ts
    if f.kind in (STRLIST, MEDIA):
        if isinstance(v, str) and flavour != JSON:  # CSV (and text Parquet columns): list as JSON text
            try:
                v = json.loads(v, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
            except (ValueError, RecursionError):
                raise Reject(f"bad list field {name} (not JSON)", name) from None
            if v is None:
                return None
            if _has_lone_surrogate(v):
                raise Reject(f"bad list field {name} (unpaired surrogate escape)", name)
        if not isinstance(v, list):
            raise Reject(f"bad list field {name} (not a list)", name)
        return _check_strlist(name, v) if f.kind == STRLIST else _check_media(name, v)
    raise AssertionError(f.kind)


def _check_int(name: str, v, flavour: str) -> int:
    if isinstance(v, str) and flavour != JSON and _INT_TEXT.match(v.strip()):
        v = int(v.strip().split(".")[0])
    if isinstance(v, bool):
        raise Reject(f"wrong type for {name}", name)
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        v = int(v)
    if not isinstance(v, int) or not INT64_MIN <= v <= INT64_MAX:
        raise Reject(f"wrong type for {name}", name)
    return v


def _check_strlist(name: str, items: list) -> list[str]:
    if not all(isinstance(x, str) for x in items):
        raise Reject(f"bad list field {name} (items must be strings)", name)
    return items


def _check_media(name: str, items: list) -> list[dict]:
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise Reject(f"bad list field {name} (items must be objects)", name)
        mid = item.get("media_id")
        if not isinstance(mid, str) or mid == "":
            raise Reject(f"bad list field {name} (media_id must be a non-empty string)", name)
        m = {k: item.get(k) for k in MEDIA_KEYS}
        for k in ("pdq", "md5", "path", "vpdq"):
            if m[k] is not None and not isinstance(m[k], str):
                raise Reject(f"bad list field {name} ({k} must be a string)", name)
            if m[k] == "" and k != "path":
                m[k] = None
        if m["pdq"] is not None:
            if not PDQ_RE.match(m["pdq"]):
                raise Reject(f"bad pdq in {name}", name)
            m["pdq"] = m["pdq"].lower()
        if m["md5"] is not None:
            if not MD5_RE.match(m["md5"]):
                raise Reject(f"bad md5 in {name}", name)
            m["md5"] = m["md5"].lower()
        if m["vpdq"] is not None:
            if not VPDQ_RE.match(m["vpdq"]):
                raise Reject(f"bad vpdq in {name}", name)
            m["vpdq"] = m["vpdq"].lower()
        out.append(m)
    return out
