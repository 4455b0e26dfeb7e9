"""Operator mistakes: one error type, raised by validators at load, reported once by the CLI shell.

A wrong lexicon, hash bank, export, seeds file or results folder is not a bug: the operator needs
the file, the line (and field) and what to do, in a few lines, not a traceback.
"""

from __future__ import annotations

import re

MAX_LINES = 5  # an operator reads the whole message; a sixth line is a wall of text


class OperatorError(ValueError):
    """A file the operator gave is wrong: `file`, `line`, `field` and a `hint` say where and what to do."""

    hint_default = "fix the file named above and run the command again"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None, details: list[str] | None = None):
        self.file, self.field = (str(file) if file else None), field
        self.line = line if line is not None else _first_line(message, details)
        self.hint = hint or self.hint_default
        self.details = list(details or [])
        super().__init__(message + "".join("\n  " + d for d in self.details))
        self.message = message

    def lines(self, limit: int = MAX_LINES) -> list[str]:
        """The message as at most `limit` lines: headline, first details, hint."""
        out = [f"error: {self.message}"]
        room = limit - 2
        shown = self.details if len(self.details) <= room else self.details[: room - 1] + [
            f"... and {len(self.details) - room + 1} more problem(s)"]
        out += ["  " + d for d in shown]
        out.append(f"hint: {self.hint}")
        return out[:limit]


class FileProblems(OperatorError):
    """Every problem found in one operator file (lexicon, registry), each naming its line: all of
    them at once, so the operator fixes the file in one pass instead of one run per mistake."""

    what = "file"

    def __init__(self, path: str, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path}: {len(problems)} problem(s) in the {self.what}:", file=path, details=problems)


def _first_line(message: str, details) -> int | None:
    for text in [message, *(details or [])]:
        m = re.search(r"(?:^|:)(\d+):|line (\d+)", text)
        if m:
            return int(m.group(1) or m.group(2))
    return None


def yaml_problem(e: Exception) -> str:
    """Where a YAML error really is, and what it is.

    PyYAML's `problem_mark` is where the parser gave up; for a quoted scalar that is never closed
    it lies far below (the scanner reads on into later lines), while `context_mark` is where the
    quote was opened: that is the line the operator must fix."""
    context = getattr(e, "context", None) or ""
    problem = getattr(e, "problem", None) or str(e)
    pmark, cmark = getattr(e, "problem_mark", None), getattr(e, "context_mark", None)
    if "quoted scalar" in context and cmark is not None:
        gave_up = f" (the parser read on to line {pmark.line + 1})" if pmark is not None and pmark.line != cmark.line else ""
        return (f"line {cmark.line + 1}: not valid YAML: a quote opened at column {cmark.column + 1} is not "
                f"closed on that line{gave_up}: close it, or drop it")
    mark = pmark or cmark
    where = f"line {mark.line + 1}" if mark is not None else "line ?"
    return f"{where}: not valid YAML: {problem}" + (f" ({context})" if context else "")


def versioned_entries(text: str, path: str, key: str, error: type[FileProblems], what: str) -> tuple[list, list[str]]:
    """The YAML nodes of an operator file laid out as `version: 1` plus a list under `key`.

    The lexicon and the platform registry share this layout; each parses its own entries from
    the nodes (with their lines). Problems that leave nothing to parse raise `error` at once; the
    others are returned, for the caller to report together with its entries' problems."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise error(path, [yaml_problem(e)]) from e
    if not isinstance(root, yaml.MappingNode):
        raise error(path, [f"line 1: the {what} must be a mapping with `version` and `{key}`"])
    top = {k.value: v for k, v in root.value}
    problems: list[str] = []
    v = top.get("version")
    if v is not None and not (isinstance(v, yaml.ScalarNode) and v.value == "1"):
        problems.append(f"line {v.start_mark.line + 1}: unsupported version {getattr(v, 'value', v)!r} (expected 1)")
    items = top.get(key)
    if not isinstance(items, yaml.SequenceNode):
        line = items.start_mark.line + 1 if items is not None else 1
        raise error(path, problems + [f"line {line}: `{key}` must be a list of entries"])
    return items.value, problems
