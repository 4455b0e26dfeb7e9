"""Column layouts of the tables that flow between stages.

One place names every inter-stage table, so that a stage can be rewritten (or ported to Spark)
without reading the code of its neighbours. Stages may add columns; they never drop these.
"""

from __future__ import annotations

import pyarrow as pa

PLATFORM_KEY = [("platform", pa.string()), ("account_id", pa.string())]
TS = pa.timestamp("us", tz="UTC")

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
# account_signals: PLATFORM_KEY + numeric feature columns named sig_<...>; free-form beyond the key.

# --- media
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

# communities (vigil/graph/communities.py: COMMUNITIES) and graph_features (per-account feature
# columns the scorer and its refit read) are written by the graph stage beside `scores`.

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

TERMS = pa.schema([("term", pa.string()), ("score", pa.float64())])
