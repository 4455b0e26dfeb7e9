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
from vigil.platforms.registry import PlatformEntry, Registry, active_registry


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
# A character every match of each pattern holds (a domain's dot, a handle's @ or $, a label's
# colon): a text without any is not scanned.
_URL_NEEDS, _AT_NEEDS, _LABELLED_NEEDS, _FEDI_NEEDS, _LABEL_NEEDS = ".", "@$", ":=", "@", ":=@"
# An identifier shorter than this ("tg", "me", "dm") is a word, not a handle.
MIN_IDENTIFIER = 5
# Path segments that are routing, not a person (`/in/`, `/u/`, `/user/`).
_ROUTING_SEGMENTS = frozenset({"in", "u", "user", "users", "profile", "people", "pub", "add", "channel", "c", "join"})


@dataclass
class Mentions:
    """What one account's profile names: (platform, handle as written) pointers and contact identifiers."""

    pointers: set[tuple[str, str]] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)


_FEDI = re.compile(r"(?<![\w.])@([\w][\w.\-]{0,63})@((?:[a-z0-9][a-z0-9\-]*\.)+[a-z]{2,})", re.IGNORECASE)


@dataclass
class PlatformNames:
    """How the export's platforms are written: labels (name, registry aliases) and registry entries.

    An export platform named like a registry entry (`twitter`, `X`, `ig`) gets that entry's aliases,
    hosts and profile forms; any other name (an invented platform) keeps its own name as its only
    label and host label (`chirp.example/h`, `chirp: @h`)."""

    labels: dict[str, str]  # folded label -> export platform
    names: dict[str, str]  # folded export name -> export platform (host-label fallback)
    entry_platform: dict[str, str]  # registry entry name -> export platform
    entries: dict[str, PlatformEntry]  # export platform -> its registry entry
    registry: Registry | None = None
    # `platform: @handle` pattern over the labels, compiled once (every profile is scanned with it).
    label_re: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.label_re = _label_pattern(self)


def platform_names(export_platforms, registry: Registry | None = None) -> PlatformNames:
    reg = registry or active_registry()
    labels, names, entry_platform, entries = {}, {}, {}, {}
    for p in sorted(set(export_platforms)):
        names[fold(p)] = p
        labels[fold(p)] = p
        e = reg.find(p)
        if e is not None:
            entry_platform.setdefault(e.name, p)
            entries[p] = e
            for lab in e.labels:
                labels.setdefault(lab, p)
    return PlatformNames(labels, names, entry_platform, entries, reg)


def _as_names(platforms) -> PlatformNames:
    if isinstance(platforms, PlatformNames):
        return platforms
    return platform_names(set(platforms.values()) if isinstance(platforms, dict) else platforms)


def _url_parts(host: str, path: str | None) -> tuple[str, list[str]]:
    segs = [s for s in (path or "").split("/") if s and s.lower() not in _ROUTING_SEGMENTS]
    return host.lower(), segs


def _host_platform(host: str, names: PlatformNames) -> tuple[str | None, PlatformEntry | None]:
    """`x.com`, `mobile.twitter.com` belong to the export's twitter by the registry; otherwise
    `chirp.example` or `m.chirp.com` belongs to platform `chirp` when that platform is in the export.
    A registry host of a platform not in the export (`t.me`) gives its entry and no platform."""
    e = names.registry.by_host(host) if names.registry else None
    if e is not None:
        return names.entry_platform.get(e.name), e
    for label in host.split(".")[:-1]:
        p = names.names.get(label)
        if p:
            return p, names.entries.get(p)
    return None, None


def _label_pattern(names: PlatformNames) -> re.Pattern | None:
    if not names.labels:
        return None
    alts = "|".join(re.escape(lab) for lab in sorted(names.labels, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({alts})\s*(?:[:=]\s*@?|\s@)([\w][\w.\-]{{1,}})", re.IGNORECASE)


def _valid(names: PlatformNames, platform: str, handle: str) -> bool:
    e = names.entries.get(platform)
    return e is None or e.valid_handle(handle)


def _scan(pattern: re.Pattern | None, text: str, needs: str):
    """pattern.finditer(text), skipped where the text holds none of the characters every match
    needs: most bios hold no '.', '@' or ':', and scanning is most of reading a profile."""
    if pattern is None or not any(c in text for c in needs):
        return ()
    return pattern.finditer(text)


def extract_mentions(bio: str | None, links: list[str] | None, platforms) -> Mentions:
    """Pointers to accounts on the export's platforms and the contact identifiers of one profile.

    `platforms`: a `PlatformNames` (see `platform_names`), or a dict folded name -> export platform.
    """
    names = _as_names(platforms)
    out = Mentions()
    label_re = names.label_re
    texts = [fold(bio)] + [fold(u) for u in (links or []) if u]
    for text in texts:
        if not text:
            continue
        # A handle written for one of the export's platforms (its profile URL, `chirp: @x`) is a
        # pointer resolved on that platform only, not a contact any namesake elsewhere matches:
        # `blurtly.example/zoebooks` is not framecast's @zoebooks. Spans of such handles.
        on_platform: list[tuple[int, int]] = []
        for m in _scan(_URL, text, _URL_NEEDS):
            marked, host, path = m.group(1), m.group(2), m.group(3)
            if not marked and not path:
                continue  # `sells.malik` is a dotted handle, not a web site
            raw_path = path or ""
            host, segs = _url_parts(host, path)
            platform, entry = _host_platform(host, names)
            if entry is not None and entry.profile:
                h = entry.handle_from_path(raw_path)
                if h and platform and entry.valid_handle(handle_text(h)):
                    out.pointers.add((platform, handle_text(h)))
                elif h:
                    out.identifiers.add(handle_core(h))
                continue
            if platform and segs:
                out.pointers.add((platform, handle_text(segs[-1])))
            elif segs:
                out.identifiers.add(handle_core(segs[-1]))
            elif not platform:
                # A personal site (`www.thesoundriley.example`) names its owner by its domain.
                out.identifiers.add(handle_core(host.split(".")[-2] if host.count(".") else host))
        for m in _scan(_FEDI, text, _FEDI_NEEDS):
            # `@h@instance`: an account on a fediverse platform of the export, if it has one.
            fedi = [p for p, e in names.entries.items() if e.fediverse]
            for p in fedi:
                out.pointers.add((p, handle_text(f"{m.group(1)}@{m.group(2)}")))
                out.pointers.add((p, handle_text(m.group(1))))
            if fedi:
                on_platform.append((m.start(), m.end()))
        # "chirp: @x", "X: @x", "ig: x", "on chirp @x": a platform's name or alias before a handle.
        for m in _scan(label_re, text, _LABEL_NEEDS):
            p = names.labels[m.group(1).lower()]
            value = handle_text(m.group(2))
            if len(value) >= 2 and _valid(names, p, value):
                out.pointers.add((p, value))
                on_platform.append(m.span(2))
        for m in _scan(_LABELLED, text, _LABELLED_NEEDS):
            label, value = m.group(1).lower(), m.group(2)
            if label in names.labels or any(lo <= m.start(2) < hi for lo, hi in on_platform):
                continue
            if not _URL.fullmatch(value):
                out.identifiers.add(handle_core(value))
        for m in _scan(_AT, text, _AT_NEEDS):
            if not any(lo <= m.start(1) < hi for lo, hi in on_platform):
                out.identifiers.add(handle_core(m.group(1)))
    out.identifiers = {i for i in out.identifiers if len(i) >= MIN_IDENTIFIER}
    out.pointers = {(p, h) for p, h in out.pointers if len(h) >= 2}
    return out
