"""What an account says about its other accounts: profile URLs, `platform: @handle` mentions and
contact handles (messaging, payment, personal sites).

A seller advertises the same telegram or payment handle on each platform and points followers
from one to the other; a buyer links a real-name profile. These are the strongest evidence a
linker has, because a person chose to write them. They are extracted once per account so that
blocking and comparison are joins, not scans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vigil.link.normalize import fold, handle_core


def handle_text(value: str | None) -> str:
    """A handle as written, folded, without its `@` and trailing punctuation: the exact key a
    pointer resolves by (`the_isla` and `theisla` are different accounts)."""
    return fold(value).strip().lstrip("@").rstrip(".-_")

_URL = re.compile(
    r"(https?://|www\.)?(?:www\.)?((?:[a-z0-9][a-z0-9\-]*\.)+[a-z]{2,})(/[^\s<>\"'|,;)]*)?",
    re.IGNORECASE,
)
_AT = re.compile(r"(?<![\w.])[@$]([\w][\w.\-]{2,})")
_LABELLED = re.compile(r"\b([a-z]{2,12})\s*[:=]\s*@?([\w][\w.\-]{2,})", re.IGNORECASE)
# An identifier shorter than this ("tg", "me", "dm") is a word, not a handle.
MIN_IDENTIFIER = 5
# Path segments that are routing, not a person (`/in/`, `/u/`, `/user/`).
_ROUTING_SEGMENTS = frozenset({"in", "u", "user", "users", "profile", "people", "pub", "add", "channel", "c", "join"})


@dataclass
class Mentions:
    """What one account's profile names: (platform, handle as written) pointers and contact identifiers."""

    pointers: set[tuple[str, str]] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)


def _url_parts(host: str, path: str | None) -> tuple[str, list[str]]:
    segs = [s for s in (path or "").split("/") if s and s.lower() not in _ROUTING_SEGMENTS]
    return host.lower(), segs


def _host_platform(host: str, platforms: dict[str, str]) -> str | None:
    """`chirp.example` or `m.chirp.com` belongs to platform `chirp` when that platform is in the export."""
    labels = host.split(".")
    for label in labels[:-1]:
        p = platforms.get(label)
        if p:
            return p
    return None


def extract_mentions(bio: str | None, links: list[str] | None, platforms: dict[str, str]) -> Mentions:
    """Pointers to accounts on the export's platforms and the contact identifiers of one profile.

    `platforms` maps a folded platform name to the platform id as written in the export.
    """
    out = Mentions()
    texts = [fold(bio)] + [fold(u) for u in (links or []) if u]
    for text in texts:
        if not text:
            continue
        # A handle written for one of the export's platforms (its profile URL, `chirp: @x`) is a
        # pointer resolved on that platform only, not a contact any namesake elsewhere matches:
        # `blurtly.example/zoebooks` is not framecast's @zoebooks. Spans of such handles.
        on_platform: list[tuple[int, int]] = []
        for m in _URL.finditer(text):
            marked, host, path = m.group(1), m.group(2), m.group(3)
            if not marked and not path:
                continue  # `sells.malik` is a dotted handle, not a web site
            host, segs = _url_parts(host, path)
            platform = _host_platform(host, platforms)
            if platform and segs:
                out.pointers.add((platform, handle_text(segs[-1])))
            elif segs:
                out.identifiers.add(handle_core(segs[-1]))
            elif not platform:
                # A personal site (`www.thesoundriley.example`) names its owner by its domain.
                out.identifiers.add(handle_core(host.split(".")[-2] if host.count(".") else host))
        for m in _LABELLED.finditer(text):
            label, value = m.group(1).lower(), m.group(2)
            if label in platforms:
                out.pointers.add((platforms[label], handle_text(value)))
                on_platform.append(m.span(2))
            elif not _URL.fullmatch(value):
                out.identifiers.add(handle_core(value))
        for label, p in platforms.items():
            # "on chirp @x", "chirp @x": a platform name right before a handle.
            for m in re.finditer(rf"\b{re.escape(label)}\s+@([\w][\w.\-]{{2,}})", text):
                out.pointers.add((p, handle_text(m.group(1))))
                on_platform.append(m.span(1))
        for m in _AT.finditer(text):
            if not any(lo <= m.start(1) < hi for lo, hi in on_platform):
                out.identifiers.add(handle_core(m.group(1)))
    out.identifiers = {i for i in out.identifiers if len(i) >= MIN_IDENTIFIER}
    out.pointers = {(p, h) for p, h in out.pointers if len(h) >= 2}
    return out
