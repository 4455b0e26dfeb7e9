"""X API v2 JSON -> contract export.

Source folder layout (each file one API v2 response object):
  tweets/*.json      {"data": [Tweet], "includes": {"users": [User], "tweets": [Tweet], "media": [Media]}}
  following/<user_id>.json   {"data": [User], "meta": {...}}: the users that <user_id> follows
Tweets need tweet.fields author_id, created_at, entities, referenced_tweets, in_reply_to_user_id,
attachments. A retweet is a `repost` edge (to the retweeted tweet's author, found in includes),
not a post. Rejects name the file and `data[i]` / `includes.users[i]` style record index.
"""

from __future__ import annotations

from pathlib import Path

from vigil.importers import register
from vigil.importers.mastodon import _id, _records
from vigil.importers.sink import Sink


def user_row(u: dict) -> dict:
    ent = u.get("entities") or {}
    links = [x.get("expanded_url") or x.get("url") for part in ("url", "description")
             for x in (ent.get(part) or {}).get("urls") or [] if isinstance(x, dict)]
    pm = u.get("public_metrics") or {}
    return {
        "account_id": _id(u, "id"), "handle": u.get("username"), "display_name": u.get("name"),
        "bio": u.get("description"), "created_at": u.get("created_at"),
        "links": [x for x in links if x] or None,
        "followers_count": pm.get("followers_count"), "following_count": pm.get("following_count"),
    }


def tweet_rows(t: dict, authors: dict[str, str], sink: Sink) -> None:
    tid, aid, ts = _id(t, "id"), _id(t, "author_id"), t.get("created_at")
    refs = {r.get("type"): str(r.get("id")) for r in t.get("referenced_tweets") or [] if isinstance(r, dict)}
    if "retweeted" in refs:
        orig = authors.get(refs["retweeted"])
        if orig is None:
            raise ValueError("retweet of a tweet missing from includes.tweets")
        sink.edge(aid, orig, "repost", ts)
        return
    ent = t.get("entities") or {}
    reply_to = refs.get("replied_to")
    sink.post({
        "post_id": tid, "account_id": aid, "created_at": ts, "text": t.get("text"),
        "hashtags": [h["tag"] for h in ent.get("hashtags") or [] if isinstance(h, dict) and h.get("tag")] or None,
        "kind": "comment" if reply_to else "post", "reply_to": reply_to,
        "media": [{"media_id": str(k)} for k in (t.get("attachments") or {}).get("media_keys") or []] or None,
    })
    reply_user = t.get("in_reply_to_user_id")
    if reply_user and str(reply_user) != aid:
        sink.edge(aid, str(reply_user), "comment", ts)
    for m in ent.get("mentions") or []:
        if isinstance(m, dict) and m.get("id") and str(m["id"]) not in (aid, str(reply_user or "")):
            sink.edge(aid, str(m["id"]), "mention", ts)


def _each(path: Path, sink: Sink, items, label: str):
    for i, rec in enumerate(items if isinstance(items, list) else []):
        if not isinstance(rec, dict):
            sink.reject(path, i, f"{label}: record is not a JSON object")
            continue
        yield i, rec


@register("x")
def read_x(src: Path, sink: Sink) -> None:
    for path in sorted((src / "tweets").glob("*.json")):
        for _, page in _records(path, sink):
            inc = page.get("includes") or {}
            for i, u in _each(path, sink, inc.get("users"), "includes.users"):
                try:
                    sink.account(user_row(u))
                except ValueError as e:
                    sink.reject(path, i, f"includes.users: {e}")
            tweets = [t for t in (inc.get("tweets") or []) + (page.get("data") or []) if isinstance(t, dict)]
            authors = {str(t.get("id")): str(t.get("author_id")) for t in tweets if t.get("author_id")}
            for label, items in (("includes.tweets", inc.get("tweets")), ("data", page.get("data"))):
                for i, t in _each(path, sink, items, label):
                    try:
                        tweet_rows(t, authors, sink)
                    except ValueError as e:
                        sink.reject(path, i, f"{label}: {e}")
    for path in sorted((src / "following").glob("*.json")):
        for _, page in _records(path, sink):
            for i, u in _each(path, sink, page.get("data"), "data"):
                try:
                    row = user_row(u)
                except ValueError as e:
                    sink.reject(path, i, f"data: {e}")
                    continue
                sink.account(row)
                sink.edge(path.stem, row["account_id"], "follow")
