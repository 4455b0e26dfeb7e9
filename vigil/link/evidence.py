"""The reviewer's sentence for a link: what was seen, in the order it weighs.

A reviewer must be able to check every clause against the two profiles without reading code,
so each clause names the field and the value ("bio links to prolink.example/in/..."), and the
numbers that carry the weight (picture distance, how many accounts share the name).
"""

from __future__ import annotations

from vigil.link.compare import Comparison
from vigil.link.profiles import Profiles


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def describe(prof: Profiles, s: dict) -> str:
    i, j = s["i"], s["j"]
    if s.get("closure"):
        chain = " = ".join(prof.label(k) for k in s["closure"])
        return f"same person through linked accounts: {chain}; weakest link {s['score']:.2f}"
    c: Comparison = s["c"]
    a, b = prof.label(i), prof.label(j)
    parts: list[str] = []
    if "a->b" in c.pointer_dirs:
        parts.append(f"{a} profile names {b}")
    if "b->a" in c.pointer_dirs:
        parts.append(f"{b} profile names {a}")
    if c.shared_ids:
        shown = ", ".join(f"'{x}'" for x in c.shared_ids[:3])
        parts.append(f"both profiles list the contact/handle {shown}")
    if s.get("backup_of"):
        parts.append("graph stage marks one as a re-creation of the other")
    if c.image == "shared":
        parts.append("profile picture is a shared/default image (no weight)")
    elif c.distance is not None:
        copy = s["weights"].get("image", 0.0) > 0
        mirrored = ", mirrored" if c.mirrored and copy else ""
        kind = "copy" if copy else "not a copy"
        parts.append(f"profile picture distance {c.distance}{mirrored} ({kind})")
    if c.name in ("exact", "key", "subset", "partial"):
        name = prof.display_name[i].strip()
        if c.name in ("exact", "key"):
            n = prof.name_frequency(prof.platform[j], prof.key[i])
            if prof.platform[i] == prof.platform[j]:
                n -= 1
            parts.append(f"name '{name}' shared by {_plural(max(n, 1), 'account')} on {prof.platform[j]}")
        else:
            parts.append(f"names overlap ('{name}' / '{prof.display_name[j].strip()}')")
    elif c.name == "differ":
        parts.append(f"names differ ('{prof.display_name[i].strip()}' / '{prof.display_name[j].strip()}')")
    if c.handle in ("same", "contains", "similar", "close"):
        parts.append(f"handles alike (@{prof.handle[i]} / @{prof.handle[j]}: {c.handle})")
    if c.graph in ("edge_and_shared", "edge", "shared"):
        parts.append({
            "edge_and_shared": "one follows/interacts with the other and they share neighbours",
            "edge": "one follows/interacts with the other",
            "shared": "they share neighbours",
        }[c.graph])
    w = s.get("weights", {})
    if w.get("succession", 0.0) > 0:
        parts.append("the newer account was opened soon after the older one's last post")
    if w.get("backup_words", 0.0) > 0:
        parts.append("the newer account's bio calls it a new/backup account")
    if w.get("flagged_pool", 0.0) > 0:
        parts.append("both accounts are flagged and no other account on either platform has this handle")
    if s.get("linked"):
        parts.append(f"both follow or talk to {_plural(s['linked'], 'account')} already linked across the two platforms")
    parts.append(f"match probability {s.get('score', s['posterior']):.2f}")
    return "; ".join(parts)
