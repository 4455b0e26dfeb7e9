"""Telegram Desktop "Export chat history" JSON (machine-readable `result.json`) -> contract export.

SRC is `result.json` or the folder holding it: either one chat (`{name, type, id, messages}`) or a
full account export (`{personal_information, chats: {list: [chat]}, left_chats: {list: [chat]}}`).
A chat can run to millions of messages, so the file is read as a stream (ijson) and each message
is mapped and written as it is parsed; what is kept is one sender id per message id of the chat
being read, to find the author a reply answers.

Mapping (only what Telegram says; nothing is guessed from names):
- senders (`from_id`: `user123`, `channel456`) -> accounts, `from` as display name; a handle only
  where the export states one (the exporting user's own `username` in a full export).
- messages -> posts with id `CHAT:MESSAGE` (message ids repeat across chats); the text flattened,
  a `text_link`'s hidden URL kept in the text after its anchor and every URL also in `links`.
- `reply_to_message_id` -> the post's `reply_to` and a `comment` edge to the parent's sender;
  `mention_name` (a user without a username, with `user_id`) -> a `mention` edge; an `@username`
  mention names no id and stays text unless the username is the exporting user's;
  `forwarded_from_id` -> a `repost` edge (older exports name the origin only: no edge);
  a message in a `personal_chat` -> a `message` edge to the other side.
- `photo` paths, and `file` paths of images and videos -> media rows with the path as written (relative to result.json's folder;
  "(File not included ...)" is no path). Bytes are never read here.
Service messages (joins, pins, calls) add their actor as an account and no post; one without an
actor is rejected. Rejects name the file, the message's index in its chat's `messages` list, and
the chat and message id in the reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ijson

from vigil.importers import register
from vigil.importers.sink import Sink

CHAT_PREFIXES = ("", "chats.list.item", "left_chats.list.item")
NOT_INCLUDED = "(File not included"
HASHED_MIME = ("image/", "video/")


def flatten(text) -> tuple[str, list[str]]:
    """Telegram's `text`: a string, or a list of strings and entity objects -> (plain text, URLs)."""
    if text is None:
        return "", []
    if isinstance(text, str):
        return text, []
    if not isinstance(text, list):
        raise ValueError("text is neither a string nor a list")
    out, links = [], []
    for part in text:
        if isinstance(part, str):
            out.append(part)
            continue
        if not isinstance(part, dict):
            raise ValueError("text part is neither a string nor an entity object")
        s, kind, href = str(part.get("text") or ""), part.get("type"), part.get("href")
        if kind == "link":
            links.append(s)
        if kind == "text_link" and href:
            links.append(href)
            if href != s:
                s = f"{s} ({href})"
        out.append(s)
    return "".join(out), links


def _time(msg: dict) -> str:
    unix = msg.get("date_unixtime")
    if unix is not None:
        try:
            t = dt.datetime.fromtimestamp(int(unix), dt.timezone.utc)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"bad date_unixtime {unix!r}") from None
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    date = msg.get("date")
    try:
        # `date` is the exporting machine's local time with no offset: read as UTC, the best there is
        t = dt.datetime.fromisoformat(str(date))
    except ValueError:
        raise ValueError(f"bad date {date!r}") from None
    if t.tzinfo is None:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return t.isoformat()


def _media(msg: dict, post_id: str) -> list[dict]:
    out = []
    for key in ("photo", "file"):
        p = msg.get(key)
        if key == "file" and not str(msg.get("mime_type") or "").startswith(HASHED_MIME):
            continue  # a document, voice note or sticker: nothing the media stage hashes
        if isinstance(p, str) and p and not p.startswith(NOT_INCLUDED):
            out.append({"media_id": f"{post_id}:{key}", "path": p})
    return out


class Chat:
    """What one chat's messages need from the chat: its id, its type, who sent which message."""

    def __init__(self, index: int, owner: str | None):
        self.index, self.owner = index, owner
        self.id: str | None = None
        self.type: str | None = None
        self.senders: dict[int, str] = {}
        self.waiting: list[str] = []  # times of the peer's messages sent before the other side is known

    @property
    def key(self) -> str:
        return self.id if self.id is not None else f"chat{self.index}"

    def peer(self, sender: str) -> str | None:
        """The other side of a personal chat (the chat's id is the peer's user id)."""
        peer = f"user{self.id}"
        if sender != peer:
            return peer
        if self.owner:
            return self.owner
        return next((s for s in self.senders.values() if s != peer), None)


def message_rows(msg: dict, chat: Chat, handles: dict[str, str], sink: Sink) -> None:
    """Write the rows one message says; ValueError with the reason for one that cannot be used."""
    kind = msg.get("type")
    if kind == "service":
        actor = msg.get("actor_id")
        if not isinstance(actor, str) or not actor:
            raise ValueError(f"service message ({msg.get('action')}) without actor_id")
        sink.account({"account_id": actor, "display_name": msg.get("actor"), "handle": handles.get(actor)})
        return
    if kind != "message":
        raise ValueError(f"unknown message type {kind!r}")
    mid = msg.get("id")
    if not isinstance(mid, int) or isinstance(mid, bool):
        raise ValueError("missing or invalid id")
    sender = msg.get("from_id")
    if not isinstance(sender, str) or not sender:
        raise ValueError("message lacks from_id")
    ts = _time(msg)
    text, links = flatten(msg.get("text"))
    entities = msg.get("text_entities")
    if not isinstance(entities, list):
        entities = [p for p in msg.get("text") or [] if isinstance(p, dict)] if isinstance(msg.get("text"), list) else []
    post_id = f"{chat.key}:{mid}"
    tags = [str(e.get("text") or "").lstrip("#") for e in entities if isinstance(e, dict) and e.get("type") == "hashtag"]
    reply = msg.get("reply_to_message_id")
    parent = chat.senders.get(reply) if isinstance(reply, int) else None
    chat.senders[mid] = sender
    sink.account({"account_id": sender, "display_name": msg.get("from"), "handle": handles.get(sender)})
    sink.post({
        "post_id": post_id, "account_id": sender, "created_at": ts, "text": text,
        "hashtags": [t for t in tags if t] or None, "kind": "comment" if reply is not None else "post",
        "reply_to": f"{chat.key}:{reply}" if reply is not None else None, "links": links or None,
        "media": _media(msg, post_id) or None, "forwarded_from": msg.get("forwarded_from"),
    })
    if parent and parent != sender:
        sink.edge(sender, parent, "comment", ts)
    for e in entities:
        if not isinstance(e, dict):
            continue
        dst = None
        if e.get("type") == "mention_name" and e.get("user_id") is not None:
            dst = f"user{e['user_id']}"
            sink.account({"account_id": dst, "display_name": e.get("text") or None, "handle": handles.get(dst)})
        elif e.get("type") == "mention":
            dst = handles.get("@" + str(e.get("text") or "").lstrip("@").lower())
        if dst and dst != sender:
            sink.edge(sender, dst, "mention", ts)
    origin = msg.get("forwarded_from_id")
    if isinstance(origin, str) and origin and origin != sender:
        sink.edge(sender, origin, "repost", ts)
    if chat.type == "personal_chat" and chat.id is not None:
        peer = chat.peer(sender)
        if peer is None:
            chat.waiting.append(ts)
            return
        sink.edge(sender, peer, "message", ts)
        if chat.waiting and sender != f"user{chat.id}":
            for t in chat.waiting:
                sink.edge(peer, sender, "message", t)
            chat.waiting.clear()


def _build(first_event, value, events):
    """The object that starts at the current event, built from the stream."""
    b = ijson.ObjectBuilder()
    b.event(first_event, value)
    depth = 1
    for _, event, value in events:
        b.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                break
    return b.value


@register("telegram")
def read_telegram(src: Path, sink: Sink) -> None:
    path = Path(src) / "result.json" if Path(src).is_dir() else Path(src)
    handles: dict[str, str] = {}  # account id -> username, and "@username" -> account id
    chat: Chat | None = None
    chats = 0
    index = 0
    with open(path, "rb") as f:
        events = ijson.parse(f, use_float=True)
        try:
            for prefix, event, value in events:
                if event == "start_map" and prefix in CHAT_PREFIXES:
                    chat, index = Chat(chats, handles.get("owner")), 0
                    chats += 1
                    chat_prefix = prefix
                elif prefix == "personal_information" and event == "start_map":
                    me = _build(event, value, events)
                    if isinstance(me, dict) and me.get("user_id") is not None:
                        owner = f"user{me['user_id']}"
                        handles["owner"] = owner
                        if me.get("username"):
                            name = str(me["username"]).lstrip("@")
                            handles[owner] = name
                            handles["@" + name.lower()] = owner
                        full = " ".join(str(me[k]) for k in ("first_name", "last_name") if me.get(k))
                        sink.account({"account_id": owner, "handle": handles.get(owner), "display_name": full or None,
                                      "bio": me.get("bio") or None})
                elif chat is not None and prefix == (f"{chat_prefix}.messages.item" if chat_prefix else "messages.item"):
                    msg = _build(event, value, events)
                    try:
                        if not isinstance(msg, dict):
                            raise ValueError("message is not a JSON object")
                        message_rows(msg, chat, handles, sink)
                    except ValueError as e:
                        mid = msg.get("id") if isinstance(msg, dict) else None
                        sink.reject(path, index, f"chat {chat.key} message {mid}: {e}")
                    index += 1
                elif chat is not None and event in ("string", "number") and prefix in (
                        f"{chat_prefix}.id" if chat_prefix else "id", f"{chat_prefix}.type" if chat_prefix else "type"):
                    setattr(chat, prefix.rsplit(".", 1)[-1], str(value))
        except ijson.JSONError as e:
            sink.reject(path, index, f"not JSON, reading stopped: {e}")
