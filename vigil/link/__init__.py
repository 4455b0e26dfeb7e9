"""Cross-platform linking: tie flagged accounts and their close network to their other accounts."""

from vigil.lazy import lazy_exports

__all__ = ["link_accounts", "run_link"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "link_accounts": "vigil.link.stage",
    "run_link": "vigil.link.stage",
})
