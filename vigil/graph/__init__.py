"""Network detection: expand from the evidence, tell sellers from buyers from facilitators,
find their communities, and explain every score."""

from vigil.lazy import lazy_exports

__all__ = ["load_model", "refit", "run_graph", "save_model"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "load_model": "vigil.graph.model",
    "refit": "vigil.graph.model",
    "run_graph": "vigil.graph.run",
    "save_model": "vigil.graph.model",
})
