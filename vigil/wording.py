"""Small wording helpers shared by reports and summaries."""


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 spelling', '3 spellings' (never '1 spellings')."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


# A quote cut inside a word reads as a different word (an invented term cut in half can look like
# another term); below this share of the limit a single over-long word is cut after all.
MIN_WORD_CUT_SHARE = 0.6


def clip_words(text: str, limit: int) -> str:
    """`text` at most `limit` characters, cut at a word boundary and marked with '…' when cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit * MIN_WORD_CUT_SHARE:
        head = head[:space]
    return head.rstrip(" ,.;:") + "…"
