"""Operator mistakes: a wrong lexicon, hash bank, seeds file, export or results folder.

They are not bugs, so the operator gets what a person needs to fix the input (which file, which
line and field, what to do) in a few lines, never a traceback. Each stage's own error type
derives from `OperatorError`; the CLI shell (`vigil.shell`) catches it once.
"""

from __future__ import annotations

# An operator error is shown in at most this many lines: the file and the first problems; the
# rest are counted and the full list is one command away (the error's `hint`).
MAX_SHOWN_PROBLEMS = 3


class OperatorError(Exception):
    """An input the operator gave cannot be used; `problems` each name a line and a field."""

    hint: str = ""

    def operator_lines(self) -> list[str]:
        """What the shell prints: a headline, a few problems, what to do."""
        text = str(self)
        lines = [ln for ln in text.splitlines() if ln.strip()]
        head, problems = (lines[0] if lines else type(self).__name__), lines[1:]
        shown = [p.strip() for p in problems[:MAX_SHOWN_PROBLEMS]]
        out = [head] + [f"  {p}" for p in shown]
        if len(problems) > MAX_SHOWN_PROBLEMS:
            out[-1] += f"  (and {len(problems) - MAX_SHOWN_PROBLEMS} more)"
        if self.hint:
            out.append(self.hint)
        return out


def yaml_problem(e: Exception) -> str:
    """Where a YAML error really is: the construct left open, not where the parser gave up.

    An unclosed quote on line 12 makes PyYAML stop at the end of the file; its `context_mark`
    holds the line where the quoted scalar (or block, or flow) began, which is what to fix."""
    problem = getattr(e, "problem", None) or str(e)
    context, cmark, pmark = getattr(e, "context", None), getattr(e, "context_mark", None), getattr(e, "problem_mark", None)
    if cmark is not None and context:
        at = f" (the parser stopped at line {pmark.line + 1})" if pmark is not None and pmark.line != cmark.line else ""
        return f"line {cmark.line + 1}: not valid YAML: {context} started here: {problem}{at}"
    where = f"line {pmark.line + 1}" if pmark is not None else "line ?"
    return f"{where}: not valid YAML: {problem}"
