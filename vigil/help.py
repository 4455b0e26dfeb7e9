"""How `vigil ... --help` names what an option takes.

Typer labels every option with its Python annotation, so a flag reads `--dihedral <bool>` (it takes
no value) and a repeatable option `--hashes <list[Path]>` (it takes one file, given again for
more). Help is read by operators, not by Python programmers: a flag shows nothing after it and a
repeatable option shows what one value is, followed by `...`.
"""

from __future__ import annotations

import re

from typer.core import TyperCommand, TyperGroup
from typer.models import DefaultPlaceholder

_LIST_LABEL = re.compile(r"^<list\[(?:.*\.)?(\w+)\]>$")


def one_value_label(label: str | None) -> str | None:
    """`<list[Path]>` -> `<file>`: what one value of a repeatable parameter is."""
    m = _LIST_LABEL.match(label or "")
    return f"<{ {'Path': 'file'}.get(m.group(1), m.group(1).lower()) }>" if m else None


def operator_metavar(param, ctx) -> str | None:
    """The label to show for an option, or None to keep Typer's own."""
    if getattr(param, "metavar", None) is not None or not hasattr(param, "is_flag"):
        return None
    if param.is_flag or getattr(param, "count", False):
        return ""
    one = one_value_label(param.display_type(ctx))
    return f"{one}..." if one else None


def _shape(params, ctx):
    for p in params:
        label = operator_metavar(p, ctx)
        if label is not None:
            p.metavar = label
        elif not hasattr(p, "is_flag"):  # an argument: its name already ends in "..." when repeatable
            one = one_value_label(p.display_type(ctx))
            if one:
                p.display_type = lambda ctx, one=one: one
    return params


class OperatorCommand(TyperCommand):
    def get_params(self, ctx):
        return _shape(super().get_params(ctx), ctx)


class OperatorGroup(TyperGroup):
    def get_params(self, ctx):
        return _shape(super().get_params(ctx), ctx)


def _is_default(cls, typer_cls) -> bool:
    """Typer's own class, given or left as its placeholder (a subclass of someone's is kept)."""
    return cls is None or cls is typer_cls or isinstance(cls, DefaultPlaceholder)


def use_operator_help(app) -> None:
    """Give every command and group of `app` (and its sub-apps) the operator's labels."""
    if _is_default(app.info.cls, TyperGroup):
        app.info.cls = OperatorGroup
    for info in app.registered_commands:
        if _is_default(info.cls, TyperCommand):
            info.cls = OperatorCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            use_operator_help(group.typer_instance)
