"""The report's figures, each returned as a `data:` URI of an SVG image.

Images (not inline SVG markup) so that no text from the data — handles in labels are hostile
input — can ever become markup in the page; a browser runs no script inside an <img>.
"""

from __future__ import annotations

import base64
from collections import Counter, defaultdict
from datetime import datetime

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import igraph as ig  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from vigil.audit import plots as audit_plots  # noqa: E402
from vigil.report.results import ESCALATE_ROLES, Results  # noqa: E402

from vigil.palette import LINK_COLOUR, ROLE_COLOURS  # noqa: E402  (one scheme with the review app)
from vigil.wording import clip_words  # noqa: E402
MAP_MAX_NODES = 400  # beyond this a force layout is unreadable; the strongest accounts are kept
MAP_LABELS = 12
NETWORK_EDGE_KINDS = ("follow", "message", "comment", "mention", "repost", "like")


def svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _fig_uri(fig) -> str:
    return svg_uri(audit_plots.figure_svg(fig))


def _message(text: str) -> str:
    fig, ax = plt.subplots(figsize=(6, 1.0))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10)
    return _fig_uri(fig)


def _short(label: str | None, n: int = 18) -> str:
    s = "".join(ch for ch in (label or "") if ch.isprintable())
    s = clip_words(s, n)
    return s.replace("$", r"\$")  # a '$' would start matplotlib mathtext


def network_map(res: Results) -> str:
    """Accounts with a network role and the edges among them, coloured by role."""
    nodes = sorted(res.flagged, key=lambda a: -a["score"])[:MAP_MAX_NODES]
    if not nodes:
        return _message("no accounts with a network role")
    keys = [(a["platform"], a["account_id"]) for a in nodes]
    index = {k: i for i, k in enumerate(keys)}
    edges: dict[tuple[int, int], bool] = {}  # (i, j) -> is a cross-platform link
    if res.table_exists("edges"):
        con = res.ws.connect()
        try:
            con.execute("CREATE TEMP TABLE keep (platform VARCHAR, account_id VARCHAR)")
            con.executemany("INSERT INTO keep VALUES (?, ?)", keys)
            rows = con.execute(
                f"""
                SELECT DISTINCT e.platform, e.src, e.dst FROM edges e
                SEMI JOIN keep s ON s.platform = e.platform AND s.account_id = e.src
                SEMI JOIN keep d ON d.platform = e.platform AND d.account_id = e.dst
                WHERE e.kind IN {NETWORK_EDGE_KINDS} AND e.src <> e.dst
                """
            ).fetchall()
        finally:
            con.close()
        for p, src, dst in rows:
            i, j = sorted((index[(p, src)], index[(p, dst)]))
            edges.setdefault((i, j), False)
    for link in res.links:  # cross-platform identity links drawn dashed
        a, b = (link["platform_a"], link["account_a"]), (link["platform_b"], link["account_b"])
        if a in index and b in index:
            i, j = sorted((index[a], index[b]))
            edges[(i, j)] = True
    g = ig.Graph(n=len(keys), edges=list(edges))
    rng = np.random.default_rng(7)
    xy = np.array(g.layout_fruchterman_reingold(niter=300, seed=rng.random((len(keys), 2)).tolist()).coords)
    fig, ax = plt.subplots(figsize=(9, 7))
    for is_link, style, colour, alpha in ((False, "solid", "#555555", 0.25), (True, "dashed", LINK_COLOUR, 0.9)):
        segs = [[xy[i], xy[j]] for (i, j), lk in edges.items() if lk == is_link]
        if segs:
            ax.add_collection(LineCollection(segs, linestyles=style, colors=colour, alpha=alpha, linewidths=0.7))
    for role in ESCALATE_ROLES:
        idx = [i for i, a in enumerate(nodes) if a["role"] == role]
        if idx:
            ax.scatter(xy[idx, 0], xy[idx, 1], s=[30 + 120 * nodes[i]["score"] for i in idx],
                       c=ROLE_COLOURS[role], label=f"{role} ({len(idx)})", alpha=0.9, zorder=3)
    for i, a in enumerate(nodes[:MAP_LABELS]):
        prof = res.profiles.get(keys[i], {})
        ax.annotate(_short(prof.get("handle") or a["account_id"]), xy[i], fontsize=7, zorder=4,
                    xytext=(3, 3), textcoords="offset points")
    platforms = sorted({p for p, _ in keys})
    ax.set_title(_short(f"Network map: {len(keys)} accounts with a role on {', '.join(platforms)}", 120)
                 + f" ({len(edges)} edges; dashed = cross-platform link)")
    ax.legend(loc="lower left", fontsize=8)
    ax.autoscale()
    ax.axis("off")
    return _fig_uri(fig)


def community_roles(res: Results) -> str:
    """Role counts of the largest communities."""
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for a in res.flagged:
        if a.get("community"):
            counts[(a["platform"], a["community"])][a["role"]] += 1
    if not counts:
        return _message("no communities")
    top = sorted(counts.items(), key=lambda kv: -sum(kv[1].values()))[:12]
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.35 * len(top)))
    labels = [f"{_short(c, 24)} ({p})" for (p, c), _ in top]
    left = [0] * len(top)
    for role in ESCALATE_ROLES:
        vals = [cnt[role] for _, cnt in top]
        ax.barh(labels, vals, left=left, color=ROLE_COLOURS[role], label=role)
        left = [a + b for a, b in zip(left, vals)]
    ax.invert_yaxis()
    ax.set_xlabel("accounts")
    ax.set_title("Communities and roles")
    ax.legend(fontsize=8)
    return _fig_uri(fig)


def creation_timeline(res: Results) -> str:
    """When the network's accounts were created: bursts are re-creations after bans."""
    by_role: dict[str, list[datetime]] = defaultdict(list)
    for a in res.flagged:
        ts = res.profiles.get((a["platform"], a["account_id"]), {}).get("created_at")
        if isinstance(ts, datetime):
            by_role[a["role"]].append(ts)
    if not by_role:
        return _message("no account creation dates in the export")
    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.hist([by_role[r] for r in ESCALATE_ROLES if by_role[r]], bins=30, stacked=True,
            color=[ROLE_COLOURS[r] for r in ESCALATE_ROLES if by_role[r]],
            label=[r for r in ESCALATE_ROLES if by_role[r]])
    ax.set_ylabel("accounts created")
    ax.set_title("Account creation timeline (accounts with a network role)")
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    return _fig_uri(fig)


def audit_lift(res: Results) -> str:
    if not res.audit.get("platforms"):
        return _message("no recommendation audit in these results")
    return svg_uri(audit_plots.lift_plot(res.audit))


def exposure_paths(res: Results) -> str:
    return svg_uri(audit_plots.exposure_plot(res.audit))


def all_figures(res: Results) -> dict[str, str]:
    return {
        "network": network_map(res),
        "communities": community_roles(res),
        "lift": audit_lift(res),
        "exposure": exposure_paths(res),
        "timeline": creation_timeline(res),
    }
