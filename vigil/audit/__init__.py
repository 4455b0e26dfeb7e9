"""Recommendation and search audit: how far each surface steers viewers into the network."""

from vigil.lazy import lazy_exports

__all__ = ["AuditResult", "run_audit"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "AuditResult": "vigil.audit.run",
    "run_audit": "vigil.audit.run",
})
