"""Emergent terms: words and hashtags that high-risk accounts use beside known signals, far more than chance.

Sellers move to a new hashtag as soon as the old one is blocked, so the operator's lexicon is
always behind. A word is proposed when the accounts the graph stage flagged (or, before scores
exist, accounts with strong explicit evidence) use it in texts that carry known signals much more
often than chance allows: of the accounts that use the word, how many are high-risk, against the
hypergeometric draw (Fisher's exact test, one-sided), Bonferroni-corrected over every word tested.
Anything the signal stage already matches (lexicon terms with all their obfuscated forms,
built-in phrases, words inside matched spans), mentions, handles and function words are not new.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from vigil import schemas
from vigil.signals.lexicon import Lexicon
from vigil.signals.normalise import skeleton_text
from vigil.workspace import Workspace

MIN_SUPPORT = 3  # high-risk accounts that must use a word: fewer is an anecdote, not a pattern
ALPHA = 0.01  # family-wise error rate over all words tested (Bonferroni)
SCORE_HALF = 10.0  # -log10(p) at which the reported score is 0.5 (score = s / (s + SCORE_HALF))
EXPLICIT_MIN = 2.0  # without scores: weighted explicit `use` evidence that makes an account high-risk
MAX_TERMS = 200
MIN_TOKEN_CHARS = 3
# Function words carry no meaning of their own; a term list for an operator is content words.
FUNCTION_WORDS = frozenset("""
the and for you your with this that from are was were have has had not but all any can our out get got new now
its it's his her him she they them their then than too very just more most some what when where who why how
will would should could also into onto over under about after before again here there these those each only
off own same such both few other yes yeah via per yet lol omg
""".split())

_INVISIBLE = r"[\x{00AD}\x{200B}-\x{200F}\x{2060}-\x{2064}\x{FEFF}]"


def discover_terms(ws: Workspace, lexicon: Lexicon) -> pa.Table:
    """Candidate new terms and hashtags, best first (schemas.TERMS)."""
    if not ws.has("signal_hits") or not (ws.has("posts") or ws.has("accounts")):
        return schemas.TERMS.empty_table()
    con = ws.connect()
    con.execute(_high_risk_sql(ws))
    if con.execute("SELECT count(*) FROM high_risk").fetchone()[0] == 0:
        return schemas.TERMS.empty_table()
    for statement in _token_sql(ws):
        con.execute(statement)
    n1, n0 = con.execute(
        "SELECT count(DISTINCT code) FILTER (WHERE risky AND hit_text), count(DISTINCT code) FILTER (WHERE NOT risky) "
        "FROM toks"
    ).fetchone()
    # toks holds one row per (account, word): plain counts are counts of distinct accounts
    rows = con.execute(
        f"""SELECT tok, count(*) FILTER (WHERE risky AND hit_text) AS a, count(*) FILTER (WHERE NOT risky) AS b
        FROM toks GROUP BY tok HAVING a >= {MIN_SUPPORT} ORDER BY tok"""
    ).fetchall()
    rows = [r for r in rows if r[0].lstrip("#") not in FUNCTION_WORDS]
    if not rows or not n1:
        return schemas.TERMS.empty_table()
    known = _already_matched(lexicon, [r[0] for r in rows])
    tests = max(1, len(rows))
    scored = []
    for (tok, a, b), is_known in zip(rows, known):
        if is_known or a / n1 <= (b / n0 if n0 else 0.0):
            continue
        p = fisher_one_sided(a, b, n1, n0)
        if p * tests <= ALPHA:
            scored.append((tok, -math.log10(max(p, 1e-300))))
    scored = _merge_forms(scored)
    scored.sort(key=lambda t: (-t[1], t[0]))
    scored = scored[:MAX_TERMS]
    return pa.table(
        {"term": [t for t, _ in scored], "score": [round(s / (s + SCORE_HALF), 6) for _, s in scored]},
        schema=schemas.TERMS,
    )


def fisher_one_sided(a: int, b: int, n1: int, n0: int) -> float:
    """P(at least `a` of the a+b users of a word are high-risk) if the word ignored risk."""
    from scipy.stats import hypergeom

    return float(hypergeom.sf(a - 1, n1 + n0, n1, a + b))


def _high_risk_sql(ws: Workspace) -> str:
    if ws.has("scores"):
        return "CREATE TEMP TABLE high_risk AS SELECT DISTINCT platform, account_id FROM scores WHERE role <> 'none'"
    return (
        "CREATE TEMP TABLE high_risk AS SELECT platform, account_id FROM account_signals "
        f"WHERE explicit >= {EXPLICIT_MIN}"
    )


def _token_sql(ws: Workspace) -> list[str]:
    """Statements that leave `toks`: one row per (account code, word) with whether the account is
    high-risk and whether the word sat in a text with a hit.

    Words are split on anything but letters, digits and `_#@$.`, so that mentions (`@x`),
    cashtags (`$x`) and domains or dotted handles (`t.me`, `a.b`) stay whole and can be dropped:
    they name accounts and places, not terms. (Splitting is far faster than extracting with a
    Unicode class in DuckDB's regex engine.)

    Why four steps and integer account codes: everything but the split is done once per text
    (its account, its hit) or once per distinct word (the filters), not once per word occurrence,
    and the one grouping over every occurrence groups on (integer, word) rather than on strings
    built per occurrence; a 100k-account export has ~4M occurrences of ~100k words.
    """
    clean = "regexp_replace(lower(COL), '" + _INVISIBLE + "', '', 'g')"
    split = "unnest(string_split_regex(" + clean + ", '[^\\p{L}\\p{N}_#@$.]+'))"
    keys, texts = [], []
    if ws.has("posts"):
        keys.append("SELECT platform, account_id FROM posts")
        texts.append("SELECT platform, account_id, post_id AS src, text, hashtags FROM posts")
    if ws.has("accounts"):
        keys.append("SELECT platform, account_id FROM accounts")
        texts.append("SELECT platform, account_id, '' AS src, bio AS text, NULL::VARCHAR[] AS hashtags "
                     "FROM accounts WHERE bio IS NOT NULL")
    handles = "SELECT DISTINCT lower(handle) AS h FROM accounts WHERE handle IS NOT NULL" if ws.has("accounts") else \
        "SELECT NULL::VARCHAR AS h WHERE false"
    accounts = f"""
    CREATE TEMP TABLE acct AS
    SELECT platform, account_id, (row_number() OVER ())::INTEGER AS code
    FROM ({" UNION ".join(keys)}) WHERE platform IS NOT NULL AND account_id IS NOT NULL"""
    per_text = f"""
    CREATE TEMP TABLE texts AS
    WITH hit_src AS (SELECT DISTINCT platform, account_id, coalesce(post_id, '') AS src FROM signal_hits WHERE context = 'use')
    SELECT a.code, t.text, t.hashtags, (s.src IS NOT NULL) AS hit_text
    FROM ({" UNION ALL ".join(texts)}) t
    JOIN acct a ON a.platform = t.platform AND a.account_id = t.account_id
    LEFT JOIN hit_src s ON s.platform = t.platform AND s.account_id = t.account_id AND s.src = t.src"""
    # length(tok) >= MIN_TOKEN_CHARS already here: trimming only shortens a word
    per_word = f"""
    CREATE TEMP TABLE words AS
    WITH t AS (SELECT code, hit_text, {split.replace('COL', 'text')} AS tok FROM texts WHERE text IS NOT NULL
               UNION ALL
               SELECT code, hit_text, '#' || {clean.replace('COL', 'h')} AS tok
               FROM (SELECT code, hit_text, unnest(hashtags) AS h FROM texts WHERE hashtags IS NOT NULL))
    SELECT code, rtrim(tok, '.') AS tok, bool_or(hit_text) AS hit_text
    FROM t WHERE length(tok) >= {MIN_TOKEN_CHARS} GROUP BY ALL"""
    kept = f"""
    CREATE TEMP TABLE toks AS
    WITH hit_words AS (SELECT DISTINCT unnest(string_split_regex(lower(matched), '[^\\p{{L}}\\p{{N}}_]+')) AS w
                       FROM signal_hits WHERE context = 'use'),
    handles AS ({handles}),
    vocab AS (SELECT tok FROM (SELECT DISTINCT tok FROM words)
              WHERE length(ltrim(tok, '#')) >= {MIN_TOKEN_CHARS}
                AND NOT regexp_matches(tok, '[@$.]|.#')
                AND ltrim(tok, '#') NOT IN (SELECT w FROM hit_words WHERE w IS NOT NULL)
                AND ltrim(tok, '#') NOT IN (SELECT h FROM handles WHERE h IS NOT NULL))
    SELECT w.code, w.tok, (r.account_id IS NOT NULL) AS risky, w.hit_text
    FROM words w SEMI JOIN vocab v ON v.tok = w.tok
    JOIN acct a ON a.code = w.code
    LEFT JOIN high_risk r ON r.platform = a.platform AND r.account_id = a.account_id"""
    return [accounts, per_text, per_word, kept]


def _already_matched(lexicon: Lexicon, tokens: list[str]) -> list[bool]:
    """Whether the signal stage already matches a word (lexicon, any obfuscation, built-ins)."""
    if not tokens:
        return []
    hits = lexicon.matcher.scan(tokens)
    matched = np.zeros(len(tokens), bool)
    matched[hits.row] = True
    return matched.tolist()


def _merge_forms(scored: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """One row per word: `#word` and `word` (and their spellings with the same skeleton) merge."""
    best: dict[str, tuple[str, float]] = {}
    for tok, z in scored:
        key = skeleton_text(tok.lstrip("#"))
        if key not in best or z > best[key][1]:
            best[key] = (tok, z)
    return list(best.values())
