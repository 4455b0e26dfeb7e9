"""Behavioural features of the crawled accounts, relative to a set of flagged accounts.

Every feature is a count of distinct accounts or a share, never a raw platform-sized number, so
the same rule reads the same on a 6k-account sample and a 1M-account export. Each is a sparse
row-slice times a mask: a join and a group-by in table terms.

What needs an account's every edge rather than those to flagged accounts (how many it follows,
deals with, reposts) is a `ScopeDegrees`, an engine's aggregation over the whole edge table; the
rest only needs the edges that touch the crawled accounts, which is all an engine hands back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from vigil.graph.build import AccountGraph
from vigil.graph.evidence import Evidence


def _binary(m: sp.csr_matrix) -> sp.csr_matrix:
    m = m.copy()
    m.data[:] = 1.0
    return m


# An account "deals with" whom it follows, likes, comments on or messages.
DEALING_KINDS = ("follow", "like", "comment", "message")


@dataclass
class ScopeDegrees:
    """Per crawled account, over all its edges: distinct accounts it follows, distinct accounts it
    deals with (DEALING_KINDS), and the reposts it made (interactions). Dtypes as the sparse
    products give them, so every engine's numbers compute alike downstream."""

    follows: np.ndarray
    dealings: np.ndarray
    reposts: np.ndarray

    def __post_init__(self):
        self.follows = np.asarray(self.follows, dtype=np.float64)
        self.dealings = np.asarray(self.dealings, dtype=np.float32)
        self.reposts = np.asarray(self.reposts, dtype=np.float32)


def scope_degrees(g: AccountGraph, codes: np.ndarray) -> ScopeDegrees:
    """ScopeDegrees from the coded matrices (the embedded engine's aggregation)."""
    dealt = _binary(sum(_binary(g.out(k)[codes]) for k in DEALING_KINDS).tocsr())
    return ScopeDegrees(follows=np.diff(g.out("follow")[codes].indptr),
                        dealings=np.diff(dealt.indptr),
                        reposts=np.asarray(g.out("repost")[codes].sum(axis=1)).ravel())


class Neighbourhood:
    """Row slices of the edge matrices for the crawled accounts, cut once and reused. `g` needs
    only the edges that touch `codes`; `degrees` (None: computed from `g`) the whole table's."""

    def __init__(self, g: AccountGraph, codes: np.ndarray, degrees: ScopeDegrees | None = None):
        self.g, self.codes = g, codes
        self.out = {k: _binary(g.out(k)[codes]) for k in g.mats}
        self.inc = {k: _binary(g.inc(k)[codes]) for k in g.mats}
        self.out_w = {k: g.out(k)[codes] for k in ("mention", "repost")}
        self.degrees = degrees if degrees is not None else scope_degrees(g, codes)

    def out_count(self, kinds, mask: np.ndarray) -> np.ndarray:
        """Distinct accounts in `mask` that each crawled account acts on with any of `kinds`."""
        m = sum(self.out[k] for k in kinds)
        m = _binary(m.tocsr()) if len(kinds) > 1 else m
        return np.asarray(m @ mask.astype(np.float32)).ravel()

    def in_count(self, kinds, mask: np.ndarray) -> np.ndarray:
        m = sum(self.inc[k] for k in kinds)
        m = _binary(m.tocsr()) if len(kinds) > 1 else m
        return np.asarray(m @ mask.astype(np.float32)).ravel()

    def answered_out(self, kinds, answered: np.ndarray) -> sp.csr_matrix:
        """Like `out` over `kinds`, where "message" also covers answers: messages an account
        receives from an account it follows, likes or writes to, and that does not follow it
        (for rows where `answered` is set). Such a message is the other side of a conversation
        the account opened; partial exports lose messages in either direction, so its own half
        may be missing. A sender that follows the account may have opened the contact itself
        (following, then writing, is how a seller reaches out to a target), so its messages are
        not counted as answers."""
        m = sum(self.out[k] for k in kinds)
        if "message" in kinds and answered.any():
            approached = _binary(sum(self.out[k] for k in ("follow", "like", "comment", "message")).tocsr())
            replies = self.inc["message"].multiply(approached).tocsr()
            replies = (replies - replies.multiply(self.inc["follow"])).tocsr()
            replies.eliminate_zeros()
            m = m + sp.diags(answered.astype(np.float32)) @ replies
        return _binary(m.tocsr())

    def partners(self, kinds, mask: np.ndarray, answered: np.ndarray) -> np.ndarray:
        """Distinct accounts in `mask` each crawled account acts on with any of `kinds`, counting
        answered conversations as messages (see `answered_out`)."""
        return np.asarray(self.answered_out(kinds, answered) @ mask.astype(np.float32)).ravel()

    def mutual_follow(self, mask: np.ndarray) -> np.ndarray:
        both = self.out["follow"].multiply(self.inc["follow"])
        return np.asarray(both @ mask.astype(np.float32)).ravel()

    def set_promotions(self, ev: Evidence, codes_local: np.ndarray) -> None:
        """Promotion = reposts plus own posts naming an account (from the posts' text when the
        export has it, else the mention edges, which cannot tell a post from a comment)."""
        m, n = len(self.codes), self.g.n
        if ev.own_posts is None:
            self.promo_w = (self.out_w["mention"] + self.out_w["repost"]).tocsr()
        else:
            keep = codes_local[ev.promo_src] >= 0
            named = sp.csr_matrix((ev.promo_posts[keep].astype(np.float32),
                                   (codes_local[ev.promo_src[keep]], ev.promo_dst[keep])), shape=(m, n))
            self.promo_w = (named + self.out_w["repost"]).tocsr()
        self.promo_bin = _binary(self.promo_w)

    def promoted(self, mask: np.ndarray) -> np.ndarray:
        """Distinct accounts in `mask` that each crawled account reposts or names in its posts."""
        return np.asarray(self.promo_bin @ mask.astype(np.float32)).ravel()

    def promo_events(self, mask: np.ndarray) -> np.ndarray:
        """Promotions (posts naming, reposts) aimed at accounts in `mask`."""
        return np.asarray(self.promo_w @ mask.astype(np.float32)).ravel()


def _request_rows(ev: Evidence, requests_only: bool) -> np.ndarray:
    """Rows of the buying-comment table to count: all buying talk, or request language only."""
    if requests_only and ev.req_is_request is not None:
        return ev.req_is_request
    return np.ones(len(ev.req_src), dtype=bool)


def request_counts(ev: Evidence, codes_local: np.ndarray, sellers: np.ndarray, m: int,
                   requests_only: bool = False):
    """Per crawled commenter: buying comments (request language only, if asked) on `sellers'`
    posts, and distinct sellers addressed."""
    sel = _request_rows(ev, requests_only) & (codes_local[ev.req_src] >= 0) & sellers[ev.req_dst]
    s_loc = codes_local[ev.req_src[sel]]
    n_comments = np.bincount(s_loc, minlength=m).astype(float)
    pairs = np.unique(np.stack([s_loc, ev.req_dst[sel]]), axis=1) if sel.any() else np.zeros((2, 0), dtype=np.int64)
    n_sellers = np.bincount(pairs[0], minlength=m).astype(float)
    return n_comments, n_sellers


def requests_received(ev: Evidence, codes_local: np.ndarray, m: int, from_mask: np.ndarray | None = None,
                      requests_only: bool = True):
    """Per crawled author: distinct accounts (optionally only those in `from_mask`) asking to buy.
    Request language only by default: whether an author sells is not read from payment or
    product words that its commenters may use for any shop."""
    sel = _request_rows(ev, requests_only) & (codes_local[ev.req_dst] >= 0)
    if from_mask is not None:
        sel &= from_mask[ev.req_src]
    if not sel.any():
        return np.zeros(m)
    pairs = np.unique(np.stack([codes_local[ev.req_dst[sel]], ev.req_src[sel]]), axis=1)
    return np.bincount(pairs[0], minlength=m).astype(float)


def propagation(adj_local: sp.csr_matrix, confirmed_local: np.ndarray, alpha: float = 0.15,
                iters: int = 30) -> np.ndarray:
    """Personalised PageRank from the confirmed accounts inside the crawled subgraph.

    Returned as a percentile in [0, 1] among reached accounts, so it reads the same at any size.
    """
    m = adj_local.shape[0]
    if not confirmed_local.any() or m == 0:
        return np.zeros(m)
    deg = np.asarray(adj_local.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    p0 = confirmed_local / confirmed_local.sum()
    p = p0.copy()
    at = adj_local.T.tocsr()
    for _ in range(iters):
        p = alpha * p0 + (1 - alpha) * (at @ (p * inv))
    out = np.zeros(m)
    pos = p > 0
    if pos.any():
        ranks = p[pos].argsort().argsort()
        out[pos] = (ranks + 1) / pos.sum()
    return out
