"""Hash banks fetched from exchanges through python-threatexchange's clients, with checkpoints.

Each exchange keeps a folder: `log.jsonl` (every fetched change, appended page by page),
`checkpoint.json` (where the next fetch resumes, written only after its page is in the log) and
`bank.csv` (the current bank in the contract's format, for `load_banks`). A fetch that dies midway
resumes from the last page it stored; a later fetch asks only for what changed since.

Clients used (their own request/response code, pointed at a configurable base URL):
- NCMEC: `NCMECHashAPI.get_entries_iter` (XML, time windows + paging URLs). The client takes an
  `NCMECEnvironment` enum whose only use is `.value` (the base URL); a stand-in object supplies it.
- StopNCII: `StopNCIIAPI.fetch_hashes` (JSON; `base_url_override`), paged by token.
- ThreatExchange: `ThreatExchangeAPI.get_threat_updates` (Graph API JSON; `endpoint_override`).
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from threatexchange.exchanges.clients.fb_threatexchange.api import ThreatExchangeAPI
from threatexchange.exchanges.clients.fb_threatexchange.threat_updates import ThreatUpdateJSON
from threatexchange.exchanges.clients.ncmec import hash_api as ncmec
from threatexchange.exchanges.clients.stopncii import api as stopncii
from threatexchange.exchanges.impl.fb_threatexchange_api import FBThreatExchangeIndicatorRecord

from vigil.media.hashing import valid_md5, valid_pdq

# NCMEC entries are not returned in time order; fetching up to "now - 5 s" keeps an entry written
# during the fetch out of this window and inside the next one (python-threatexchange does the same).
NCMEC_END_LAG_S = 5
# ThreatExchange threat_updates page size (python-threatexchange's choice).
TE_PAGE_SIZE = 100
# ThreatExchange indicator types that carry the contract's signal types.
TE_TYPES = {"HASH_PDQ": "pdq", "HASH_MD5": "md5", "HASH_VIDEO_MD5": "md5"}
STOPNCII_TYPES = {stopncii.StopNCIISignalType.ImagePDQ: "pdq", stopncii.StopNCIISignalType.VideoMD5: "md5"}
STOPNCII_GONE = (stopncii.StopNCIICaseStatus.Withdrawn, stopncii.StopNCIICaseStatus.Deleted)

# A change: record key -> (signal_type, signal, category), or None to delete the record.
Change = dict[str, "tuple[str, str, str] | None"]


@dataclass
class _Environment:
    """Duck-types NCMECEnvironment: the client reads only `.value`, the base URL."""

    value: str


class BankStore:
    """The on-disk state of one fetched bank."""

    def __init__(self, folder: Path, bank: str) -> None:
        self.folder = Path(folder)
        self.bank = bank
        self.folder.mkdir(parents=True, exist_ok=True)

    @property
    def checkpoint_path(self) -> Path:
        return self.folder / "checkpoint.json"

    def checkpoint(self) -> dict | None:
        return json.loads(self.checkpoint_path.read_text()) if self.checkpoint_path.exists() else None

    def commit(self, changes: Change, checkpoint: dict) -> None:
        """Store a page: the changes first, then the checkpoint that says they are stored."""
        with open(self.folder / "log.jsonl", "a", encoding="utf-8") as f:
            for k, v in changes.items():
                f.write(json.dumps({"key": k, "value": v}) + "\n")
            f.flush()
        tmp = self.checkpoint_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(checkpoint))
        tmp.replace(self.checkpoint_path)

    def records(self) -> dict[str, tuple[str, str, str]]:
        out: dict[str, tuple[str, str, str]] = {}
        log = self.folder / "log.jsonl"
        if log.exists():
            for line in log.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                e = json.loads(line)
                if e["value"] is None:
                    out.pop(e["key"], None)
                else:
                    out[e["key"]] = tuple(e["value"])
        return out

    def write_bank_csv(self) -> Path:
        path = self.folder / "bank.csv"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["signal_type", "signal", "bank", "category"])
            for st, sig, cat in sorted(set(self.records().values())):
                w.writerow([st, sig, self.bank, cat])
        tmp.replace(path)
        return path


def _signal(st: str, value: str) -> tuple[str, str] | None:
    try:
        return (st, valid_pdq(value) if st == "pdq" else valid_md5(value))
    except ValueError:
        return None


# --- NCMEC -------------------------------------------------------------------------------------
def ncmec_changes(updates: list[ncmec.NCMECEntryUpdate]) -> Change:
    out: Change = {}
    for u in updates:
        for fp_type, value in u.fingerprints.items():
            st = {"pdq": "pdq", "md5": "md5"}.get(fp_type.lower())
            if st is None:
                continue  # PhotoDNA, SHA1, ...: not signal types vigil matches
            key = f"{u.member_id}-{u.id}-{st}"
            sig = _signal(st, value)
            out[key] = None if (u.deleted or sig is None) else (*sig, u.classification or "")
    return out


def fetch_ncmec(store: BankStore, base_url: str, user: str, password: str, now: int | None = None) -> int:
    """Fetch NCMEC entries changed since the checkpoint; resumes mid-window from a paging URL."""
    client = ncmec.NCMECHashAPI(user, password, _Environment(base_url.rstrip("/")))  # type: ignore[arg-type]
    cp = store.checkpoint() or {"from": 0, "to": None, "next": ""}
    start = cp["from"]
    end = cp["to"] if cp.get("next") else (now or int(time.time())) - NCMEC_END_LAG_S
    n = 0
    for page in client.get_entries_iter(start_timestamp=start, end_timestamp=end, resume_paging_url=cp.get("next") or ""):
        changes = ncmec_changes(page.updates)
        n += len(changes)
        nxt = page.next
        store.commit(changes, {"from": start, "to": end, "next": nxt} if nxt else {"from": end, "to": None, "next": ""})
    store.write_bank_csv()
    return n


# --- StopNCII ----------------------------------------------------------------------------------
def stopncii_changes(records: list[stopncii.StopNCIIHashRecord]) -> Change:
    out: Change = {}
    for r in records:
        st = STOPNCII_TYPES.get(r.signalType)
        if st is None:
            continue
        sig = _signal(st, r.hashValue)
        key = f"{st}:{r.hashValue.lower()}"
        # python-threatexchange's impl tests hashValue against the statuses (never true), so its
        # deletes never happen; the record's hashStatus is what says a case was withdrawn.
        out[key] = None if (r.hashStatus in STOPNCII_GONE or sig is None) else (*sig, "ncii")
    return out


def fetch_stopncii(store: BankStore, base_url: str, subscription_key: str, fetch_function_key: str) -> int:
    """Fetch StopNCII records changed since the checkpoint.

    `nextSetTimestamp` is where the next *set* starts, so it becomes the checkpoint only once a set's
    pages are exhausted; mid-set the checkpoint keeps the set's start and the page token (checkpointing
    nextSetTimestamp after every page, as python-threatexchange's impl does, would skip the rest of
    a set after a crash).
    """
    client = stopncii.StopNCIIAPI(subscription_key, fetch_function_key, base_url_override=base_url.rstrip("/"))
    cp = store.checkpoint() or {"start": stopncii.StopNCIIAPI.DEFAULT_START_TIME, "token": ""}
    start, token = cp["start"], cp.get("token") or ""
    n = 0
    while True:
        page = client.fetch_hashes(start_timestamp=start, next_page=token)
        changes = stopncii_changes(page.hashRecords)
        n += len(changes)
        token = (page.nextPageToken or "") if page.hasMoreRecords else ""
        store.commit(changes, {"start": start, "token": token} if token else {"start": page.nextSetTimestamp, "token": ""})
        if not token:
            break
    store.write_bank_csv()
    return n


# --- ThreatExchange ----------------------------------------------------------------------------
def te_changes(app_id: int, updates: list[ThreatUpdateJSON]) -> Change:
    out: Change = {}
    for u in updates:
        st = TE_TYPES.get(u.threat_type)
        if st is None:
            continue
        key = f"{u.threat_type}:{u.indicator}"
        rec = FBThreatExchangeIndicatorRecord.from_threatexchange_json(app_id, u)
        sig = _signal(st, u.indicator)
        if rec is None or sig is None:
            out[key] = None
            continue
        tags = sorted({t for o in rec.opinions for t in o.tags})
        out[key] = (*sig, ";".join(tags))
    return out


def fetch_threatexchange(store: BankStore, base_url: str, api_token: str, privacy_group: int) -> int:
    client = ThreatExchangeAPI(api_token, endpoint_override=base_url.rstrip("/"))
    cp = store.checkpoint() or {"update_time": None}
    highest = cp["update_time"] or 0
    cursor = client.get_threat_updates(
        privacy_group, start_time=cp["update_time"], page_size=TE_PAGE_SIZE,
        fields=FBThreatExchangeIndicatorRecord.te_threat_updates_fields(), decode_fn=ThreatUpdateJSON,
    )
    n = 0
    for batch in _pages(cursor):
        highest = max([highest, *(u.time for u in batch)])
        changes = te_changes(client.app_id, batch)
        n += len(changes)
        store.commit(changes, {"update_time": highest})
    store.write_bank_csv()
    return n


def _pages(cursor) -> Iterator[list]:
    for batch in cursor:
        if batch:
            yield batch
