"""Exports for action outside the tool, each sealed by a manifest of SHA-256 digests.

- enforcement.jsonl: one line per account for the platform's enforcement system.
- signals.json: hashes, account identifiers and keywords for partner platforms, and
  signals.te.txt, the same hashes and keywords in python-threatexchange's local-file format
  (`<signal_type> <signal>` a line; read by its LocalFileSignalExchangeAPI).
- manifest.json: every file's SHA-256 and size, who exported it, when, and from which results,
  so later tampering or truncation is detectable (evidence preservation).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from vigil.report.results import ESCALATE_ROLES, Results

# What the enforcement system should do per role, and why (shown to the enforcement reviewer).
ACTIONS = {
    "seller": ("suspend_and_preserve",
               "sells or advertises apparent child sexual abuse material; preserve the account's data for law enforcement"),
    "buyer": ("suspend_and_preserve",
              "solicits or buys apparent child sexual abuse material; preserve the account's data for law enforcement"),
    "facilitator": ("suspend_and_preserve",
                    "promotes or brokers the network's sales; preserve the account's data for law enforcement"),
}
PDQ_LEN = 64


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")


def enforcement_rows(res: Results, case_ids: dict[tuple[str, str], str] | None = None) -> list[dict]:
    rows = []
    for a in sorted(res.flagged, key=lambda r: (-r["score"], r["platform"], r["account_id"])):
        action, why = ACTIONS[a["role"]]
        key = (a["platform"], a["account_id"])
        rows.append({
            "platform": a["platform"],
            "account": a["account_id"],
            "action": action,
            "reason": f"{a['role']} (score {a['score']:.2f}): {why}",
            "evidence": a.get("reasons", ""),
            "case_id": (case_ids or {}).get(key) or f"vigil:{a['platform']}:{a['account_id']}",
            "role": a["role"],
            "score": a["score"],
            "community": a.get("community") or None,
        })
    return rows


def signal_bundle(res: Results) -> dict:
    """Hashes of the network's matched media, its accounts' identifiers, and its keywords."""
    flagged = {(a["platform"], a["account_id"]) for a in res.flagged}
    hashes: dict[tuple[str, str], dict] = {}
    if res.table_exists("media_matches"):
        for platform, account, stype, signal, bank, cat in res.query(
            "SELECT platform, account_id, signal_type, signal, bank, category FROM media_matches"
        ):
            if (platform, account) not in flagged or not signal:
                continue
            if stype == "vpdq":  # a vPDQ match's signal is the matched video's MD5; its frame hashes stay out
                stype = "video_md5"
            h = hashes.setdefault((stype, signal), {"signal_type": stype, "signal": signal, "banks": set(),
                                                   "categories": set(), "accounts": 0})
            h["banks"].add(bank or "")
            h["categories"].add(cat or "")
            h["accounts"] += 1
    accounts = []
    for a in res.flagged:
        prof = res.profiles.get((a["platform"], a["account_id"]), {})
        accounts.append({"platform": a["platform"], "account_id": a["account_id"], "handle": prof.get("handle"),
                         "display_name": prof.get("display_name"), "links": list(prof.get("links") or []),
                         "role": a["role"], "community": a.get("community") or None})
    keywords = [{"term": t["term"], "score": float(t.get("score") or 0), "source": "terms.csv (candidate, unreviewed)"}
                for t in res.terms if t.get("term")]
    return {
        "hashes": [dict(h, banks=sorted(h["banks"] - {""}), categories=sorted(h["categories"] - {""}))
                   for h in sorted(hashes.values(), key=lambda h: (h["signal_type"], h["signal"]))],
        "accounts": accounts,
        "keywords": keywords,
    }


def threatexchange_lines(bundle: dict) -> list[str]:
    """Lines for python-threatexchange's local file exchange: pdq hashes and raw_text keywords.

    MD5s are left to signals.json: threatexchange's only MD5 type is video_md5, which would
    mislabel image hashes.
    """
    lines = []
    for h in bundle["hashes"]:
        if h["signal_type"] == "pdq" and len(h["signal"]) == PDQ_LEN:
            lines.append(f"pdq {h['signal'].lower()}")
    for k in bundle["keywords"]:
        term = " ".join(str(k["term"]).split())  # one line per signal
        if term:
            lines.append(f"raw_text {term}")
    return lines


def write_manifest(folder: Path, *, operator: str, source: Path, purpose: str) -> Path:
    """manifest.json over every other file in `folder` (recomputed from the bytes on disk)."""
    folder = Path(folder)
    files = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            files.append({"path": p.relative_to(folder).as_posix(), "sha256": sha256_file(p), "bytes": p.stat().st_size})
    manifest = {
        "purpose": purpose,
        "created_by": operator,
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "source_results": str(Path(source).resolve()),
        "tool": "vigil",
        "files": files,
    }
    out = folder / "manifest.json"
    out.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return out


def verify_manifest(folder: Path) -> list[str]:
    """Problems found (changed, missing or unlisted files); [] when the folder is intact."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    problems, listed = [], set()
    for f in manifest["files"]:
        p = folder / f["path"]
        listed.add(f["path"])
        if not p.exists():
            problems.append(f"{f['path']}: missing")
        elif sha256_file(p) != f["sha256"]:
            problems.append(f"{f['path']}: SHA-256 differs from the manifest")
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel != "manifest.json" and rel not in listed:
            problems.append(f"{rel}: not in the manifest")
    return problems


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_exports(res: Results, out_dir: Path, operator: str) -> Path:
    """exports/enforcement/ and exports/signals/, each with its manifest."""
    out_dir = Path(out_dir)
    enf = out_dir / "enforcement"
    enf.mkdir(parents=True, exist_ok=True)
    _write_jsonl(enf / "enforcement.jsonl", enforcement_rows(res))
    write_manifest(enf, operator=operator, source=res.root, purpose="enforcement list")
    sig = out_dir / "signals"
    sig.mkdir(parents=True, exist_ok=True)
    bundle = signal_bundle(res)
    (sig / "signals.json").write_text(json.dumps(bundle, indent=1, ensure_ascii=False), encoding="utf-8")
    (sig / "signals.te.txt").write_text("".join(line + "\n" for line in threatexchange_lines(bundle)), encoding="utf-8")
    write_manifest(sig, operator=operator, source=res.root, purpose="signal sharing with partner platforms")
    return out_dir


__all__ = ["ESCALATE_ROLES", "write_exports", "verify_manifest", "enforcement_rows", "signal_bundle"]
