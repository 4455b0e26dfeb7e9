"""Importers: a platform's own export format -> a contract export folder (../shared/DATA_CONTRACT.md).

A format joins the registry in one line, from its own module:

    @register("mastodon")
    def read_mastodon(src: Path, sink: Sink) -> None: ...

`FORMAT_MODULES` lists the modules imported on first use, so `vigil --help` loads none of them.
"""

from __future__ import annotations

import importlib
from typing import Callable

from vigil.importers.sink import ImportSummary, Sink, run_import  # noqa: F401

Reader = Callable[..., None]
FORMATS: dict[str, Reader] = {}
FORMAT_MODULES = ("vigil.importers.mastodon", "vigil.importers.x", "vigil.importers.jetstream_file",
                  "vigil.importers.telegram", "vigil.importers.bluesky_car")


def register(name: str) -> Callable[[Reader], Reader]:
    def add(fn: Reader) -> Reader:
        FORMATS[name] = fn
        return fn
    return add


def formats() -> dict[str, Reader]:
    for mod in FORMAT_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise
    return FORMATS
