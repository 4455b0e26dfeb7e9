"""Read a results folder (contract files + workspace) into what the report and exports need.

Everything optional is optional: a run without links, audit or media still gets a report, with
the missing part said plainly instead of a crash.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path


from vigil.report.cybertip import AssociatedAccount, EscalationCase, ReportedFile
from vigil.errors import OperatorError
from vigil.workspace import Workspace

ESCALATE_ROLES = ("seller", "buyer", "facilitator")
# An account is drafted for escalation when the investigation gives it a network role with at
# least this score: below it the evidence is weaker than a reviewer would send to NCMEC.
ESCALATE_MIN_SCORE = 0.5
MAX_EVIDENCE = 10


class ResultsFolderError(OperatorError):
    """A results folder the report cannot be made from (not a run's output, or edited by hand)."""

    hint_default = "give the --out folder of a finished `vigil investigate` run, unedited"


@dataclass
class Results:
    root: Path
    accounts: list[dict]  # accounts.csv rows (score as float)
    links: list[dict]
    audit: dict
    mitigations: dict
    summary: dict
    terms: list[dict]
    ws: Workspace | None
    profiles: dict[tuple[str, str], dict] = field(default_factory=dict)

    @property
    def flagged(self) -> list[dict]:
        return [a for a in self.accounts if a["role"] in ESCALATE_ROLES]

    def table_exists(self, name: str) -> bool:
        return self.ws is not None and self.ws.has(name)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        if self.ws is None:
            return []
        con = self.ws.connect()
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def _read_csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _read_json(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None


def require_results_folder(results_dir: Path) -> Path:
    """The folder, if it is a finished run's output (it holds the contract's accounts.csv)."""
    root = Path(results_dir)
    if not (root / "accounts.csv").exists():
        raise ResultsFolderError(f"{root}: no accounts.csv — is this a vigil results folder?", file=root,
                                 hint="give the --out folder of a finished `vigil investigate` run")
    return root


def load_results(results_dir: Path) -> Results:
    root = require_results_folder(results_dir)
    accounts = _read_csv(root / "accounts.csv")
    for a in accounts:
        try:
            a["score"] = float(a.get("score") or 0.0)
        except ValueError:
            raise ResultsFolderError(f"{root / 'accounts.csv'}: score {a.get('score')!r} of {a.get('account_id')} is not a number") from None
    links = _read_csv(root / "links.csv")
    for link in links:
        link["score"] = float(link.get("score") or 0.0)
    ws = Workspace(root / "workspace") if (root / "workspace").is_dir() else None
    res = Results(
        root=root, accounts=accounts, links=links, audit=_read_json(root / "recommendation_audit.json"),
        mitigations=_read_json(root / "mitigations.json"), summary=_read_json(root / "summary.json"),
        terms=_read_csv(root / "terms.csv"), ws=ws,
    )
    res.profiles = _profiles(res)
    return res


def _profiles(res: Results, keys: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], dict]:
    """Profile fields of every flagged or linked account (not of the whole platform), or of `keys`."""
    if keys is None:
        keys = {(a["platform"], a["account_id"]) for a in res.flagged}
        for link in res.links:
            keys.add((link["platform_a"], link["account_a"]))
            keys.add((link["platform_b"], link["account_b"]))
    if not keys or not res.table_exists("accounts"):
        return {}
    con = res.ws.connect()
    try:
        con.execute("CREATE TEMP TABLE wanted (platform VARCHAR, account_id VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?, ?)", sorted(keys))
        cols = {r[0] for r in con.execute("DESCRIBE accounts").fetchall()}
        pick = [c for c in ("handle", "display_name", "bio", "created_at", "links") if c in cols]
        rows = con.execute(
            f"SELECT a.platform, a.account_id, {', '.join('a.' + c for c in pick) or 'NULL'} FROM accounts a "
            "SEMI JOIN wanted w ON w.platform = a.platform AND w.account_id = a.account_id"
        ).fetchall()
    finally:
        con.close()
    out = {}
    for r in rows:
        out[(r[0], r[1])] = dict(zip(pick, r[2:]))
    return out


def _evidence_by_account(res: Results, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """Per account: matched spans (readable), earliest cited post time, solicitation language."""
    out: dict[tuple[str, str], dict] = {k: {"evidence": [], "first_post": None, "request": False} for k in keys}
    if not keys or not res.table_exists("signal_hits"):
        return out
    con = res.ws.connect()
    try:
        con.execute("CREATE TEMP TABLE wanted (platform VARCHAR, account_id VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?, ?)", sorted(keys))
        has_posts = res.table_exists("posts")
        post_join = ("LEFT JOIN posts p ON p.platform = h.platform AND p.post_id = h.post_id" if has_posts
                     else "")
        post_ts = "p.created_at" if has_posts else "NULL::TIMESTAMPTZ"
        rows = con.execute(
            f"""
            SELECT h.platform, h.account_id, h.field, h.post_id, h.category, h.matched, h.context, {post_ts}
            FROM signal_hits h SEMI JOIN wanted w ON w.platform = h.platform AND w.account_id = h.account_id
            {post_join}
            ORDER BY h.platform, h.account_id, h.weight DESC NULLS LAST
            """
        ).fetchall()
        req = set()
        if res.table_exists("account_signals"):
            cols = {r[0] for r in con.execute("DESCRIBE account_signals").fetchall()}
            if "request" in cols:
                req = {(p, a) for p, a in con.execute(
                    "SELECT platform, account_id FROM account_signals WHERE request > 0").fetchall()}
    finally:
        con.close()
    for platform, account, fld, post_id, cat, matched, ctx, ts in rows:
        e = out[(platform, account)]
        if ctx not in (None, "use"):
            continue
        where = f"post {post_id}" if post_id else fld
        line = f"{cat}: '{matched}' in {where}"
        if len(e["evidence"]) < MAX_EVIDENCE and line not in e["evidence"]:  # one line per distinct fact
            e["evidence"].append(line)
        if ts is not None and (e["first_post"] is None or ts < e["first_post"]):
            e["first_post"] = ts
    for k in req & keys:
        out[k]["request"] = True
    return out


def _files_by_account(res: Results, keys: set[tuple[str, str]], sellers: set[tuple[str, str]]) -> dict:
    out: dict[tuple[str, str], list[ReportedFile]] = {k: [] for k in keys}
    if not keys or not res.table_exists("media_matches"):
        return out
    rows = res.query(
        "SELECT platform, account_id, post_id, media_id, signal_type, signal, bank, category "
        "FROM media_matches WHERE post_id IS NOT NULL ORDER BY platform, account_id, media_id"
    )
    md5s: dict[tuple[str, str], tuple] = {}
    if res.table_exists("posts"):
        for platform, media_id, md5, ts in res.query(
            "SELECT u.platform, u.m.media_id, u.m.md5, u.created_at FROM "
            "(SELECT platform, created_at, unnest(media) AS m FROM posts SEMI JOIN media_matches mm "
            " ON mm.platform = posts.platform AND mm.post_id = posts.post_id) u"
        ):
            md5s[(platform, media_id)] = (md5, ts)
    seen: dict[tuple, ReportedFile] = {}
    for platform, account, post_id, media_id, stype, signal, bank, cat in rows:
        k = (platform, account)
        if k not in out:
            continue
        f = seen.get((platform, account, media_id))
        if f is None:
            md5, ts = md5s.get((platform, media_id), (None, None))
            f = ReportedFile(media_id=media_id, post_id=post_id, posted_at=ts, md5=md5, bank=bank, category=cat,
                             self_produced=k in sellers)
            seen[(platform, account, media_id)] = f
            out[k].append(f)
        if stype == "pdq" and not f.pdq:
            f.pdq = signal
        if stype in ("md5", "video_md5", "vpdq") and signal and not f.md5:  # a vPDQ match's signal is the video's MD5
            f.md5 = signal
    return out


def confirmed_case(res: Results, platform: str, account_id: str, case_id: str | None = None) -> EscalationCase:
    """The report-ready case of one account a reviewer confirmed (whatever its model score)."""
    if (platform, account_id) not in res.profiles:
        res.profiles.update(_profiles(res, {(platform, account_id)}))
    cases = escalation_cases(res, min_score=0.0, only={(platform, account_id)}, any_role=True)
    if not cases:
        raise KeyError(f"{platform}:{account_id} is not among the scored accounts of {res.root}")
    if case_id:
        cases[0].case_id = case_id
    return cases[0]


def escalation_cases(res: Results, min_score: float = ESCALATE_MIN_SCORE, only: set[tuple[str, str]] | None = None,
                     any_role: bool = False) -> list[EscalationCase]:
    """The accounts the investigation would escalate, each as a report-ready case."""
    pool = res.accounts if any_role else res.flagged
    chosen = [a for a in pool if a["score"] >= min_score and (only is None or (a["platform"], a["account_id"]) in only)]
    keys = {(a["platform"], a["account_id"]) for a in chosen}
    evidence = _evidence_by_account(res, keys)
    sellers = {(a["platform"], a["account_id"]) for a in chosen if a["role"] == "seller"}
    files = _files_by_account(res, keys, sellers)
    linked: dict[tuple[str, str], list[AssociatedAccount]] = {k: [] for k in keys}
    for link in sorted(res.links, key=lambda x: -x["score"]):
        a = (link["platform_a"], link["account_a"])
        b = (link["platform_b"], link["account_b"])
        for me, other in ((a, b), (b, a)):
            if me in linked:
                prof = res.profiles.get(other, {})
                linked[me].append(AssociatedAccount(other[0], other[1], prof.get("handle"), prof.get("display_name"),
                                                    evidence=f"score {link['score']:.2f}: {link.get('evidence', '')}"))
    cases = []
    for a in sorted(chosen, key=lambda r: (-r["score"], r["platform"], r["account_id"])):
        k = (a["platform"], a["account_id"])
        prof = res.profiles.get(k, {})
        ev = evidence[k]
        cases.append(EscalationCase(
            case_id=f"vigil:{a['platform']}:{a['account_id']}",
            platform=a["platform"], account_id=a["account_id"], role=a["role"], score=a["score"],
            handle=prof.get("handle"), display_name=prof.get("display_name"), bio=prof.get("bio"),
            community=a.get("community") or None, reasons=a.get("reasons", ""), evidence=ev["evidence"],
            links=list(prof.get("links") or []), created_at=_ts(prof.get("created_at")), incident_at=_ts(ev["first_post"]),
            solicitation=a["role"] == "buyer" or ev["request"], associated=linked[k], files=files[k],
        ))
    return cases


def _ts(v) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=timezone.utc)
    try:
        return datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    except ValueError:
        return None
