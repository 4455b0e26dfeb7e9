"""Exchange fetchers against a loopback stand-in server: full fetch, incremental fetch, resume."""

from __future__ import annotations

import csv
import random

import pytest
import requests

from vigil.media import exchanges as xch
from vigil.media import load_banks

from .standin_exchange import Exchange

T0 = 1_700_000_000


def pdq(i: int) -> str:
    return f"{random.Random(i).getrandbits(256):064x}"


def md5(i: int) -> str:
    return f"{random.Random(-i).getrandbits(128):032x}"


def bank_rows(store) -> set:
    with open(store.folder / "bank.csv") as f:
        return {(r["signal_type"], r["signal"], r["category"]) for r in csv.DictReader(f)}


@pytest.fixture
def server():
    ex = Exchange(page_size=3).serve()
    assert ex.url.startswith("http://127.0.0.1:")
    yield ex
    ex.close()


def ncmec_entry(i, t, deleted=False):
    return {"id": f"e{i}", "member": 7, "time": t, "classification": "A1", "deleted": deleted,
            "fingerprints": {"md5": md5(i), "pdq": pdq(i), "sha1": "ab" * 20}}


def test_ncmec_fetch_incremental_and_resume(server, tmp_path):
    server.ncmec = [ncmec_entry(i, T0 + i * 60) for i in range(8)]
    store = xch.BankStore(tmp_path / "ncmec", "ncmec")
    server.fail_next.add("/v2/entries")  # the second page fails once (HTTP 400: no retry)
    with pytest.raises(requests.HTTPError):
        xch.fetch_ncmec(store, server.url, "user", "pass", now=T0 + 3600)
    cp = store.checkpoint()
    assert cp["next"] and "start=3" in cp["next"]  # one page stored, the paging URL kept
    assert len(store.records()) == 6  # 3 entries x (pdq, md5); sha1 is not a vigil signal type
    server.requests.clear()
    xch.fetch_ncmec(store, server.url, "user", "pass", now=T0 + 3600)
    assert server.requests[0][1].get("start") == "3"  # resumed mid-window, not from the start
    assert len(bank_rows(store)) == 16
    assert store.checkpoint() == {"from": T0 + 3600 - 5, "to": None, "next": ""}
    # later: one new entry, one deleted; only the new window is asked for
    server.ncmec += [ncmec_entry(20, T0 + 4000), ncmec_entry(0, T0 + 4100, deleted=True)]
    server.requests.clear()
    xch.fetch_ncmec(store, server.url, "user", "pass", now=T0 + 5000)
    assert {q["from"] for _, q in server.requests if "from" in q} == {xch.ncmec._date_format(T0 + 3595)}
    rows = bank_rows(store)
    assert ("pdq", pdq(20), "A1") in rows and ("pdq", pdq(0), "A1") not in rows and len(rows) == 16
    bank = load_banks([store.folder / "bank.csv"])
    assert bank.n_pdq == 8 and bank.match_md5(md5(20)) == [("ncmec", "A1")]


def stopncii_record(i, t, status="Active", kind="ImagePDQ"):
    return {"lastModtimestamp": t, "signalType": kind, "hashValue": pdq(i) if kind == "ImagePDQ" else md5(i),
            "hashStatus": status, "caseNumbers": {}, "CSPFeedbacks": []}


def test_stopncii_fetch_incremental_and_resume(server, tmp_path):
    server.stopncii = [stopncii_record(i, T0 + i) for i in range(5)] + [stopncii_record(9, T0 + 9, kind="VideoMD5")]
    store = xch.BankStore(tmp_path / "stopncii", "stopncii")
    server.fail_next.add("/FetchHashes")
    with pytest.raises(requests.HTTPError):
        xch.fetch_stopncii(store, server.url, "subkey", "fnkey")
    assert len(store.records()) == 3 and store.checkpoint() == {"start": 10, "token": "3"}
    server.requests.clear()
    xch.fetch_stopncii(store, server.url, "subkey", "fnkey")
    assert server.requests[0][1]["nextPageToken"] == "3"  # resumed at the failed page
    assert len(bank_rows(store)) == 6 and store.checkpoint() == {"start": T0 + 10, "token": ""}
    server.stopncii += [stopncii_record(1, T0 + 50, status="Withdrawn"), stopncii_record(30, T0 + 51)]
    server.requests.clear()
    xch.fetch_stopncii(store, server.url, "subkey", "fnkey")
    assert server.requests[0][1]["startTimestamp"] == str(T0 + 10)
    rows = bank_rows(store)
    assert ("pdq", pdq(30), "ncii") in rows and ("pdq", pdq(1), "ncii") not in rows and len(rows) == 6


def te_record(i, t, kind="HASH_PDQ", delete=False, tags=("synthetic-tag",)):
    return {"id": str(1000 + i), "indicator": pdq(i) if kind == "HASH_PDQ" else md5(i), "type": kind,
            "last_updated": t, "should_delete": delete,
            "descriptors": {"data": [{"id": str(5000 + i), "owner": {"id": "42"}, "status": "MALICIOUS",
                                      "tags": list(tags)}]}}


def test_threatexchange_fetch_incremental(server, tmp_path):
    server.te = [te_record(i, T0 + i) for i in range(4)] + [te_record(7, T0 + 7, kind="HASH_MD5"),
                                                             te_record(8, T0 + 8, kind="URI")]
    store = xch.BankStore(tmp_path / "te", "threatexchange")
    xch.fetch_threatexchange(store, server.url, server.token, privacy_group=123)
    rows = bank_rows(store)
    assert len(rows) == 5 and ("md5", md5(7), "synthetic-tag") in rows
    assert store.checkpoint() == {"update_time": T0 + 8}
    server.te += [te_record(2, T0 + 20, delete=True), te_record(11, T0 + 21)]
    server.requests.clear()
    xch.fetch_threatexchange(store, server.url, server.token, privacy_group=123)
    assert server.requests[0][1]["start_time"] == str(T0 + 8)
    rows = bank_rows(store)
    assert ("pdq", pdq(11), "synthetic-tag") in rows and ("pdq", pdq(2), "synthetic-tag") not in rows


def test_bank_fetch_command(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from vigil.cli import app

    server.stopncii = [stopncii_record(i, T0 + i) for i in range(4)]
    monkeypatch.setenv("TX_STOPNCII_KEYS", "fnkey,subkey")
    args = ["bank-fetch", "stopncii", "--state", str(tmp_path / "s"), "--url", server.url]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "4 changes" in r.stdout and len(bank_rows(xch.BankStore(tmp_path / "s", "stopncii"))) == 4
    r = CliRunner().invoke(app, args)
    assert "0 changes" in r.stdout  # nothing new since the checkpoint
    monkeypatch.delenv("TX_STOPNCII_KEYS")
    r = CliRunner().invoke(app, args)
    assert r.exit_code != 0 and "TX_STOPNCII_KEYS" in r.output
