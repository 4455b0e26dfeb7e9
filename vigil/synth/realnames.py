"""The same world written with real platform names and the URL and mention forms people use.

Forms are picked from the handle's hash, not the world's random stream, so a world generated
with `real_platform_names` is the invented-name world account for account, only written as a
real export would be (the comparison the linker is judged on)."""

from __future__ import annotations

import zlib

REAL_NAMES = {"main": "instagram", "micro": "twitter", "pro": "linkedin"}
PROFILE_URLS = {
    "instagram": ["https://www.instagram.com/{h}/", "https://instagram.com/{h}", "instagr.am/{h}",
                  "https://instagram.com/{h}?igsh=abc"],
    "twitter": ["https://x.com/{h}", "https://twitter.com/{h}", "https://mobile.twitter.com/{h}", "x.com/{h}"],
    "linkedin": ["https://www.linkedin.com/in/{h}/", "https://uk.linkedin.com/in/{h}", "linkedin.com/in/{h}"],
}
MENTIONS = {
    "instagram": ["ig: {h}", "IG: @{h}", "insta: @{h}", "instagram: @{h}"],
    "twitter": ["X: @{h}", "twitter: @{h}", "twt: @{h}", "x: @{h}"],
    "linkedin": ["linkedin: {h}", "LinkedIn: @{h}"],
}
# Twitter's handle rule: letters, digits and underscores, at most 15.
TWITTER_MAX = 15


def _pick(forms: list[str], handle: str) -> str:
    return forms[zlib.crc32(handle.encode()) % len(forms)].format(h=handle)


def profile_url(name: str, handle: str) -> str | None:
    forms = PROFILE_URLS.get(name)
    return _pick(forms, handle) if forms else None


def mention(name: str, handle: str) -> str:
    forms = MENTIONS.get(name)
    return _pick(forms, handle) if forms else f"{name}: @{handle}"


def real_handles(handles: list[str], platform_of: list[str]) -> list[str]:
    """Handles made valid where the real platform forbids them (twitter: no dots, 15 at most)."""
    out, seen = list(handles), set()
    for i, (h, p) in enumerate(zip(handles, platform_of)):
        if p == "twitter" and h:
            t = h.replace(".", "_").replace("-", "_")
            if len(t) > TWITTER_MAX:
                t = t.replace("_", "")[:TWITTER_MAX]
            base, k = t, 2
            while (p, t) in seen:
                t = f"{base[:TWITTER_MAX - len(str(k))]}{k}"
                k += 1
            out[i] = t
        seen.add((p, out[i]))
    return out
