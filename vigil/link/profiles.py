"""Every account reduced once to what linking compares, with the per-platform frequencies that
say how much a coincidence is worth.

A name shared by 40 accounts on a platform identifies nobody there; one shared by a single
account is worth far more. Those frequencies are counted per platform, over the whole export,
before any pair is compared.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa

from vigil.link.identifiers import extract_mentions, handle_text, platform_names
from vigil.link.normalize import handle_core, name_key, name_tokens, residue

if TYPE_CHECKING:
    from vigil.link.candidates import HandleIndex

# An identifier written by more accounts than one person plausibly runs (main, backups, a few
# platforms) is a shared contact (an agency, a group chat, a link-in-bio site), not a person.
MAX_ACCOUNTS_PER_PERSON = 4
# A handle core shorter than this (`ava`, `noah`) is not indexed as an identifier of its account:
# short cores recur by chance across platforms.
OWN_HANDLE_IDENTIFIER_MIN = 5

ACCOUNT_COLUMNS = [
    "platform", "account_id", "handle", "display_name", "bio", "links", "created_at",
    "profile_image", "profile_image_pdq", "_file",
]


@dataclass
class Profiles:
    """Column lists indexed by row number, plus the lookups blocking joins on."""

    platform: list[str]
    account_id: list[str]
    handle: list[str]
    display_name: list[str]
    created_at: list
    profile_image: list[str | None]
    source_file: list[str | None]
    core: list[str]
    tokens: list[list[str]]
    key: list[str]
    residue: list[str]
    pointers: list[set[tuple[str, str]]]
    identifiers: list[set[str]]  # written in the bio or links (not the account's own handle)
    index: dict[tuple[str, str], int] = field(default_factory=dict)
    by_core: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    by_key: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    by_identifier: dict[str, list[int]] = field(default_factory=dict)
    points_to: list[set[int]] = field(default_factory=list)  # accounts this profile's pointers resolve to
    pointed_by: dict[int, list[int]] = field(default_factory=dict)
    platform_size: Counter = field(default_factory=Counter)
    key_count: Counter = field(default_factory=Counter)
    token_count: Counter = field(default_factory=Counter)
    handle_count: Counter = field(default_factory=Counter)
    # Handle trigrams for blocking (candidates.handle_index), built on first use.
    handle_index: "HandleIndex | None" = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.account_id)

    def name_frequency(self, platform: str, key: str) -> int:
        """Accounts on `platform` whose name has this key (a single token: any name containing it)."""
        if " " in key:
            return self.key_count[(platform, key)]
        return self.token_count[(platform, key)]

    def handle_frequency(self, platform: str, text: str) -> int:
        """Accounts on `platform` whose handle core or name-free residue is exactly `text`."""
        return self.handle_count[(platform, text)]

    def label(self, i: int) -> str:
        h = self.handle[i]
        return f"{self.platform[i]} @{h}" if h else f"{self.platform[i]} {self.account_id[i]}"


def _col(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist() if name in table.column_names else [None] * table.num_rows


def _utc_col(table: pa.Table, name: str) -> list:
    """`_col` of a UTC timestamp column, its datetimes made by numpy and given the tzinfo pyarrow
    itself attaches: pyarrow makes each aware datetime at ~5 us (seconds for a million accounts)."""
    if name not in table.column_names:
        return _col(table, name)
    column = table.column(name)
    t = column.type
    if not (pa.types.is_timestamp(t) and t.tz == "UTC" and t.unit in ("s", "ms", "us")):
        return column.to_pylist()
    tz = pa.scalar(0, type=t).as_py().tzinfo
    return [None if d is None else d.replace(tzinfo=tz) for d in column.to_numpy().astype(object).tolist()]


@contextmanager
def _collector_paused():
    """No cyclic garbage collection while the profiles are built: a million accounts' lists, sets
    and dicts hold no reference cycles, yet the collector would walk the growing heap again and
    again as they are made (most of `_index`'s time at 161k accounts)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_profiles(accounts: pa.Table) -> Profiles:
    """Fold names and handles, extract pointers and identifiers, count frequencies per platform."""
    with _collector_paused():
        return _build_profiles(accounts)


def _build_profiles(accounts: pa.Table) -> Profiles:
    platform = [str(p) for p in _col(accounts, "platform")]
    platforms = platform_names(set(platform))
    handle = [h or "" for h in _col(accounts, "handle")]
    display = [d or "" for d in _col(accounts, "display_name")]
    bios = _col(accounts, "bio")
    links = _col(accounts, "links")
    core = [handle_core(h) for h in handle]
    # Display names repeat (a common name, a seller's copies): each distinct name is folded once,
    # its token list shared between its accounts and never mutated.
    named = {d: name_tokens(d) for d in set(display)}
    tokens = [named[d] for d in display]
    keys = {d: name_key(t) for d, t in named.items()}
    key = [keys[d] for d in display]
    res = [residue(c, t) for c, t in zip(core, tokens)]
    pointers, identifiers = [], []
    # Bios and link lists repeat (templates, link-in-bio pages, one seller's copies): each distinct
    # profile text is read once. The sets are shared between its accounts and never mutated.
    seen: dict[tuple, tuple[set, set]] = {}
    nothing: tuple[set, set] = (set(), set())
    for bio, lk in zip(bios, links):
        if bio or lk:
            text = (bio, tuple(lk) if lk else None)
            found = seen.get(text)
            if found is None:
                m = extract_mentions(bio, lk, platforms)
                found = seen[text] = (m.pointers, m.identifiers)
        else:
            found = nothing
        pointers.append(found[0])
        identifiers.append(found[1])
    prof = Profiles(
        platform=platform,
        account_id=[str(a) for a in _col(accounts, "account_id")],
        handle=handle,
        display_name=display,
        created_at=_utc_col(accounts, "created_at"),
        profile_image=_col(accounts, "profile_image"),
        source_file=_col(accounts, "_file"),
        core=core,
        tokens=tokens,
        key=key,
        residue=res,
        pointers=pointers,
        identifiers=identifiers,
    )
    _index(prof)
    return prof


def _index(prof: Profiles) -> None:
    # Bulk builds (dict/Counter from iterables run in C); lists keep row order.
    n = len(prof.platform)
    prof.index = dict(zip(zip(prof.platform, prof.account_id), range(n)))
    prof.platform_size = Counter(prof.platform)
    by_core, by_key, by_id, pointed = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    by_handle = defaultdict(list)
    handle_keys, key_keys, token_keys = [], [], []
    for i, (p, h, c, r, k, toks, ids) in enumerate(zip(prof.platform, prof.handle, prof.core, prof.residue,
                                                      prof.key, prof.tokens, prof.identifiers)):
        if h:
            by_handle[(p, handle_text(h))].append(i)
        if c:
            by_core[(p, c)].append(i)
            handle_keys.append((p, c))
            if r and r != c:
                handle_keys.append((p, r))
        if k:
            by_key[(p, k)].append(i)
            key_keys.append((p, k))
            token_keys.extend((p, t) for t in set(toks))
        for ident in indexed_identifiers(prof, i):
            by_id[ident].append(i)
    prof.handle_count = Counter(handle_keys)
    prof.key_count = Counter(key_keys)
    prof.token_count = Counter(token_keys)
    prof.by_core, prof.by_key = dict(by_core), dict(by_key)
    # A pointer resolves to the account with exactly that handle, else to the handle's letters and
    # digits (`@Real.Ava` for `real_ava`) when that is unambiguous.
    prof.points_to = []
    for i in range(len(prof.platform)):
        targets = set()
        for p, raw in prof.pointers[i]:
            rows = by_handle.get((p, raw)) or by_core.get((p, handle_core(raw)), [])
            if len(rows) == 1 and rows[0] != i:
                targets.add(rows[0])
        prof.points_to.append(targets)
        for j in targets:
            pointed[j].append(i)
    prof.pointed_by = dict(pointed)
    # Identifiers used by more accounts than one person runs carry no identity: dropped from blocking.
    prof.by_identifier = {k: v for k, v in by_id.items() if identifies(len(v))}


def indexed_identifiers(prof: Profiles, i: int) -> set[str]:
    """What other accounts may name this account by: the identifiers in its bio and links, and
    its own handle (`telegram @noah_sells61` elsewhere names it) when long enough to be one."""
    own = {prof.core[i]} if len(prof.core[i]) >= OWN_HANDLE_IDENTIFIER_MIN else set()
    return prof.identifiers[i] | own


def identifies(accounts: int) -> bool:
    """An identifier held by this many accounts ties them: at least two, and no more than one
    person runs (more is a shared contact, carrying no identity: not blocked on)."""
    return 2 <= accounts <= MAX_ACCOUNTS_PER_PERSON
