"""Bluesky Jetstream events <-> contract records, both ways, as pure functions.

Jetstream (the JSON firehose of Bluesky) sends one message per repo change: `commit` events
(a record created, updated or deleted in a collection), `identity` events (a handle change) and
`account` events (taken down, deactivated, back). The watcher turns each into contract records;
the stand-in server turns an export into such events for rehearsals and tests.

What Bluesky has no record for travels in documented extension fields, so a rehearsal loses
nothing: an edge kind with no Bluesky collection (`comment`, `mention`, `message`) is a record of
the collection `EXT_EDGE`; media hashes ride on the image entries (`pdq`, `md5`, `media_id`);
account fields with no profile field (`links`, counts, `profile_image_pdq`) ride on the profile.
Record keys are the contract's post ids; dids are the account ids.

`record_rows` maps one record of a collection, whatever carried it: a Jetstream commit here, a
repository CAR in `bluesky_car`. Beyond what the stand-in writes it reads real posts' facets
(mentions -> `mention` edges, links -> the post's `links`), a reply's parent did (a `comment`
edge) and image blobs (named by their CID).
"""

from __future__ import annotations

import datetime as dt
import hashlib

POST = "app.bsky.feed.post"
FOLLOW = "app.bsky.graph.follow"
LIKE = "app.bsky.feed.like"
REPOST = "app.bsky.feed.repost"
PROFILE = "app.bsky.actor.profile"
EXT_EDGE = "dev.vigil.edge"  # stand-in extension: an edge kind Bluesky has no record for
EDGE_COLLECTIONS = {"follow": FOLLOW, "like": LIKE, "repost": REPOST}
COLLECTION_EDGES = {v: k for k, v in EDGE_COLLECTIONS.items()}
EXT_EDGE_KINDS = ("comment", "mention", "message")
ACCOUNT_EXTRA = ("links", "followers_count", "following_count", "profile_image_pdq")


def _time_us(ts: str | None, fallback: int) -> int:
    if not ts:
        return fallback
    try:
        t = dt.datetime.fromisoformat(str(ts).replace("Z", "+00:00"))
    except ValueError:
        return fallback
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp() * 1_000_000)


def _cid(*parts) -> str:
    return "bafyrei" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:52]


def _uri(did: str, collection: str, rkey: str) -> str:
    return f"at://{did}/{collection}/{rkey}"


def _commit(did: str, time_us: int, collection: str, rkey: str, record: dict) -> dict:
    return {"did": did, "time_us": time_us, "kind": "commit",
            "commit": {"rev": f"{time_us:x}", "operation": "create", "collection": collection, "rkey": rkey,
                       "record": {"$type": collection, **record}, "cid": _cid(did, collection, rkey)}}


# ---- contract records -> events (the stand-in) -------------------------------------------


def record_to_events(table: str, r: dict, fallback_us: int = 0) -> list[dict]:
    """The Jetstream events that carry one contract record (none for `recommendations`,
    which a firehose does not see)."""
    if table == "accounts":
        did, t = r["account_id"], _time_us(r.get("created_at"), fallback_us)
        out = []
        if r.get("handle"):
            out.append({"did": did, "time_us": t, "kind": "identity",
                        "identity": {"did": did, "handle": r["handle"], "seq": t, "time": r.get("created_at")}})
        rec = {"displayName": r.get("display_name") or "", "description": r.get("bio") or ""}
        if r.get("created_at"):
            rec["createdAt"] = r["created_at"]
        rec.update({k: r[k] for k in ACCOUNT_EXTRA if r.get(k) not in (None, "")})
        out.append(_commit(did, t, PROFILE, "self", rec))
        return out
    if table == "posts":
        did, t = r["account_id"], _time_us(r.get("created_at"), fallback_us)
        rec: dict = {"text": r.get("text") or "", "createdAt": r.get("created_at")}
        if r.get("kind") and r["kind"] != "post":
            rec["kind"] = r["kind"]
        if r.get("hashtags"):
            rec["tags"] = list(r["hashtags"])
        if r.get("reply_to"):
            parent = {"uri": _uri("unknown", POST, r["reply_to"]), "cid": _cid(r["reply_to"])}
            rec["reply"] = {"parent": parent, "root": parent}
        if r.get("media"):
            rec["embed"] = {"$type": "app.bsky.embed.images", "images": [
                {"alt": "", "media_id": m.get("media_id"), **{k: m[k] for k in ("pdq", "md5") if m.get(k)}}
                for m in r["media"]]}
        return [_commit(did, t, POST, r["post_id"], rec)]
    if table == "edges":
        did, t, kind = r["src"], _time_us(r.get("created_at"), fallback_us), r["kind"]
        n = max(int(r.get("count") or 1), 1)
        out = []
        for i in range(n):
            rkey = _cid(did, r["dst"], kind, t, i)[7:20]
            if kind == "follow":
                rec = {"subject": r["dst"], "createdAt": r.get("created_at")}
            elif kind in ("like", "repost"):
                rec = {"subject": {"uri": _uri(r["dst"], POST, "unknown"), "cid": _cid(r["dst"])},
                       "createdAt": r.get("created_at")}
            else:
                rec = {"subject": r["dst"], "kind": kind, "createdAt": r.get("created_at")}
            out.append(_commit(did, t, EDGE_COLLECTIONS.get(kind, EXT_EDGE), rkey, rec))
        return out
    return []


# ---- events -> contract records (the watcher) --------------------------------------------


def _did_of_uri(uri) -> str:
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise ValueError(f"subject uri {uri!r} is not an at:// uri")
    return uri[5:].split("/", 1)[0]


def _rkey_of_uri(uri) -> str:
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise ValueError(f"uri {uri!r} is not an at:// uri")
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _iso(time_us: int) -> str:
    return dt.datetime.fromtimestamp(time_us / 1_000_000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_to_records(event: dict, platform: str) -> list[tuple[str, dict]]:
    """The contract (table, record) pairs one Jetstream event says; ValueError with the reason
    for an event that cannot be used."""
    if not isinstance(event, dict):
        raise ValueError("event is not a JSON object")
    did, kind, time_us = event.get("did"), event.get("kind"), event.get("time_us")
    if not isinstance(did, str) or not did:
        raise ValueError("event has no did")
    if not isinstance(time_us, int):
        raise ValueError("event has no integer time_us")
    if kind == "identity":
        handle = (event.get("identity") or {}).get("handle")
        if not handle:
            raise ValueError("identity event without a handle")
        return [("accounts", {"platform": platform, "account_id": did, "handle": handle})]
    if kind == "account":
        acc = event.get("account") or {}
        if acc.get("active", True):
            return []
        return [("accounts", {"platform": platform, "account_id": did, "status": acc.get("status") or "inactive"})]
    if kind != "commit":
        raise ValueError(f"unknown event kind {kind!r}")
    c = event.get("commit")
    if not isinstance(c, dict):
        raise ValueError("commit event without a commit")
    op, coll, rkey, rec = c.get("operation"), c.get("collection"), c.get("rkey"), c.get("record")
    if op == "delete":
        raise ValueError(f"delete of {coll}/{rkey}: deletions are not applied (the record stays as evidence)")
    if op not in ("create", "update"):
        raise ValueError(f"unknown commit operation {op!r}")
    if not isinstance(rec, dict):
        raise ValueError(f"{coll} commit without a record")
    return record_rows(did, coll, rkey, rec, platform, _iso(time_us))


def _cid_text(ref) -> str | None:
    """A blob's CID as text: `{"$link": "bafy..."}` in JSON, raw CID bytes in DAG-CBOR (a CAR)."""
    if isinstance(ref, dict):
        ref = ref.get("$link")
    if isinstance(ref, (bytes, bytearray)):
        import libipld

        return libipld.encode_cid(bytes(ref))
    return ref if isinstance(ref, str) and ref else None


def _images(embed) -> list:
    if not isinstance(embed, dict):
        return []
    media = embed.get("media")  # app.bsky.embed.recordWithMedia: a quote with images
    return embed.get("images") or (media.get("images") if isinstance(media, dict) else None) or []


def record_rows(did: str, coll, rkey, rec: dict, platform: str, fallback_time: str | None) -> list[tuple[str, dict]]:
    """The contract (table, record) pairs that one record of a Bluesky collection says, whether
    it came on the firehose (Jetstream) or out of a repository (CAR); ValueError with the reason
    for one that cannot be used."""
    if not isinstance(rec, dict):
        raise ValueError(f"{coll} record is not an object")
    created = rec.get("createdAt") or fallback_time
    if coll == PROFILE:
        out = {"platform": platform, "account_id": did, "display_name": rec.get("displayName"),
               "bio": rec.get("description")}
        if rec.get("createdAt"):
            out["created_at"] = rec["createdAt"]
        out.update({k: rec[k] for k in ACCOUNT_EXTRA if k in rec})
        return [("accounts", {k: v for k, v in out.items() if v is not None})]
    if coll == POST:
        if not rkey:
            raise ValueError("post commit without an rkey")
        post = {"platform": platform, "post_id": rkey, "account_id": did, "created_at": created,
                "text": rec.get("text") or "", "kind": rec.get("kind") or ("comment" if rec.get("reply") else "post")}
        tags = list(rec.get("tags") or [])
        links, mentions = [], []
        for facet in rec.get("facets") or []:
            for f in (facet.get("features") if isinstance(facet, dict) else None) or []:
                if not isinstance(f, dict):
                    continue
                if f.get("tag"):
                    tags.append(f["tag"])
                if isinstance(f.get("uri"), str) and f.get("$type", "").endswith("#link"):
                    links.append(f["uri"])
                if isinstance(f.get("did"), str) and f["did"] != did:
                    mentions.append(f["did"])
        if tags:
            post["hashtags"] = tags
        if links:
            post["links"] = links
        parent = ((rec.get("reply") or {}).get("parent") or {}).get("uri")
        out: list[tuple[str, dict]] = []
        if parent:
            post["reply_to"] = _rkey_of_uri(parent)
            parent_did = _did_of_uri(parent)
            if parent_did.startswith("did:") and parent_did != did:
                out.append(("edges", {"platform": platform, "src": did, "dst": parent_did, "kind": "comment",
                                      "created_at": created}))
        media = []
        for k, img in enumerate(_images(rec.get("embed"))):
            if not isinstance(img, dict):
                continue
            blob = img.get("image")
            m = {"media_id": img.get("media_id") or _cid_text((blob or {}).get("ref") if isinstance(blob, dict) else None)
                 or f"{rkey}-{k}"}
            m.update({h: img[h] for h in ("pdq", "md5") if img.get(h)})
            media.append(m)
        if media:
            post["media"] = media
        out.insert(0, ("posts", post))
        out += [("edges", {"platform": platform, "src": did, "dst": m, "kind": "mention", "created_at": created})
                for m in dict.fromkeys(mentions)]
        return out
    if coll in COLLECTION_EDGES or coll == EXT_EDGE:
        subj = rec.get("subject")
        if coll == FOLLOW or coll == EXT_EDGE:
            if not isinstance(subj, str) or not subj:
                raise ValueError(f"{coll} record without a subject did")
            dst = subj
        else:
            dst = _did_of_uri((subj or {}).get("uri") if isinstance(subj, dict) else None)
        kind = COLLECTION_EDGES.get(coll) or rec.get("kind")
        if kind not in EXT_EDGE_KINDS + tuple(EDGE_COLLECTIONS):
            raise ValueError(f"{coll} record with unknown edge kind {kind!r}")
        return [("edges", {"platform": platform, "src": did, "dst": dst, "kind": kind, "created_at": created})]
    raise ValueError(f"collection {coll!r} is not read")
