"""Mastodon API JSON -> contract export.

Source folder layout (each file one API response: a JSON array, or one object):
  accounts/*.json    Account entities (GET /api/v1/accounts/:id)
  statuses/*.json    Status entities (GET /api/v1/accounts/:id/statuses)
  following/<account_id>.json   Accounts that <account_id> follows (GET /api/v1/accounts/:id/following)
A record that is not an object, or lacks an id field it needs, is rejected with file, record
index and reason; the rest go on.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from vigil.importers import register
from vigil.importers.sink import Sink

TAG_RE = re.compile(r"<[^>]+>")
BREAK_RE = re.compile(r"<br\s*/?>|</p>\s*<p>", re.I)
URL_RE = re.compile(r"https?://[^\s<>\"]+")


def plain_text(content: str | None) -> str | None:
    """Statuses and notes come as HTML; the signals read text."""
    if content is None:
        return None
    return html.unescape(TAG_RE.sub("", BREAK_RE.sub("\n", content))).strip()


def _records(path: Path, sink: Sink):
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        sink.reject(path, 0, f"unreadable JSON: {e}")
        return
    for i, rec in enumerate(doc if isinstance(doc, list) else [doc]):
        if not isinstance(rec, dict):
            sink.reject(path, i, "record is not a JSON object")
            continue
        yield i, rec


def _id(rec: dict, key: str) -> str:
    v = rec.get(key)
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str) or not v:
        raise ValueError(f"missing or invalid {key}")
    return v


def account_row(a: dict) -> dict:
    links = [m.group(0) for f in a.get("fields") or [] if isinstance(f, dict)
             for m in URL_RE.finditer(str(f.get("value") or ""))]
    return {
        "account_id": _id(a, "id"), "handle": a.get("acct") or a.get("username"),
        "display_name": a.get("display_name"), "bio": plain_text(a.get("note")),
        "created_at": a.get("created_at"), "links": links or None,
        "followers_count": a.get("followers_count"), "following_count": a.get("following_count"),
    }


def status_rows(s: dict, sink: Sink) -> None:
    author = s.get("account")
    if not isinstance(author, dict):
        raise ValueError("missing account")
    row = account_row(author)
    sid, aid, ts = _id(s, "id"), row["account_id"], s.get("created_at")
    reblog = s.get("reblog")
    if isinstance(reblog, dict):
        orig = reblog.get("account")
        if not isinstance(orig, dict):
            raise ValueError("reblog without account")
        orig_row = account_row(orig)
        status_rows(reblog, sink)
        sink.account(row)
        sink.edge(aid, orig_row["account_id"], "repost", ts)
        return
    reply_to = s.get("in_reply_to_id")
    reply_acct = s.get("in_reply_to_account_id")
    mentions = [_id(m, "id") for m in s.get("mentions") or [] if isinstance(m, dict)]
    sink.account(row)
    sink.post({
        "post_id": sid, "account_id": aid, "created_at": ts, "text": plain_text(s.get("content")),
        "hashtags": [t["name"] for t in s.get("tags") or [] if isinstance(t, dict) and t.get("name")] or None,
        "kind": "comment" if reply_to else "post", "reply_to": str(reply_to) if reply_to else None,
        "media": [{"media_id": str(m["id"])} for m in s.get("media_attachments") or []
                  if isinstance(m, dict) and m.get("id")] or None,
    })
    if reply_acct and str(reply_acct) != aid:
        sink.edge(aid, str(reply_acct), "comment", ts)
    for m in mentions:
        if m != aid and m != str(reply_acct or ""):
            sink.edge(aid, m, "mention", ts)


@register("mastodon")
def read_mastodon(src: Path, sink: Sink) -> None:
    for path in sorted((src / "accounts").glob("*.json")):
        for i, rec in _records(path, sink):
            try:
                sink.account(account_row(rec))
            except ValueError as e:
                sink.reject(path, i, str(e))
    for path in sorted((src / "statuses").glob("*.json")):
        for i, rec in _records(path, sink):
            try:
                status_rows(rec, sink)
            except ValueError as e:
                sink.reject(path, i, str(e))
    for path in sorted((src / "following").glob("*.json")):
        follower = path.stem
        for i, rec in _records(path, sink):
            try:
                followed = account_row(rec)
            except ValueError as e:
                sink.reject(path, i, str(e))
                continue
            sink.account(followed)
            sink.edge(follower, followed["account_id"], "follow")
