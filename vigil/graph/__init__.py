"""Network detection: expand from the evidence, tell sellers from buyers from facilitators,
find their communities, and explain every score."""

from vigil.graph.model import load_model, refit, save_model
from vigil.graph.run import run_graph

__all__ = ["run_graph", "refit", "save_model", "load_model"]
