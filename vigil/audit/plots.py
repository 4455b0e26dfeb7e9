"""Plots of the audit for the investigation report: lift per surface, exposure-path distribution.

They take the `recommendation_audit.json` dict (not the workspace), so the report can redraw
them from a results folder alone. Output is SVG text (self-contained, scales in the page).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from vigil import schemas  # noqa: E402

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def figure_svg(fig) -> str:
    """A figure as inline SVG text, closed afterwards."""
    buf = io.StringIO()
    # text as <text> (escaped by matplotlib), not glyph paths: several times faster and smaller
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog so it can be inlined in HTML


def _plain(text: str) -> str:
    """Data shown as a label: a '$' would start matplotlib mathtext."""
    return str(text).replace("$", r"\$")


def _placeholder(message: str) -> str:
    fig, ax = plt.subplots(figsize=(6, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11)
    return figure_svg(fig)


def lift_plot(audit: dict) -> str:
    """Lift (adjacent share / baseline) per platform and surface, with its interval, log scale."""
    rows = []
    for platform, body in sorted(audit.get("platforms", {}).items()):
        for surface, m in body.get("surfaces", {}).items():
            rows.append((platform, surface, m))
    if not rows:
        return _placeholder("no recommendation logs in this export")
    platforms = sorted({r[0] for r in rows})
    surfaces = [s for s in schemas.SURFACES if any(r[1] == s for r in rows)] + sorted(
        {r[1] for r in rows} - set(schemas.SURFACES)
    )
    fig, ax = plt.subplots(figsize=(7.5, 0.6 + 0.45 * len(rows)))
    y = 0
    ticks, labels = [], []
    for si, surface in enumerate(surfaces):
        for pi, platform in enumerate(platforms):
            m = next((r[2] for r in rows if r[0] == platform and r[1] == surface), None)
            if m is None:
                continue
            colour = COLOURS[pi % len(COLOURS)]
            n = m.get("adjacent_impressions", 0) or 0
            if not n or not m.get("lift"):
                # no adjacent impressions: there is no lift to show, and drawing it at the axis floor
                # would read as "steers away"; the row says so instead
                ticks.append(y)
                labels.append(_plain(f"{surface} ({platform}, n={n}): no data"))
                y += 1
                continue
            lift = max(m["lift"], 1e-2)
            ci = m.get("lift_ci") or m.get("lift_ci_delta")
            if ci:
                lo, hi = max(ci[0], 1e-2), max(ci[1], 1e-2)
                ax.plot([lo, hi], [y, y], color=colour, lw=2)
            ax.plot([lift], [y], "o", color=colour, label=_plain(platform) if si == 0 else None)
            ticks.append(y)
            labels.append(_plain(f"{surface} ({platform}, n={m.get('adjacent_impressions', 0)})"))
            y += 1
        y += 0.5
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel("lift: flagged share shown to adjacent viewers / baseline (95% CI; 1 = no steering)")
    ax.set_title("How far each surface steers viewers toward flagged accounts")
    ax.legend(loc="lower right", fontsize=8)
    return figure_svg(fig)


def exposure_plot(audit: dict) -> str:
    """Share of walks from non-adjacent viewers that reach a flagged account within k steps."""
    paths = audit.get("exposure_paths") or {}
    series = [(p, s, v) for p, by in sorted(paths.items()) for s, v in by.items() if v.get("walks")]
    if not series:
        return _placeholder("no exposure paths: no logged suggestions from non-adjacent viewers")
    platforms = sorted({p for p, _, _ in series})
    fig, axes = plt.subplots(1, len(platforms), figsize=(5.2 * len(platforms), 3.6), squeeze=False)
    for ax, platform in zip(axes[0], platforms):
        for i, (p, s, v) in enumerate(x for x in series if x[0] == platform):
            within = v.get("reached_within", {})
            ks = sorted(int(k) for k in within)
            ax.plot(ks, [100 * within[str(k)] for k in ks], marker="o", ms=3,
                    lw=2.5 if s == "all" else 1.2, color="black" if s == "all" else COLOURS[i % len(COLOURS)],
                    label=_plain(f"{s} (median {v['median_steps']:.0f} steps)" if v.get("median_steps") else s))
        ax.set_title(_plain(f"{platform}: walks from non-adjacent viewers"))
        ax.set_xlabel("recommendation steps")
        ax.set_ylabel("% of walks that reached a flagged account")
        ax.set_ylim(0, 100)  # a share of walks: the axis neither goes below 0 nor above 100
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return figure_svg(fig)
