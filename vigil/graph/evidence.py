"""Per-account evidence from the other stages' tables, aligned to the graph's node codes.

The graph stage never reads raw text: it reads what signals and media concluded (weighted hit
sums per category, with warning-context hits kept apart) and the few post-level facts that only
make sense relative to other accounts (who left a request comment under whose post, who was
named as a backup), all as joins in DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from vigil.graph.build import AccountGraph, _has_view
from vigil.schemas import EXACT_WEIGHT

SIGNAL_COLUMNS = ("explicit", "age_minor", "age_adult", "sale", "contact", "payment", "trade",
                  "request", "other", "warn", "n_hit_posts", "n_posts")

# Intent is read from a hit's category and tags (lexicon `tags`, builtin rules), never from how an
# operator named an entry.
def _tagged(tag: str) -> str:
    return f"(coalesce(h.tags, '') LIKE '%,{tag},%')"


# A hit counts as buyer-request language when signals tagged it so (category or tag).
REQUEST_HIT = f"(lower(h.category) = 'request' OR {_tagged('request')})"
# Buying talk in a reply: asking (request language), paying ("cashapp ready", "paid"), arranging
# contact ("check dm"), naming the offer ("want the bundle") or the product (a code word). Under
# an ordinary post these words mean little; under a flagged seller's post they are a buyer
# dealing with that seller, whatever phrasing a given community prefers.
BUYING_HIT = f"({REQUEST_HIT} OR lower(h.category) IN ('payment', 'contact', 'sale', 'explicit'))"
# "follow my backup", "new acc": a lexicon entry tagged `backup`, or the builtin backup rule.
BACKUP_HIT = _tagged("backup")
HANDLE_MENTION = r"@([A-Za-z0-9_][A-Za-z0-9_.]*[A-Za-z0-9_])"


@dataclass
class Evidence:
    n: int
    sig: dict[str, np.ndarray] = field(default_factory=dict)
    text_evidence: dict[int, str] = field(default_factory=dict)  # code -> signals' readable evidence
    media: np.ndarray | None = None  # matched media items (shared avatars excluded)
    media_banks: dict[int, str] = field(default_factory=dict)
    shared_avatar: np.ndarray | None = None
    seed: np.ndarray | None = None
    created_days: np.ndarray | None = None  # days before the export's last timestamp (nan unknown)
    last_active_days: np.ndarray | None = None
    handle: np.ndarray | None = None
    # buying comments: (commenter code, author code, matched phrase, request language or only
    # payment/contact/sale/explicit talk), one row per reply with buying talk
    req_src: np.ndarray | None = None
    req_dst: np.ndarray | None = None
    req_text: np.ndarray | None = None
    req_is_request: np.ndarray | None = None
    # own posts naming another account by @handle: (author code, named code, posts)
    promo_src: np.ndarray | None = None
    promo_dst: np.ndarray | None = None
    promo_posts: np.ndarray | None = None
    own_posts: np.ndarray | None = None  # posts (not comments) per account; None: unknown
    # own posts naming another account by @handle, own posts with selling hits (explicit, sale,
    # contact, payment in use context), and those of them that name another account
    naming_posts: np.ndarray | None = None
    selling_posts: np.ndarray | None = None
    selling_naming_posts: np.ndarray | None = None
    # "follow my backup @x" style mentions: (announcer code, named code)
    backup_src: np.ndarray | None = None
    backup_dst: np.ndarray | None = None


def load_evidence(con, g: AccountGraph) -> Evidence:
    n = g.n
    ev = Evidence(n=n)
    for c in SIGNAL_COLUMNS:
        ev.sig[c] = np.zeros(n)
    if _has_view(con, "account_signals"):
        cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'account_signals'").fetchall()}
        picks = []
        for c in SIGNAL_COLUMNS:
            name = c if c in cols else (f"sig_{c}" if f"sig_{c}" in cols else None)
            picks.append(f'coalesce(a."{name}", 0)::DOUBLE AS "{c}"' if name else f"0::DOUBLE AS \"{c}\"")
        evid = "a.evidence" if "evidence" in cols else "NULL"
        res = con.sql(f"SELECT n.code, {', '.join(picks)}, {evid} AS evidence FROM account_signals a "
                      "JOIN nodes n USING (platform, account_id)").fetchnumpy()
        codes = np.asarray(res["code"], dtype=np.int64)
        for c in SIGNAL_COLUMNS:
            np.add.at(ev.sig[c], codes, np.nan_to_num(np.asarray(res[c], dtype=float)))
        for code, text in zip(codes.tolist(), list(res["evidence"])):
            if text:
                ev.text_evidence[code] = str(text)

    _own_space(con, ev)

    ev.shared_avatar = np.zeros(n, dtype=bool)
    if _has_view(con, "profile_hashes"):
        res = con.sql("SELECT DISTINCT n.code FROM profile_hashes p JOIN nodes n USING (platform, account_id) "
                      "WHERE p.is_shared").fetchnumpy()
        ev.shared_avatar[np.asarray(res["code"], dtype=np.int64)] = True

    ev.media = np.zeros(n)
    if _has_view(con, "media_matches"):
        # A profile-image match on an avatar that many accounts share carries no identity.
        shared = ("AND NOT (m.post_id IS NULL AND EXISTS (SELECT 1 FROM profile_hashes p "
                  "WHERE p.platform = m.platform AND p.account_id = m.account_id AND p.is_shared))"
                  if _has_view(con, "profile_hashes") else "")
        res = con.sql(f"""SELECT n.code, count(DISTINCT coalesce(m.media_id, m.signal)) AS k,
                                 string_agg(DISTINCT m.bank, ', ' ORDER BY m.bank) AS banks
                          FROM media_matches m JOIN nodes n USING (platform, account_id)
                          WHERE true {shared}
                          GROUP BY n.code""").fetchnumpy()
        codes = np.asarray(res["code"], dtype=np.int64)
        ev.media[codes] = np.asarray(res["k"], dtype=float)
        ev.media_banks = {c: str(b or "") for c, b in zip(codes.tolist(), list(res["banks"]))}

    ev.seed = np.zeros(n, dtype=bool)
    if _has_view(con, "seeds"):
        res = con.sql("SELECT n.code FROM seeds s JOIN nodes n USING (platform, account_id)").fetchnumpy()
        ev.seed[np.asarray(res["code"], dtype=np.int64)] = True

    _load_times(con, ev)
    _load_requests(con, ev)
    _load_backup_mentions(con, ev)
    _load_promotions(con, ev)
    return ev


def _load_promotions(con, ev: Evidence) -> None:
    """Who names whom in their own posts ("🔁 @x", "go follow @x and @y"). A mention edge alone
    cannot tell a promoter's post from a buyer's comment under the seller's post, so promotion
    is read from the posts themselves where the export has their text."""
    ev.promo_src = ev.promo_dst = ev.promo_posts = np.zeros(0, dtype=np.int64)
    needed = all(_has_column(con, "posts", c) for c in ("text", "reply_to")) and _has_column(con, "accounts", "handle")
    if not needed:
        return
    kind = "AND coalesce(kind, 'post') <> 'comment'" if _has_column(con, "posts", "kind") else ""
    own = f"SELECT platform, account_id, post_id, text FROM posts WHERE reply_to IS NULL {kind}"
    res = con.sql(f"""SELECT n.code, count(*) AS k FROM ({own}) o
                      JOIN nodes n USING (platform, account_id) GROUP BY n.code""").fetchnumpy()
    ev.own_posts = np.zeros(ev.n)
    ev.own_posts[np.asarray(res["code"], dtype=np.int64)] = np.asarray(res["k"], dtype=float)
    res = con.sql(f"""WITH m AS (SELECT platform, account_id, post_id,
                                 lower(unnest(regexp_extract_all(text, '{HANDLE_MENTION}', 1))) AS h
                                 FROM ({own}) o WHERE text LIKE '%@%')
        SELECT sn.code AS s, dn.code AS d, count(DISTINCT m.post_id) AS k FROM m
        JOIN accounts a ON a.platform = m.platform AND lower(a.handle) = m.h
        JOIN nodes sn ON sn.platform = m.platform AND sn.account_id = m.account_id
        JOIN nodes dn ON dn.platform = a.platform AND dn.account_id = a.account_id
        WHERE sn.code <> dn.code GROUP BY ALL""").fetchnumpy()
    ev.promo_src = np.asarray(res["s"], dtype=np.int64)
    ev.promo_dst = np.asarray(res["d"], dtype=np.int64)
    ev.promo_posts = np.asarray(res["k"], dtype=np.int64)
    _load_post_purpose(con, ev, own)


def _load_post_purpose(con, ev: Evidence, own: str) -> None:
    """Whom an account's own posts are about. A seller's ads carry its own menu and contact; a
    promoter's carry someone else's handle. Per account: own posts naming another account, own
    posts with selling hits, and selling posts that name another account."""
    ev.naming_posts, ev.selling_posts, ev.selling_naming_posts = np.zeros(ev.n), np.zeros(ev.n), np.zeros(ev.n)
    selling = ("EXISTS (SELECT 1 FROM signal_hits h WHERE h.platform = o.platform AND h.post_id = o.post_id "
               "AND coalesce(h.context, 'use') = 'use' AND h.category IN ('explicit', 'sale', 'contact', 'payment'))"
               if _has_view(con, "signal_hits") else "false")
    res = con.sql(f"""WITH o AS ({own}),
        named AS (SELECT DISTINCT m.platform, m.post_id FROM (
                    SELECT platform, account_id, post_id,
                           lower(unnest(regexp_extract_all(text, '{HANDLE_MENTION}', 1))) AS h
                    FROM o WHERE text LIKE '%@%') m
                  JOIN accounts a ON a.platform = m.platform AND lower(a.handle) = m.h
                  WHERE a.account_id <> m.account_id),
        p AS (SELECT o.platform, o.account_id, named.post_id IS NOT NULL AS names, {selling} AS sells
              FROM o LEFT JOIN named ON named.platform = o.platform AND named.post_id = o.post_id)
        SELECT n.code, sum(names::INT) AS nm, sum(sells::INT) AS sl, sum((names AND sells)::INT) AS sn
        FROM p JOIN nodes n USING (platform, account_id) GROUP BY n.code""").fetchnumpy()
    codes = np.asarray(res["code"], dtype=np.int64)
    ev.naming_posts[codes] = np.asarray(res["nm"], dtype=float)
    ev.selling_posts[codes] = np.asarray(res["sl"], dtype=float)
    ev.selling_naming_posts[codes] = np.asarray(res["sn"], dtype=float)


# Categories whose hits count only in the account's own space (profile, posts, stories), not in
# comments it leaves under other people's posts.
OWN_SPACE = ("explicit", "age_minor", "sale", "contact", "payment", "trade", "other")


def _own_space(con, ev: Evidence) -> None:
    """Advertising is what an account publishes as its own; a buyer who writes a code word under a
    seller's post ("dm'd, want the vexkin set") is asking, not selling. Where signal hits can be
    placed (profile or post, and the post's kind), the selling categories are re-summed over the
    account's own space only. Context belongs to a text, not to one match: a post (or profile
    field) with any warning-context hit is warning talk, and none of its hits count as use."""
    if not (_has_view(con, "signal_hits") and _has_column(con, "posts", "reply_to")):
        return
    kind = "coalesce(p.kind, 'post') = 'comment'" if _has_column(con, "posts", "kind") else "false"
    minor = "h.category = 'age' AND coalesce(h.context, 'use') = 'use' AND NOT " + _tagged("adult")
    sums = ",\n".join(
        f"sum(CASE WHEN {minor if c == 'age_minor' else f'h.category = {chr(39)}{c}{chr(39)}'} "
        f"AND coalesce(h.context, 'use') = 'use' THEN h.weight::{EXACT_WEIGHT} ELSE 0 END)::DOUBLE AS \"{c}\""
        for c in OWN_SPACE)
    res = con.sql(f"""SELECT n.code, {sums}
        FROM signal_hits h
        LEFT JOIN posts p ON p.platform = h.platform AND p.post_id = h.post_id
        JOIN nodes n ON n.platform = h.platform AND n.account_id = h.account_id
        WHERE (h.post_id IS NULL OR (p.post_id IS NOT NULL AND p.reply_to IS NULL AND NOT ({kind})))
          AND NOT EXISTS (SELECT 1 FROM signal_hits w WHERE w.context = 'warn' AND w.platform = h.platform
                          AND w.account_id = h.account_id AND w.post_id IS NOT DISTINCT FROM h.post_id
                          AND (h.post_id IS NOT NULL OR w.field IS NOT DISTINCT FROM h.field))
        GROUP BY n.code""").fetchnumpy()
    codes = np.asarray(res["code"], dtype=np.int64)
    for c in OWN_SPACE:
        ev.sig[c] = np.zeros(ev.n)
        ev.sig[c][codes] = np.nan_to_num(np.asarray(res[c], dtype=float))


def _load_times(con, ev: Evidence) -> None:
    n = ev.n
    ev.created_days = np.full(n, np.nan)
    ev.last_active_days = np.full(n, np.nan)
    ev.handle = np.full(n, None, dtype=object)
    if not (_has_column(con, "accounts", "created_at") and _has_column(con, "accounts", "handle")):
        return
    ref = _reference_time(con)
    res = con.sql(f"""SELECT n.code, a.handle,
                             (epoch(TIMESTAMPTZ '{ref}') - epoch(a.created_at)) / 86400.0 AS age
                      FROM accounts a JOIN nodes n USING (platform, account_id)""").fetchnumpy()
    codes = np.asarray(res["code"], dtype=np.int64)
    ev.created_days[codes] = np.asarray(res["age"], dtype=float)
    ev.handle[codes] = np.asarray(res["handle"], dtype=object)
    if _has_column(con, "posts", "created_at"):
        res = con.sql(f"""SELECT n.code, (epoch(TIMESTAMPTZ '{ref}') - epoch(max(p.created_at))) / 86400.0 AS q
                          FROM posts p JOIN nodes n USING (platform, account_id) GROUP BY n.code""").fetchnumpy()
        ev.last_active_days[np.asarray(res["code"], dtype=np.int64)] = np.asarray(res["q"], dtype=float)


def profile_declares_safety_role(con, g: AccountGraph, codes: np.ndarray) -> np.ndarray:
    """Whether each account's bio states a safety, reporting or research role ("child safety
    researcher | report, don't engage"), by the signals stage's own warning cues. Such an account
    follows sellers to watch them; its profile may hold no lexicon term at all, so no warning-
    context hit says so."""
    out = np.zeros(len(codes), dtype=bool)
    if not len(codes) or not _has_column(con, "accounts", "bio"):
        return out
    try:
        from vigil.signals.builtins import WARN_CUES
    except ImportError:
        return out
    import re

    cue = re.compile("|".join(f"(?:{c})" for c in WARN_CUES), re.IGNORECASE)
    con.register("_cand", pa.table({"code": pa.array(codes.astype(np.int32))}))
    try:
        res = con.sql("""SELECT c.code, a.bio FROM _cand c JOIN nodes n ON n.code = c.code
                         JOIN accounts a ON a.platform = n.platform AND a.account_id = n.account_id""").fetchall()
    finally:
        con.unregister("_cand")
    pos = {int(c): i for i, c in enumerate(codes.tolist())}
    for code, bio in res:
        if bio and cue.search(bio):
            out[pos[int(code)]] = True
    out |= comments_report_accounts(con, codes)
    return out


# Replies that report or warn ("reporting this account", "reported", "do not engage") are what
# watchers write under sellers' posts; a buyer asks, it does not report. Narrower than WARN_CUES,
# whose topical words ("news", "parents") also turn up in ordinary posts.
REPORT_REPLY = r"\b(?:report(?:ed|ing)?\b|do\s*n[o']?t\s+engage|beware|flagged\s+(?:this|these|the)\b)"


def comments_report_accounts(con, codes: np.ndarray) -> np.ndarray:
    """Whether each account wrote a reply that reports or warns, rather than asks."""
    out = np.zeros(len(codes), dtype=bool)
    if not len(codes) or not _has_column(con, "posts", "text") or not _has_column(con, "posts", "reply_to"):
        return out
    con.register("_cand_r", pa.table({"code": pa.array(codes.astype(np.int32))}))
    try:
        res = con.execute("""SELECT DISTINCT c.code FROM _cand_r c JOIN nodes n ON n.code = c.code
                             JOIN posts p ON p.platform = n.platform AND p.account_id = n.account_id
                             WHERE (p.reply_to IS NOT NULL OR p.kind = 'comment')
                               AND regexp_matches(lower(p.text), ?)""", [REPORT_REPLY]).fetchnumpy()
    finally:
        con.unregister("_cand_r")
    out[np.isin(codes, np.asarray(res["code"], dtype=codes.dtype))] = True
    return out


def signal_ids(con, codes: np.ndarray) -> dict[int, set[str]]:
    """The lexicon/builtin signal ids each account used (use context), for community summaries."""
    out: dict[int, set[str]] = {}
    if not len(codes) or not _has_view(con, "signal_hits"):
        return out
    con.register("_sig_codes", pa.table({"code": pa.array(codes.astype(np.int32))}))
    try:
        rows = con.sql("""SELECT DISTINCT c.code, h.signal_id FROM _sig_codes c JOIN nodes n ON n.code = c.code
                          JOIN signal_hits h ON h.platform = n.platform AND h.account_id = n.account_id
                          WHERE coalesce(h.context, 'use') = 'use'""").fetchall()
    finally:
        con.unregister("_sig_codes")
    for code, sid in rows:
        out.setdefault(int(code), set()).add(str(sid))
    return out


def _has_column(con, table: str, column: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = ? "
                            "AND column_name = ?", [table, column]).fetchall()[0][0])


def _reference_time(con) -> str:
    """The export's 'now': the latest timestamp it holds (never the wall clock, so runs repeat)."""
    cands = []
    for table, col in (("posts", "created_at"), ("edges", "created_at"), ("accounts", "created_at")):
        if _has_column(con, table, col):
            cands.append(f"SELECT max({col}) AS t FROM {table}")
    t = con.execute(f"SELECT max(t) FROM ({' UNION ALL '.join(cands)})").fetchall()[0][0] if cands else None
    return str(t) if t is not None else "1970-01-01 00:00:00+00"


def _load_requests(con, ev: Evidence) -> None:
    """Replies with buying talk, one row per reply, flagged when they hold request language. A
    reply with any warning-context hit is warning talk as a whole ("reported: they sell x")."""
    ev.req_src = ev.req_dst = np.zeros(0, dtype=np.int64)
    ev.req_text = np.zeros(0, dtype=object)
    ev.req_is_request = np.zeros(0, dtype=bool)
    if not (_has_view(con, "signal_hits") and _has_view(con, "posts")):
        return
    res = con.sql(f"""SELECT cn.code AS s, pn.code AS d,
               coalesce(first(h.matched ORDER BY h.start, h.matched) FILTER (WHERE {REQUEST_HIT}),
                        first(h.matched ORDER BY h.start, h.matched)) AS m,
               bool_or({REQUEST_HIT}) AS r
        FROM signal_hits h
        JOIN posts c ON c.platform = h.platform AND c.post_id = h.post_id
        JOIN posts p ON p.platform = c.platform AND p.post_id = c.reply_to
        JOIN nodes cn ON cn.platform = c.platform AND cn.account_id = c.account_id
        JOIN nodes pn ON pn.platform = p.platform AND pn.account_id = p.account_id
        WHERE {BUYING_HIT} AND coalesce(h.context, 'use') <> 'warn' AND c.account_id <> p.account_id
          AND NOT EXISTS (SELECT 1 FROM signal_hits w WHERE w.platform = h.platform
                          AND w.post_id = h.post_id AND w.context = 'warn')
        GROUP BY c.platform, c.post_id, cn.code, pn.code
        ORDER BY c.platform, c.post_id""").fetchnumpy()  # in post order: the quoted requests never depend on threads
    ev.req_src = np.asarray(res["s"], dtype=np.int64)
    ev.req_dst = np.asarray(res["d"], dtype=np.int64)
    ev.req_text = np.asarray(res["m"], dtype=object)
    ev.req_is_request = np.asarray(res["r"], dtype=bool)


def _load_backup_mentions(con, ev: Evidence) -> None:
    """Texts with backup language that name a handle: "follow my backup @x"."""
    ev.backup_src = ev.backup_dst = np.zeros(0, dtype=np.int64)
    if not (_has_view(con, "signal_hits") and _has_view(con, "accounts")):
        return
    text_src = []
    if _has_column(con, "posts", "text"):
        text_src.append("""SELECT p.platform, p.account_id, p.text FROM signal_hits h
            JOIN posts p ON p.platform = h.platform AND p.post_id = h.post_id WHERE """ + BACKUP_HIT)
    if _has_column(con, "accounts", "bio"):
        text_src.append("""SELECT a.platform, a.account_id, a.bio AS text FROM signal_hits h
            JOIN accounts a ON a.platform = h.platform AND a.account_id = h.account_id
            WHERE h.post_id IS NULL AND """ + BACKUP_HIT)
    if not text_src or not _has_column(con, "accounts", "handle"):
        return
    res = con.sql(f"""WITH t AS ({' UNION '.join(text_src)}),
        m AS (SELECT platform, account_id, lower(unnest(regexp_extract_all(text, '{HANDLE_MENTION}', 1))) AS h FROM t)
        SELECT DISTINCT sn.code AS s, dn.code AS d FROM m
        JOIN accounts a ON a.platform = m.platform AND lower(a.handle) = m.h
        JOIN nodes sn ON sn.platform = m.platform AND sn.account_id = m.account_id
        JOIN nodes dn ON dn.platform = a.platform AND dn.account_id = a.account_id
        WHERE sn.code <> dn.code""").fetchnumpy()
    ev.backup_src = np.asarray(res["s"], dtype=np.int64)
    ev.backup_dst = np.asarray(res["d"], dtype=np.int64)
