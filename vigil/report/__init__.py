"""Escalation and reporting: CyberTipline reports, enforcement and signal exports, report.html."""

from vigil.report.build import build_report

__all__ = ["build_report"]
