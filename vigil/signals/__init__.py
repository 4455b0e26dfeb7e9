"""Signals: an operator lexicon that survives obfuscation, built-in extractors, and emergent terms.

`load_lexicon` validates and compiles the operator's YAML; `run_signals` writes `signal_hits` and
`account_signals`; `discover_terms` proposes new terms tied to high-risk accounts (`terms.csv`).
"""

from vigil.signals.discover import discover_terms
from vigil.signals.lexicon import Lexicon, LexiconError, load_lexicon, parse_lexicon
from vigil.signals.stage import account_signals, run_signals

__all__ = ["Lexicon", "LexiconError", "account_signals", "discover_terms", "load_lexicon", "parse_lexicon", "run_signals"]
