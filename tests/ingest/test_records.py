"""Each reason a record is rejected for, and what ingest keeps."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.ingest.conftest import ACCOUNT, EDGE, POST, REC
from vigil.ingest import ExportError, ingest_export
from vigil.workspace import Workspace


def _with(base: dict, **changes) -> str:
    rec = dict(base)
    for k, v in changes.items():
        if v is _DROP:
            rec.pop(k, None)
        else:
            rec[k] = v
    return json.dumps(rec)


_DROP = object()

CASES = [
    # (table, line, reason, field)
    ("edges", '{"platform":"photogram","src":"1","dst":"2"', "bad json (truncated)", None),
    ("edges", "{'platform':'photogram','src':'1','dst':'2','kind':'follow'}", "bad json (single quotes)", None),
    ("edges", '{"platform":"photogram","src":"1","dst":"2","kind":"follow",}', "bad json (trailing comma)", None),
    ("edges", '["photogram", "1"]', "not an object", None),
    ("edges", "42", "not an object", None),
    ("edges", "null", "not an object", None),
    ("edges", "", "empty line", None),
    ("edges", _with(EDGE, src=_DROP), "missing required field src", "src"),
    ("edges", _with(EDGE, src=12), "wrong type for src", "src"),
    ("edges", _with(EDGE, dst=True), "wrong type for dst", "dst"),
    ("edges", _with(EDGE, src=None), "wrong type for src", "src"),
    ("edges", _with(EDGE, src={"id": "1"}), "wrong type for src", "src"),
    ("edges", _with(EDGE, kind="befriend"), "invalid edge kind", "kind"),
    ("edges", _with(EDGE, kind=_DROP), "missing required field kind", "kind"),
    ("edges", _with(EDGE, count="3"), "wrong type for count", "count"),
    ("edges", _with(EDGE, count=1.5), "wrong type for count", "count"),
    ("edges", _with(EDGE, count=True), "wrong type for count", "count"),
    ("edges", _with(EDGE, created_at="yesterday"), "bad timestamp in created_at", "created_at"),
    ("edges", _with(EDGE, created_at="2025-02-30T00:00:00Z"), "bad timestamp in created_at", "created_at"),
    ("edges", _with(EDGE, created_at="2025-01-01T10:00:00"), "bad timestamp in created_at", "created_at"),
    ("edges", _with(EDGE, created_at="2025-01-01"), "bad timestamp in created_at", "created_at"),
    ("edges", _with(EDGE, created_at=1735689600), "wrong type for created_at", "created_at"),
    ("edges", '{"platform":"photogram","src":"1","dst":"2","kind":"follow","x":NaN}', "bad json", None),
    ("edges", '{"platform":"photogram","src":"1","src":"2","dst":"2","kind":"follow"}', "bad json (duplicate key", None),
    ("edges", '{"platform":"photogram","src":"\\ud800","dst":"2","kind":"follow"}', "bad json", None),
    ("recommendations", _with(REC, surface="sidebar"), "invalid surface", "surface"),
    ("recommendations", _with(REC, item_kind="hashtag"), "invalid item_kind", "item_kind"),
    ("recommendations", _with(REC, rank="1"), "wrong type for rank", "rank"),
    ("posts", _with(POST, kind="reel"), "invalid post kind", "kind"),
    ("posts", _with(POST, hashtags="art"), "bad list field hashtags", "hashtags"),
    ("posts", _with(POST, hashtags=["a", 1]), "bad list field hashtags", "hashtags"),
    ("posts", _with(POST, media=[{"pdq": "ab" * 32}]), "bad list field media", "media"),
    ("posts", _with(POST, media=["m1"]), "bad list field media", "media"),
    ("posts", _with(POST, media=[{"media_id": "m", "pdq": "xyz"}]), "bad pdq in media", "media"),
    ("posts", _with(POST, media=[{"media_id": "m", "md5": "12"}]), "bad md5 in media", "media"),
    ("posts", _with(POST, post_id=""), "missing required field post_id", "post_id"),
    ("accounts", _with(ACCOUNT, profile_image_pdq="ab" * 31), "bad pdq in profile_image_pdq", "profile_image_pdq"),
    ("accounts", _with(ACCOUNT, links=[None]), "bad list field links", "links"),
    ("accounts", _with(ACCOUNT, handle=7), "wrong type for handle", "handle"),
    ("accounts", _with(ACCOUNT, account_id=100), "wrong type for account_id", "account_id"),
]


@pytest.mark.parametrize("table,line,reason,field", CASES, ids=[f"{c[0]}:{c[2]}:{i}" for i, c in enumerate(CASES)])
def test_each_bad_record_is_rejected_with_its_reason(ingest, table, line, reason, field):
    good = {"accounts": ACCOUNT, "posts": POST, "edges": EDGE, "recommendations": REC}[table]
    # the bad line sits between good ones, in a block Arrow parses whole, so the fast path is exercised
    lines = [json.dumps(good)] * 5 + [line] + [json.dumps(good)] * 5
    report, ws, rejects = ingest({table: lines})
    assert [(r["line"], r["table"]) for r in rejects] == [(6, table)]
    assert rejects[0]["reason"].startswith(reason)
    assert rejects[0]["field"] == field
    assert rejects[0]["file"] == f"{table}.jsonl"
    assert rejects[0]["record"] == line
    assert report.rejects == 1 and report.rejects_by_file == {f"{table}.jsonl": 1}
    assert report.counts[table] == 10
    assert ws.read(table).column("_line").to_pylist() == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]


def test_unknown_fields_are_kept_in_extra(ingest):
    lines = [
        _with(EDGE, weight=3, note="x\"y", nested={"a": [1, 2]}),
        _with(EDGE),
        _with(EDGE, weight=2.5),
        _with(EDGE, note=None),
    ]
    _, ws, rejects = ingest({"edges": lines})
    assert rejects == []
    extra = [json.loads(e) if e else None for e in ws.read("edges").column("extra").to_pylist()]
    # null members say nothing (and Arrow cannot tell them from absent ones): dropped
    assert extra == [{"weight": 3, "note": 'x"y', "nested": {"a": [1, 2]}}, None, {"weight": 2.5}, None]


def test_simple_extras_and_type_varying_extras(ingest):
    lines = [_with(ACCOUNT, lang="en"), _with(ACCOUNT, lang=7), _with(ACCOUNT, lang=True), _with(ACCOUNT)]
    _, ws, _ = ingest({"accounts": lines})
    assert [json.loads(e) if e else None for e in ws.read("accounts").column("extra").to_pylist()] == [
        {"lang": "en"}, {"lang": 7}, {"lang": True}, None]


def test_records_pointing_at_missing_accounts_are_kept(ingest):
    report, ws, rejects = ingest({"edges": [_with(EDGE, src="nobody", dst="nowhere")]})
    assert rejects == [] and report.counts["edges"] == 1
    assert ws.read("edges").column("src").to_pylist() == ["nobody"]


def test_values_are_normalised(ingest):
    _, ws, _ = ingest({"posts": [_with(POST), _with(POST, hashtags=_DROP), _with(POST, hashtags=_DROP, text=None)],
                       "recommendations": [_with(REC, item_kind=_DROP)]})
    posts = ws.read("posts").to_pylist()
    assert posts[0]["created_at"] == dt.datetime(2025, 1, 2, 1, 4, 5, tzinfo=dt.timezone.utc)  # +02:00 -> UTC
    assert posts[0]["hashtags"] == ["sketch"]  # given: kept as given
    assert posts[1]["hashtags"] == ["sketch", "Art"]  # absent: taken from the text
    assert posts[2]["hashtags"] is None
    assert posts[0]["media"] == [{"media_id": "m1", "pdq": "cd" * 32, "md5": "0" * 32, "path": None, "vpdq": None}]
    assert ws.read("recommendations").column("item_kind").to_pylist() == ["account"]  # the contract's default


def test_every_table_is_written_and_accounts_are_mandatory(tmp_path, ingest):
    report, ws, _ = ingest({})
    assert report.counts == {"accounts": 1, "posts": 0, "edges": 0, "recommendations": 0}
    assert all(ws.has(t) for t in report.counts)
    export = tmp_path / "no_accounts"
    export.mkdir()
    (export / "edges.jsonl").write_text(json.dumps(EDGE) + "\n")
    with pytest.raises(ExportError, match="accounts"):
        ingest_export(export, Workspace(tmp_path / "ws"), tmp_path / "rejects.jsonl")


def test_crlf_bom_and_missing_final_newline(tmp_path):
    from tests.ingest.conftest import run_ingest

    export = tmp_path / "e"
    export.mkdir()
    body = "\r\n".join([json.dumps(ACCOUNT), json.dumps(ACCOUNT), _with(ACCOUNT, account_id=5)])
    (export / "accounts.jsonl").write_bytes(b"\xef\xbb\xbf" + body.encode())
    report, ws, rejects = run_ingest(export, tmp_path / "out")
    assert report.counts["accounts"] == 2
    assert [(r["line"], r["reason"]) for r in rejects] == [(3, "wrong type for account_id")]


def test_invalid_utf8_is_rejected(tmp_path):
    from tests.ingest.conftest import run_ingest

    export = tmp_path / "e"
    export.mkdir()
    lines = [json.dumps(ACCOUNT).encode()] * 3
    lines[1] = lines[1].replace(b'"Ana"', b'"An\xff"')
    (export / "accounts.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report, _, rejects = run_ingest(export, tmp_path / "out")
    assert report.counts["accounts"] == 2
    assert [(r["line"], r["reason"].split(" at")[0]) for r in rejects] == [(2, "invalid utf-8")]
