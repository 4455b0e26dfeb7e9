"""Sending one CyberTipline report end to end, with a ledger that never claims more than happened.

The ledger (a JSON file) records each report's state before and after every API step:
  open (submitted, not finished) -> finishing (finish requested) -> sent (finish succeeded)
and `failed` with the error text whenever a step fails. A report is `sent` only after /finish
answered success. Every failure is raised as `EscalationError` (after the ledger is written) and
leaves the entry retryable: a failed upload retracts the half-built report so the next attempt
starts clean; a finish whose answer was lost is retried first on the next attempt (the server's
"already finished" then confirms it) rather than submitting a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from vigil.report import cybertip
from vigil.report.ncmec_client import ALREADY_RETRACTED, REPORT_NOT_FOUND, CyberTiplineClient, CyberTiplineError

log = logging.getLogger("vigil.report.escalate")

SENT, OPEN, FINISHING, FAILED = "sent", "open", "finishing", "failed"


class EscalationError(Exception):
    """A report that was not sent; the ledger says where it stopped and that it can be retried."""

    def __init__(self, key: str, step: str, cause: Exception, retracted: bool | None):
        self.key, self.step, self.cause, self.retracted = key, step, cause, retracted
        extra = {True: " (the open report was retracted)", False: " (retracting the open report also failed)",
                 None: ""}[retracted]
        super().__init__(f"CyberTipline report for {key} NOT sent: {step} failed: {cause}{extra}. "
                         f"The case stays retryable.")


@dataclass
class FileToSend:
    """A file to upload with its details. `read` returns the bytes at send time (never stored)."""

    info: cybertip.ReportedFile
    filename: str
    read: Callable[[], bytes]


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Ledger:
    """State per case key in one JSON file, rewritten atomically after every change."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.entries: dict[str, dict] = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}

    def get(self, key: str) -> dict:
        return self.entries.get(key, {"state": "draft", "history": []})

    def set(self, key: str, state: str, **fields) -> dict:
        entry = dict(self.get(key))
        entry.update(fields, state=state, updated_at=_now())
        entry["history"] = list(entry.get("history", [])) + [
            {"at": entry["updated_at"], "state": state, **{k: v for k, v in fields.items() if k != "history"}}
        ]
        entry["retryable"] = state != SENT
        self.entries[key] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.entries, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
        return entry


def send_report(key: str, report_xml: bytes, files: list[FileToSend], client: CyberTiplineClient,
                ledger: Ledger) -> dict:
    """Submit, upload, describe and finish one report; returns the ledger entry (state `sent`)."""
    entry = ledger.get(key)
    if entry["state"] == SENT:
        log.info("%s already sent as report %s; not sending again", key, entry.get("report_id"))
        return entry
    cybertip.validate(report_xml, f"report for {key}")

    if entry["state"] in (FINISHING, OPEN) and entry.get("report_id") and entry.get("files_done"):
        done = _resume_finish(key, int(entry["report_id"]), client, ledger)
        if done is not None:
            return done

    step = "status"
    report_id: int | None = None
    try:
        client.status()
        step = "submit"
        report_id = client.submit(report_xml)
        ledger.set(key, OPEN, report_id=report_id, files_done=False, error=None)
        for f in files:
            step = f"upload of {f.info.media_id}"
            data = f.read()
            local_md5 = hashlib.md5(data).hexdigest()
            file_id, server_md5 = client.upload(report_id, f.filename, data)
            del data
            if server_md5 and server_md5.lower() != local_md5:
                raise CyberTiplineError("upload", f"server MD5 {server_md5} differs from the file's {local_md5}",
                                        retryable=True)
            step = f"file details of {f.info.media_id}"
            client.fileinfo(cybertip.build_file_details_xml(report_id, file_id, f.info))
        ledger.set(key, FINISHING, report_id=report_id, files_done=True)
        step = "finish"
        file_ids = client.finish(report_id)
    except (CyberTiplineError, ValueError) as e:
        retracted = None
        if report_id is not None and step != "finish":
            retracted = _retract(client, report_id)
        if step == "finish":
            # The finish may have happened with its answer lost: keep the id, retry finish first.
            ledger.set(key, FINISHING, report_id=report_id, files_done=True, error=str(e), failed_step=step)
        else:
            ledger.set(key, FAILED, report_id=report_id, error=str(e), failed_step=step, retracted=retracted,
                       files_done=False)
        raise EscalationError(key, step, e, retracted) from e
    return ledger.set(key, SENT, report_id=report_id, file_ids=file_ids, sent_at=_now(), error=None)


def _resume_finish(key: str, report_id: int, client: CyberTiplineClient, ledger: Ledger) -> dict | None:
    """Retry the finish of a report whose earlier finish did not answer. None: start over."""
    try:
        file_ids = client.finish(report_id)
    except CyberTiplineError as e:
        if e.code in (REPORT_NOT_FOUND, ALREADY_RETRACTED):
            log.warning("%s: report %s is gone (%s); submitting again", key, report_id, e)
            ledger.set(key, FAILED, report_id=report_id, error=str(e), failed_step="finish (resumed)")
            return None
        ledger.set(key, FINISHING, report_id=report_id, error=str(e), failed_step="finish (resumed)")
        raise EscalationError(key, "finish (resumed)", e, None) from e
    return ledger.set(key, SENT, report_id=report_id, file_ids=file_ids, sent_at=_now(), error=None)


def _retract(client: CyberTiplineClient, report_id: int) -> bool:
    try:
        client.retract(report_id)
        return True
    except CyberTiplineError as e:
        log.error("could not retract report %s: %s (NCMEC deletes unfinished reports after 24 h)", report_id, e)
        return False


def send_drafts(folder: Path, client: CyberTiplineClient, only: set[str] | None = None) -> tuple[list[dict], list[EscalationError]]:
    """Send the drafts of a `cybertipline/` folder (see build.write_drafts); ledger.json beside them.

    Each draft is sent or fails on its own; failures are collected and returned, never swallowed.
    Files are described by hash inside the report; no media is uploaded from here.
    """
    folder = Path(folder)
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    ledger = Ledger(folder / "ledger.json")
    sent, failed = [], []
    for d in index["drafts"]:
        key = f"{d['platform']}:{d['account_id']}"
        if only and key not in only:
            continue
        try:
            sent.append(send_report(key, (folder / d["file"]).read_bytes(), [], client, ledger))
        except EscalationError as e:
            failed.append(e)
    return sent, failed
