"""Column layouts of the tables that flow between stages.

One place names every inter-stage table, so that a stage can be rewritten (or ported to Spark)
without reading the code of its neighbours. Stages may add columns; they never drop these.
"""

from __future__ import annotations

import pyarrow as pa

PLATFORM_KEY = [("platform", pa.string()), ("account_id", pa.string())]
TS = pa.timestamp("us", tz="UTC")
# Signal weights are summed as this SQL decimal: a float sum depends on the order rows arrive in
# (threads, row groups, a cluster's partitions), a decimal sum does not. Lexicon weights have a
# few decimal places; nine keep every one of them.
EXACT_WEIGHT = "DECIMAL(18, 9)"

EDGE_KINDS = ("follow", "like", "comment", "mention", "repost", "message")
SURFACES = ("suggested_accounts", "explore", "search", "hashtag", "feed")
POST_KINDS = ("post", "story", "comment", "bio_update")
ROLES = ("seller", "buyer", "facilitator", "none")
SIGNAL_CATEGORIES = ("explicit", "age", "sale", "contact", "payment", "trade", "other")

MEDIA_ITEM = pa.struct(
    [("media_id", pa.string()), ("pdq", pa.string()), ("md5", pa.string()), ("path", pa.string()),
     ("vpdq", pa.string())]  # beyond the contract: a video's vPDQ (python-threatexchange's VPDQSignal text)
)

# --- ingest: the contract's input tables, normalised. `extra` keeps unknown fields as JSON text;
# `_file`/`_line` say where each row came from, for evidence and for rejects.
ACCOUNTS = pa.schema(
    PLATFORM_KEY
    + [
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("bio", pa.string()),
        ("created_at", TS),
        ("links", pa.list_(pa.string())),
        ("followers_count", pa.int64()),
        ("following_count", pa.int64()),
        ("profile_image", pa.string()),
        ("profile_image_pdq", pa.string()),
        ("extra", pa.string()),
        ("_file", pa.string()),
        ("_line", pa.int64()),
    ]
)
POSTS = pa.schema(
    [
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("account_id", pa.string()),
        ("created_at", TS),
        ("text", pa.string()),
        ("hashtags", pa.list_(pa.string())),
        ("kind", pa.string()),
        ("reply_to", pa.string()),
        ("media", pa.list_(MEDIA_ITEM)),
        ("extra", pa.string()),
        ("_file", pa.string()),
        ("_line", pa.int64()),
    ]
)
EDGES = pa.schema(
    [
        ("platform", pa.string()),
        ("src", pa.string()),
        ("dst", pa.string()),
        ("kind", pa.string()),
        ("created_at", TS),
        ("count", pa.int64()),
        ("extra", pa.string()),
        ("_file", pa.string()),
        ("_line", pa.int64()),
    ]
)
RECOMMENDATIONS = pa.schema(
    [
        ("platform", pa.string()),
        ("viewer_id", pa.string()),
        ("surface", pa.string()),
        ("item_id", pa.string()),
        ("item_kind", pa.string()),
        ("query", pa.string()),
        ("rank", pa.int64()),
        ("shown_at", TS),
        ("extra", pa.string()),
        ("_file", pa.string()),
        ("_line", pa.int64()),
    ]
)
SEEDS = pa.schema(PLATFORM_KEY)
INPUT_TABLES = {
    "accounts": ACCOUNTS,
    "posts": POSTS,
    "edges": EDGES,
    "recommendations": RECOMMENDATIONS,
}

# --- signals: one row per hit, and per-account features for the graph stage.
SIGNAL_HITS = pa.schema(
    PLATFORM_KEY
    + [
        ("post_id", pa.string()),  # null when the hit is in the profile
        ("field", pa.string()),  # bio | display_name | handle | text | hashtag | link
        ("signal_id", pa.string()),  # lexicon id, or builtin:<name>
        ("category", pa.string()),  # one of SIGNAL_CATEGORIES
        ("weight", pa.float64()),
        ("context", pa.string()),  # use | warn (quoted to warn or report) | adult (18+ claims)
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("matched", pa.string()),  # the matched span as written
        ("obfuscated", pa.bool_()),  # matched only after normalisation
        ("tags", pa.string()),  # ",backup,request," of the signal (lexicon `tags`, builtin intent); "" none
    ]
)
# account_signals: per account, weighted hit sums by category over texts that use the signal.
SIGNAL_FEATURES = ("explicit", "age_minor", "age_adult", "sale", "contact", "payment", "trade", "request", "other")
ACCOUNT_SIGNALS = pa.schema(
    PLATFORM_KEY
    + [(f, pa.float64()) for f in SIGNAL_FEATURES]
    + [("warn", pa.float64()), ("n_hit_posts", pa.int64()), ("n_posts", pa.int64()), ("evidence", pa.string())]
)

# --- media
# media_accounts (one row per account with a match) and media_problems (files that could not be
# hashed) are keyed by account; the media stage owns their other columns.
MEDIA_ACCOUNTS = pa.schema(PLATFORM_KEY)
MEDIA_PROBLEMS = pa.schema(PLATFORM_KEY + [("reason", pa.string())])
MEDIA_MATCHES = pa.schema(
    PLATFORM_KEY
    + [
        ("post_id", pa.string()),  # null for a profile image
        ("media_id", pa.string()),
        ("signal_type", pa.string()),  # pdq | md5 | vpdq | video_md5
        ("signal", pa.string()),  # the media's own hash (vpdq: the video's MD5; frame hashes stay out)
        ("bank", pa.string()),
        ("category", pa.string()),
        ("bank_signal", pa.string()),
        ("distance", pa.int32()),
    ]
)
PROFILE_HASHES = pa.schema(
    PLATFORM_KEY
    + [
        ("pdq", pa.string()),
        ("quality", pa.int32()),  # null when the export gave the hash without the image
        ("source", pa.string()),  # file | export
        ("shared_count", pa.int64()),  # accounts (all platforms) within the share radius of this hash
        ("is_shared", pa.bool_()),  # a default avatar or stock image: carries no identity
    ]
)

# --- graph: the scored accounts (accounts.csv is a projection of this).
SCORES = pa.schema(
    PLATFORM_KEY
    + [
        ("score", pa.float64()),
        ("role", pa.string()),
        ("community", pa.string()),
        ("reasons", pa.string()),  # ';'-separated, readable
        ("backup_of", pa.string()),  # account_id of the flagged account this one re-creates, if any
    ]
)

COMMUNITIES = pa.schema([
    ("community", pa.string()), ("platform", pa.string()), ("size", pa.int64()),
    ("sellers", pa.int64()), ("buyers", pa.int64()), ("facilitators", pa.int64()),
    ("top_signals", pa.string()), ("summary", pa.string()),
])
# graph_scope: the accounts the graph stage scored, in crawl order: the hop that reached each (0:
# the start set) and its crawl priority (both null when every account was scored).
GRAPH_SCOPE = pa.schema(PLATFORM_KEY + [("hop", pa.int32()), ("priority", pa.float64())])
# graph_features: the key, one float64 column per vigil.graph.roles.FEATURES and `rule_role`
# (the scorer's refit reads them); only the key and `rule_role` are fixed here.
GRAPH_FEATURES = pa.schema(PLATFORM_KEY + [("rule_role", pa.string())])

# --- link
LINKS = pa.schema(
    [
        ("platform_a", pa.string()),
        ("account_a", pa.string()),
        ("platform_b", pa.string()),
        ("account_b", pa.string()),
        ("score", pa.float64()),
        ("evidence", pa.string()),
    ]
)

# link_candidates: the in-scope accounts' blocked pairs and the blocking keys that found each
# (sorted), in (query, candidate) row order: what every engine's blocking must give alike.
LINK_CANDIDATES = pa.schema([("platform_a", pa.string()), ("account_a", pa.string()), ("platform_b", pa.string()),
                             ("account_b", pa.string()), ("keys", pa.list_(pa.string()))])

TERMS = pa.schema([("term", pa.string()), ("score", pa.float64())])

# --- every table a stage hands to another, by workspace name. A schema here lists the columns
# (and types) a table must have; a stage may add columns beyond them, never drop or retype them.
TABLES: dict[str, pa.Schema] = {
    **INPUT_TABLES,
    "seeds": SEEDS,
    "signal_hits": SIGNAL_HITS,
    "account_signals": ACCOUNT_SIGNALS,
    "media_matches": MEDIA_MATCHES,
    "media_accounts": MEDIA_ACCOUNTS,
    "media_problems": MEDIA_PROBLEMS,
    "profile_hashes": PROFILE_HASHES,
    "scores": SCORES,
    "communities": COMMUNITIES,
    "graph_scope": GRAPH_SCOPE,
    "graph_features": GRAPH_FEATURES,
    "links": LINKS,
    "link_candidates": LINK_CANDIDATES,
    "terms": TERMS,
}


class ContractError(ValueError):
    """A table handed between stages does not have the columns its declaration promises."""


def check_table(name: str, schema: pa.Schema) -> None:
    """Raise ContractError naming the table and column when `schema` breaks `name`'s declaration."""
    declared = TABLES.get(name)
    if declared is None:
        raise ContractError(f"table {name!r} is not declared in vigil/schemas.py TABLES "
                            f"(declared: {', '.join(sorted(TABLES))})")
    for f in declared:
        i = schema.get_field_index(f.name)
        if i < 0:
            raise ContractError(f"table {name!r}: column {f.name!r} ({f.type}) is missing")
        if not _compatible(schema.field(i).type, f.type):
            raise ContractError(f"table {name!r}: column {f.name!r} is {schema.field(i).type}, "
                                f"declared {f.type}")


def _compatible(got: pa.DataType, want: pa.DataType) -> bool:
    """Same type, or both numbers (a count written as a float reads the same downstream), or the
    same instant type under two names of UTC."""
    if got.equals(want):
        return True
    if pa.types.is_timestamp(got) and pa.types.is_timestamp(want):  # 'Etc/UTC' and 'UTC' are one zone
        utc = {"UTC", "Etc/UTC", "Z", "+00:00"}
        return got.unit == want.unit and (got.tz == want.tz or (got.tz in utc and want.tz in utc))
    num = lambda t: pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)  # noqa: E731
    return (num(got) and num(want)) or pa.types.is_null(got)
