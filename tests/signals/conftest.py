"""A small operator lexicon of invented words, compiled once for the signal tests."""

from __future__ import annotations

import pytest

from vigil.signals import parse_lexicon

LEXICON_YAML = """\
version: 1
signals:
- id: explicit-vexkin
  category: explicit
  kind: term
  value: vexkin
- id: explicit-torlap
  category: explicit
  kind: term
  value: torlap
  weight: 0.9
- id: tag-yumbrikvip
  category: explicit
  kind: hashtag
  value: yumbrikvip
- id: sale-menu-in-bio
  category: sale
  kind: term
  value: menu in bio
  weight: 0.6
- id: trade-swap
  category: trade
  kind: term
  value: swap
  weight: 0.3
- id: emoji-flamingo-ice
  category: explicit
  kind: emoji
  value: "🦩🧊"
  weight: 0.8
- id: age-regex
  category: age
  kind: regex
  value: (?i)\\bgrade\\s*[5-8]\\b
  weight: 0.5
"""


@pytest.fixture(scope="session")
def lexicon():
    lex = parse_lexicon(LEXICON_YAML, "test-lexicon.yaml")
    lex.matcher  # compile once
    return lex


def hits_of(lexicon, text: str) -> list[dict]:
    """Hits of one text as dicts (signal id, matched span, context, obfuscated), with span checks."""
    m = lexicon.matcher
    h = m.scan([text])
    out = []
    for i in range(len(h)):
        start, end = int(h.start[i]), int(h.end[i])
        assert text[start:end] == h.matched[i], (text, start, end, h.matched[i])
        out.append({
            "signal": m.signals[int(h.signal[i])].signal_id,
            "matched": h.matched[i],
            "context": ("use", "warn", "adult")[int(h.context[i])],
            "obfuscated": bool(h.obfuscated[i]),
            "weight": float(h.weight[i]),
        })
    return out


def signals_of(lexicon, text: str) -> set[str]:
    return {h["signal"] for h in hits_of(lexicon, text)}
