"""Importer tests; `jsonl_rows` reads what an import wrote (its tables and rejects)."""

import json
from pathlib import Path


def jsonl_rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in Path(path).read_text().splitlines()]
