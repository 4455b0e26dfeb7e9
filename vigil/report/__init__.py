"""Escalation and reporting: CyberTipline reports, enforcement and signal exports, report.html."""

from vigil.lazy import lazy_exports

__all__ = ["build_report"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "build_report": "vigil.report.build",
})
