"""Package exports that load on first use (PEP 562).

A stage package's `__init__` names what it offers (`from vigil.graph import run_graph`), but
importing the stage pulls in its libraries (pyarrow, duckdb, igraph, matplotlib, ...: seconds).
The CLI imports every stage's `commands` module to register commands, and `import
vigil.graph.commands` runs `vigil/graph/__init__.py` first; with lazy exports that costs nothing
until a command actually runs.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`: each name in `exports` is imported from its module when first read."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(importlib.import_module(package), name, value)  # later reads skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(exports) | set(vars(importlib.import_module(package))))

    return __getattr__, __dir__
