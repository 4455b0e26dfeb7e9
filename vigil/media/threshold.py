"""The one PDQ match threshold: python-threatexchange's PDQ_CONFIDENT_MATCH_THRESHOLD.

Every default radius in vigil (bank matching, index layout, shared-picture radius, link's exact-copy
bin, synthetic near-copies) reads it from here, so an upstream change moves them together; an
operator overrides bank matching per run with `vigil investigate --pdq-threshold`.
"""

from threatexchange.signal_type.pdq.pdq_utils import PDQ_CONFIDENT_MATCH_THRESHOLD

PDQ_THRESHOLD: int = PDQ_CONFIDENT_MATCH_THRESHOLD
