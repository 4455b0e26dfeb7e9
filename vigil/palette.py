"""One colour per network role, shared by the review app's network view and the report's network
figure, so a reviewer moving between them never reads a colour the other way round."""

from __future__ import annotations

ROLE_COLOURS: dict[str, str] = {
    "seller": "#d62728",
    "buyer": "#1f77b4",
    "facilitator": "#ff7f0e",
    "none": "#bbbbbb",
}
# An account with no case (or one the viewer may not see) in the review app's network view.
UNKNOWN_COLOUR = "#e4e4e4"
# The dashed edge between accounts judged to be the same person on two platforms.
LINK_COLOUR = "#6a3d9a"


def role_colour(role: str | None) -> str:
    return ROLE_COLOURS.get(role or "", UNKNOWN_COLOUR)


def stylesheet() -> str:
    """CSS classes for the web app (role text, legend swatches), generated here so CSS and the
    JSON handed to the network view cannot drift apart."""
    rules = [f".role.{r} {{ color: {c}; font-weight: 600; }}\n.swatch.{r} {{ background: {c}; }}"
             for r, c in ROLE_COLOURS.items()]
    rules.append(f".swatch.account {{ background: {UNKNOWN_COLOUR}; }}")
    rules.append(f".swatch.link {{ border-top: 2px dashed {LINK_COLOUR}; background: none; height: 0; }}")
    return "\n".join(rules) + "\n"
