"""vigil: find, explain and escalate sale networks of self-generated abuse material in platform exports.

Stages run in order, each a package with one job and tables in, tables out:
ingest -> signals -> media -> graph -> audit -> link -> cases -> report.
"""

__version__ = "0.1.0"
