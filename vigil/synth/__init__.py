"""vigil's own generator of synthetic worlds (export + operator inputs + truth), for demos and evaluation.

Invented words only, abstract images only. `generate_world(out_dir, accounts, seed)` is the entry
point; every structural knob is drawn from the seed (see `params.py`) so worlds differ.
"""

from vigil.lazy import lazy_exports

__all__ = ["World", "generate_world"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "World": "vigil.synth.world",
    "generate_world": "vigil.synth.world",
})
