"""Cross-platform linking: tie flagged accounts and their close network to their other accounts."""

from vigil.link.stage import link_accounts, run_link

__all__ = ["link_accounts", "run_link"]
