"""How people write an account on a platform, as data: the shipped registry plus the operator's.

Real profiles write `x.com/h`, `twitter.com/h`, `instagr.am/h`, `ig: h`, `X: @h`, `t.me/h`. None
of that belongs in code: the shipped `registry.yaml` holds it, an operator's file extends or
overrides it, and both are validated at load (composed into YAML nodes, which keep line numbers)
so a broken entry fails before any data is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from vigil.errors import FileProblems, versioned_entries
from vigil.link.normalize import fold

SHIPPED = Path(__file__).with_name("registry.yaml")
FIELDS = ("name", "aliases", "hosts", "profile", "handle", "contact", "fediverse")
HANDLE_FIELDS = ("chars", "min", "max")
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,}$")
_LABEL = re.compile(r"^[a-z0-9][a-z0-9 .\-]{0,23}$")


class RegistryError(FileProblems):
    """Every problem found in a registry file, each naming file and line."""

    what = "platform registry"
    hint_default = "fix these entries of the platform registry (--platforms FILE) and run again"


@dataclass(frozen=True)
class PlatformEntry:
    name: str
    aliases: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    profile: tuple[str, ...] = ()  # path templates with {h}
    handle_chars: str = "a-z0-9_."
    handle_min: int = 1
    handle_max: int = 64
    contact: bool = False
    fediverse: bool = False
    source: str = ""  # file:line, for messages

    @property
    def labels(self) -> tuple[str, ...]:
        """Every name people write for it, folded: its name and aliases."""
        return tuple(dict.fromkeys([fold(self.name)] + [fold(a) for a in self.aliases]))

    @property
    def handle_re(self) -> re.Pattern:
        return re.compile(f"[{self.handle_chars}]{{{self.handle_min},{self.handle_max}}}")

    def valid_handle(self, h: str) -> bool:
        return bool(self.handle_re.fullmatch(h.lower()))

    def path_patterns(self) -> list[re.Pattern]:
        """One regex per profile form: the path after the host, the handle captured."""
        out = []
        for t in self.profile:
            pre, _, post = t.partition("{h}")
            out.append(re.compile(f"^/?{re.escape(pre)}([^/?#&]+){re.escape(post)}/?(?:[?#].*)?$", re.IGNORECASE))
        return out

    def handle_from_path(self, path: str) -> str | None:
        for p in self.path_patterns():
            m = p.match(path)
            if m:
                return m.group(1)
        return None

    def link_prefixes(self) -> list[str]:
        """`host/prefix` literals every profile URL of the platform starts with (`snapchat.com/add/`)."""
        return [f"{host}/{t.partition('{h}')[0]}" for host in self.hosts for t in self.profile]


@dataclass
class Registry:
    entries: list[PlatformEntry]
    _by_label: dict[str, PlatformEntry] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._by_label = {}
        for e in self.entries:
            for label in e.labels:
                self._by_label.setdefault(label, e)

    def find(self, label: str) -> PlatformEntry | None:
        """The entry a platform name or alias (as written, any case) names."""
        return self._by_label.get(fold(label).strip())

    def by_host(self, host: str) -> PlatformEntry | None:
        """The entry whose host this is, subdomains (`mobile.twitter.com`, `uk.linkedin.com`) included."""
        host = host.lower().rstrip(".")
        for e in self.entries:
            for h in e.hosts:
                if host == h or host.endswith("." + h):
                    return e
        return None

    def contacts(self) -> list[PlatformEntry]:
        return [e for e in self.entries if e.contact]

    def merged(self, other: "Registry") -> "Registry":
        """This registry with `other`'s entries replacing same-named ones and the rest added."""
        names = {e.name for e in other.entries}
        return Registry([e for e in self.entries if e.name not in names] + list(other.entries))


def parse_registry(text: str, path: str = "<registry>") -> Registry:
    nodes, problems = versioned_entries(text, path, "platforms", RegistryError, "registry")
    entries, seen = [], {}
    for node in nodes:
        e = _parse_entry(node, path, problems, seen)
        if e is not None:
            entries.append(e)
    if problems:
        raise RegistryError(path, problems)
    return Registry(entries)


def _scalar_list(node, line: int, what: str, problems: list[str]) -> list[str] | None:
    if isinstance(node, yaml.ScalarNode):
        return [node.value] if node.value else []
    if isinstance(node, yaml.SequenceNode) and all(isinstance(x, yaml.ScalarNode) for x in node.value):
        return [x.value for x in node.value]
    problems.append(f"line {line}: {what} must be a list of strings")
    return None


def _int(node, line: int, what: str, problems: list[str]) -> int | None:
    try:
        n = int(node.value)
        if n < 0:
            raise ValueError
        return n
    except (AttributeError, TypeError, ValueError):
        problems.append(f"line {line}: {what} must be a whole number >= 0, got {getattr(node, 'value', node)!r}")
        return None


def _parse_entry(node, path: str, problems: list[str], seen: dict[str, int]) -> PlatformEntry | None:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"line {line}: an entry must be a mapping with at least `name`")
        return None
    raw = {k.value: v for k, v in node.value}
    bad = len(problems)
    name_node = raw.get("name")
    name = name_node.value.strip().lower() if isinstance(name_node, yaml.ScalarNode) and name_node.value else ""
    who = f"entry {name!r}" if name else "entry without name"
    for k, v in node.value:
        if k.value not in FIELDS:
            problems.append(f"line {k.start_mark.line + 1}: {who}: unknown field `{k.value}` (one of {', '.join(FIELDS)})")
    if not name:
        problems.append(f"line {line}: {who}: missing `name`")
    elif name in seen:
        problems.append(f"line {line}: {who}: duplicate name (first defined on line {seen[name]})")
    else:
        seen[name] = line
    fields: dict = {}
    for key in ("aliases", "hosts", "profile"):
        if key in raw:
            n = raw[key]
            vals = _scalar_list(n, n.start_mark.line + 1, f"{who}: `{key}`", problems)
            fields[key] = tuple(x.strip().lower() if key != "profile" else x.strip() for x in (vals or []))
    for a in fields.get("aliases", ()) + ((name,) if name else ()):
        if not _LABEL.match(a):
            problems.append(f"line {line}: {who}: alias {a!r} must be 1-24 letters, digits, spaces, dots or hyphens")
    for h in fields.get("hosts", ()):
        if not _HOST.match(h):
            problems.append(f"line {raw['hosts'].start_mark.line + 1}: {who}: {h!r} is not a host name (like x.com)")
    for t in fields.get("profile", ()):
        if t.count("{h}") != 1:
            problems.append(f"line {raw['profile'].start_mark.line + 1}: {who}: profile form {t!r} must hold {{h}} once")
    if fields.get("profile") and not fields.get("hosts"):
        problems.append(f"line {line}: {who}: profile forms need `hosts`")
    hargs: dict = {}
    if "handle" in raw:
        h = raw["handle"]
        hl = h.start_mark.line + 1
        if not isinstance(h, yaml.MappingNode):
            problems.append(f"line {hl}: {who}: `handle` must be a mapping with chars, min, max")
        else:
            hr = {k.value: v for k, v in h.value}
            for k in hr:
                if k not in HANDLE_FIELDS:
                    problems.append(f"line {hl}: {who}: unknown handle field `{k}` (one of {', '.join(HANDLE_FIELDS)})")
            if "chars" in hr:
                chars = getattr(hr["chars"], "value", "")
                try:
                    re.compile(f"[{chars}]")
                    hargs["handle_chars"] = chars
                except re.error as e:
                    problems.append(f"line {hl}: {who}: handle chars {chars!r} are not a character class: {e}")
            for k in ("min", "max"):
                if k in hr:
                    n = _int(hr[k], hl, f"{who}: handle {k}", problems)
                    if n is not None:
                        hargs[f"handle_{k}"] = n
            if hargs.get("handle_min", 1) > hargs.get("handle_max", 64):
                problems.append(f"line {hl}: {who}: handle min is above max")
    flags = {}
    for key in ("contact", "fediverse"):
        if key in raw:
            val = getattr(raw[key], "value", None)
            if val not in ("true", "false", "True", "False", "yes", "no"):
                problems.append(f"line {raw[key].start_mark.line + 1}: {who}: `{key}` must be true or false")
            else:
                flags[key] = val in ("true", "True", "yes")
    if len(problems) > bad:
        return None
    return PlatformEntry(name=name, source=f"{path}:{line}", **fields, **hargs, **flags)


def load_registry(path: str | Path | None = None) -> Registry:
    """The shipped registry, merged with the operator's file when one is given."""
    base = default_registry()
    if path is None:
        return base
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise RegistryError(path, [f"cannot read the file: {e}"]) from e
    return base.merged(parse_registry(text, path))


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    return parse_registry(SHIPPED.read_text(encoding="utf-8"), str(SHIPPED))


_ACTIVE: list[Registry] = []


def use_registry(reg: Registry | None) -> None:
    """Make `reg` the registry the contact extractor and the linker read (None: the shipped one).

    The built-in rules are compiled from it, so this runs before a lexicon's matcher is built."""
    _ACTIVE[:] = [reg] if reg is not None else []
    from vigil.signals import builtins

    builtins.configure(active_registry())


def active_registry() -> Registry:
    return _ACTIVE[0] if _ACTIVE else default_registry()
