"""Contract records -> each import format, for rehearsals and round-trip tests.

Each writer takes one platform's contract records (`{"accounts": [...], "posts": [...],
"edges": [...]}`, times as RFC 3339 text) and writes what that format can say of them, in the
shape `vigil import FORMAT` reads. What a format cannot say is left out, never invented:

- x, mastodon: accounts and posts (media by id only: no hashes); `follow` edges as following
  lists (no time, no count); a reply names its parent's author, which is a `comment` edge.
  Other edges (`like`, `message`, and `comment`/`mention`/`repost` not tied to a post) have no
  place of their own there. No recommendations.
- telegram: senders and their messages only: no bio, handle, links or counts; accounts that
  never write are gone; media without a file path are gone (Telegram names files, not hashes);
  replies are `comment` edges; ids are Telegram's `user<id>`.
- jetstream: everything but recommendations, through the watcher's own mapping and its
  documented extension fields (`dev.vigil.edge`, hashes on image entries); an edge of count n is
  n records. bluesky-car: the same records, one repo per account, less the handle (a repo has
  none: it lives in the DID document).
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from pathlib import Path

from vigil.importers.jetstream import record_to_events

Records = dict[str, list[dict]]


def _dump(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def _authors(records: Records) -> dict[str, str]:
    return {p["post_id"]: p["account_id"] for p in records.get("posts", [])}


def _follows(records: Records) -> dict[str, list[str]]:
    out: dict[str, dict[str, None]] = defaultdict(dict)
    for e in records.get("edges", []):
        if e["kind"] == "follow":
            out[e["src"]][e["dst"]] = None
    return {k: list(v) for k, v in out.items()}


# ---- X API v2 ---------------------------------------------------------------------------


def x_user(a: dict) -> dict:
    u = {"id": a["account_id"], "username": a.get("handle"), "name": a.get("display_name"),
         "description": a.get("bio"), "created_at": a.get("created_at"),
         "public_metrics": {k: a[k] for k in ("followers_count", "following_count") if a.get(k) is not None}}
    if a.get("links"):
        u["entities"] = {"description": {"urls": [{"expanded_url": x} for x in a["links"]]}}
    return {k: v for k, v in u.items() if v is not None}


def write_x(records: Records, out: Path) -> Path:
    authors = _authors(records)
    users = {a["account_id"]: x_user(a) for a in records.get("accounts", [])}
    tweets = []
    for p in records.get("posts", []):
        t = {"id": p["post_id"], "author_id": p["account_id"], "created_at": p.get("created_at"), "text": p.get("text") or ""}
        if p.get("hashtags"):
            t["entities"] = {"hashtags": [{"tag": h} for h in p["hashtags"]]}
        if p.get("reply_to"):
            t["referenced_tweets"] = [{"type": "replied_to", "id": p["reply_to"]}]
            if p["reply_to"] in authors:
                t["in_reply_to_user_id"] = authors[p["reply_to"]]
        if p.get("media"):
            t["attachments"] = {"media_keys": [m["media_id"] for m in p["media"]]}
        tweets.append(t)
    _dump(out / "tweets" / "page1.json", {"data": tweets, "includes": {"users": list(users.values())}})
    for src, dsts in _follows(records).items():
        _dump(out / "following" / f"{src}.json", {"data": [users.get(d, {"id": d}) for d in dsts]})
    return out


# ---- Mastodon ---------------------------------------------------------------------------


def _html(text: str | None) -> str:
    return "<p>" + html.escape(text or "").replace("\n", "<br>") + "</p>"


def mastodon_account(a: dict) -> dict:
    m = {"id": a["account_id"], "acct": a.get("handle"), "username": a.get("handle"),
         "display_name": a.get("display_name"), "note": _html(a.get("bio")) if a.get("bio") is not None else None,
         "created_at": a.get("created_at"), "followers_count": a.get("followers_count"),
         "following_count": a.get("following_count"),
         "fields": [{"name": "link", "value": x} for x in a.get("links") or []]}
    return {k: v for k, v in m.items() if v is not None}


def write_mastodon(records: Records, out: Path) -> Path:
    authors = _authors(records)
    accounts = {a["account_id"]: mastodon_account(a) for a in records.get("accounts", [])}
    _dump(out / "accounts" / "page1.json", list(accounts.values()))
    statuses = []
    for p in records.get("posts", []):
        s = {"id": p["post_id"], "account": accounts.get(p["account_id"], {"id": p["account_id"]}),
             "created_at": p.get("created_at"), "content": _html(p.get("text")),
             "tags": [{"name": h} for h in p.get("hashtags") or []],
             "media_attachments": [{"id": m["media_id"]} for m in p.get("media") or []]}
        if p.get("reply_to"):
            s["in_reply_to_id"] = p["reply_to"]
            s["in_reply_to_account_id"] = authors.get(p["reply_to"])
        statuses.append(s)
    _dump(out / "statuses" / "all.json", statuses)
    for src, dsts in _follows(records).items():
        _dump(out / "following" / f"{src}.json", [accounts.get(d, {"id": d}) for d in dsts])
    return out


# ---- Telegram Desktop -------------------------------------------------------------------


def write_telegram(records: Records, out: Path, chat_name: str = "export") -> Path:
    """One group chat holding every post as a message, in time order; ids `user<account_id>`."""
    names = {a["account_id"]: a.get("display_name") for a in records.get("accounts", [])}
    posts = sorted(records.get("posts", []), key=lambda p: (p.get("created_at") or "", p["post_id"]))
    number = {p["post_id"]: i + 1 for i, p in enumerate(posts)}
    messages = []
    for p in posts:
        m = {"id": number[p["post_id"]], "type": "message", "date": (p.get("created_at") or "")[:19],
             "from": names.get(p["account_id"]), "from_id": f"user{p['account_id']}", "text": p.get("text") or ""}
        if p.get("reply_to") in number:
            m["reply_to_message_id"] = number[p["reply_to"]]
        paths = [x["path"] for x in p.get("media") or [] if x.get("path")]
        if paths:
            m["photo"] = paths[0]
        messages.append(m)
    _dump(out / "result.json", {"name": chat_name, "type": "private_supergroup", "id": 1, "messages": messages})
    return out / "result.json"


# ---- Bluesky ----------------------------------------------------------------------------


def _events(records: Records) -> list[dict]:
    return [e for table in ("accounts", "posts", "edges") for r in records.get(table, [])
            for e in record_to_events(table, r)]


def write_jetstream(records: Records, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for e in _events(records):
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    return out


def write_bluesky_cars(records: Records, out: Path) -> Path:
    """One repo CAR per account (did), holding that account's records."""
    from vigil.importers.bluesky_car import write_repo_car

    repos: dict[str, list] = defaultdict(list)
    for e in _events(records):
        if e["kind"] == "commit":
            c = e["commit"]
            repos[e["did"]].append((c["collection"], c["rkey"], {k: v for k, v in c["record"].items() if v is not None}))
    out.mkdir(parents=True, exist_ok=True)
    for i, (did, recs) in enumerate(sorted(repos.items())):
        write_repo_car(out / f"repo{i:06d}.car", did, recs)
    return out
