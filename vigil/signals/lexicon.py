"""The operator's lexicon: read and validated at load time, compiled once, scanned many times.

A broken lexicon must fail in seconds with an error that names the entry and its line, before
any data is read, so the YAML is composed into nodes (which keep line numbers) rather than
loaded into plain dicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vigil.errors import FileProblems, versioned_entries
from vigil.signals.normalise import fold_text, skeleton_text

CATEGORIES = ("explicit", "age", "sale", "contact", "payment", "trade", "other")
KINDS = ("term", "hashtag", "regex", "emoji")
FIELDS = ("id", "category", "kind", "value", "weight", "tags")
# Intent an entry carries beyond its category, which the graph stage reads (never the entry's id):
#   backup: re-creation talk ("follow my backup"); request: a buyer asking; adult: an 18+ claim.
TAGS = ("backup", "request", "adult")


class LexiconError(FileProblems):
    """Every problem found in a lexicon file, each naming file, line and entry id."""

    what = "lexicon"
    hint_default = "fix these entries (`vigil lexicon check FILE` re-checks in seconds)"


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    kind: str
    value: str
    weight: float
    line: int
    tags: tuple[str, ...] = ()
    skeleton: str = ""  # term/hashtag: the normalised form matched in the skeleton view
    folded: str = ""  # emoji: the light-view form

    @property
    def signal_id(self) -> str:
        return self.id


@dataclass
class Lexicon:
    path: str
    entries: list[Entry]
    version: int = 1
    _matcher: object | None = field(default=None, repr=False)

    @property
    def matcher(self):
        """The compiled scanner (hyperscan databases), built on first use and kept."""
        if self._matcher is None:
            from vigil.signals.matcher import Matcher

            self._matcher = Matcher(self)
        return self._matcher

    def known_skeletons(self) -> set[str]:
        """Skeletons of every term and hashtag: what `discover_terms` must not propose again."""
        return {e.skeleton.replace(" ", "") for e in self.entries if e.kind in ("term", "hashtag")}


def load_lexicon(path: str | Path) -> Lexicon:
    """Read, validate and compile a lexicon YAML file (data contract: Operator inputs)."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise LexiconError(path, [f"cannot read the file: {e}"]) from e
    lex = parse_lexicon(text, path)
    lex.matcher  # compile now: a pattern hyperscan cannot build fails before any data is read
    return lex


def parse_lexicon(text: str, path: str = "<lexicon>") -> Lexicon:
    nodes, problems = versioned_entries(text, path, "signals", LexiconError, "lexicon")
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for node in nodes:
        entry = _parse_entry(node, problems, seen)
        if entry is not None:
            entries.append(entry)
    if problems:
        raise LexiconError(path, problems)
    return Lexicon(path=path, entries=entries, version=1)


def _parse_entry(node, problems: list[str], seen: dict[str, int]) -> Entry | None:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"line {line}: an entry must be a mapping with id, category, kind, value")
        return None
    raw: dict[str, tuple[str, int, bool]] = {}
    tags: list[str] = []
    for k, v in node.value:
        is_scalar = isinstance(v, yaml.ScalarNode)
        raw[k.value] = (v.value if is_scalar else None, v.start_mark.line + 1, is_scalar)
        if k.value == "tags":
            tags = _tags(v, problems, node)
    eid = raw.get("id", (None, line, True))[0]
    who = f"line {line}: entry {eid!r}" if eid else f"line {line}: entry without id"
    bad = len(problems)
    for name in ("id", "category", "kind", "value"):
        if name not in raw or raw[name][0] in (None, ""):
            problems.append(f"{who}: missing `{name}`")
    for name in raw:
        if name not in FIELDS:
            problems.append(f"line {raw[name][1]}: entry {eid!r}: unknown field `{name}`")
    if eid:
        if eid in seen:
            problems.append(f"{who}: duplicate id (first defined on line {seen[eid]})")
        else:
            seen[eid] = line
    category = raw.get("category", (None,))[0]
    kind = raw.get("kind", (None,))[0]
    value = raw.get("value", (None,))[0]
    if category and category not in CATEGORIES:
        problems.append(f"line {raw['category'][1]}: entry {eid!r}: unknown category {category!r} "
                        f"(one of {', '.join(CATEGORIES)})")
    if kind and kind not in KINDS:
        problems.append(f"line {raw['kind'][1]}: entry {eid!r}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    weight = 1.0
    if "weight" in raw:
        try:
            weight = float(raw["weight"][0])
            if not (0.0 < weight <= 10.0):
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"line {raw['weight'][1]}: entry {eid!r}: weight must be a number in (0, 10], "
                            f"got {raw['weight'][0]!r}")
    skeleton = folded = ""
    if value and kind in KINDS:
        vline = raw["value"][1]
        if kind == "regex":
            try:
                re.compile(value)
            except re.error as e:
                problems.append(f"line {vline}: entry {eid!r}: bad regex at position {e.pos}: {e.msg}: {value!r}")
        elif kind == "emoji":
            folded = fold_text(value).strip()
            if not folded:
                problems.append(f"line {vline}: entry {eid!r}: emoji value is empty after normalisation")
        else:
            skeleton = skeleton_text(value.lstrip("#") if kind == "hashtag" else value)
            if not any(c.isalpha() for c in skeleton):
                problems.append(f"line {vline}: entry {eid!r}: {kind} {value!r} has no letters to match")
            elif kind == "hashtag" and " " in skeleton:
                problems.append(f"line {vline}: entry {eid!r}: a hashtag cannot contain spaces: {value!r}")
    if len(problems) > bad:
        return None
    return Entry(id=eid, category=category, kind=kind, value=value, weight=weight, line=line,
                 skeleton=skeleton, folded=folded, tags=tuple(tags))


def _tags(v, problems: list[str], entry) -> list[str]:
    """`tags: backup` or `tags: [backup, request]`, each one of TAGS."""
    line = v.start_mark.line + 1
    eid = next((x.value for k, x in entry.value if k.value == "id" and isinstance(x, yaml.ScalarNode)), None)
    if isinstance(v, yaml.ScalarNode):
        items = [v.value] if v.value else []
    elif isinstance(v, yaml.SequenceNode) and all(isinstance(x, yaml.ScalarNode) for x in v.value):
        items = [x.value for x in v.value]
    else:
        problems.append(f"line {line}: entry {eid!r}: `tags` must be a list of tags (one of {', '.join(TAGS)})")
        return []
    for t in items:
        if t not in TAGS:
            problems.append(f"line {line}: entry {eid!r}: unknown tag {t!r} (one of {', '.join(TAGS)})")
    return [t for t in items if t in TAGS]
