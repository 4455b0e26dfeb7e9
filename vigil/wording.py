"""Small wording helpers shared by reports and summaries."""


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 spelling', '3 spellings' (never '1 spellings')."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
