"""Signals: an operator lexicon that survives obfuscation, built-in extractors, and emergent terms.

`load_lexicon` validates and compiles the operator's YAML; `run_signals` writes `signal_hits` and
`account_signals`; `discover_terms` proposes new terms tied to high-risk accounts (`terms.csv`).
"""

from vigil.lazy import lazy_exports

__all__ = ["Lexicon", "LexiconError", "account_signals", "discover_terms", "load_lexicon", "parse_lexicon", "run_signals"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "Lexicon": "vigil.signals.lexicon",
    "LexiconError": "vigil.signals.lexicon",
    "account_signals": "vigil.signals.stage",
    "discover_terms": "vigil.signals.discover",
    "load_lexicon": "vigil.signals.lexicon",
    "parse_lexicon": "vigil.signals.lexicon",
    "run_signals": "vigil.signals.stage",
})
