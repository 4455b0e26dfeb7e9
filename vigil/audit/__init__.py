"""Recommendation and search audit: how far each surface steers viewers into the network."""

from vigil.audit.run import AuditResult, run_audit

__all__ = ["AuditResult", "run_audit"]
