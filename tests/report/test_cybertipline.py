"""CyberTipline documents validate; the client and the ledger never report a failure as success.

Runs against the local stand-in server (loopback), which validates with the real XSD.
"""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.report import cybertip
from vigil.report.config import ReportConfig, Secret, load_config
from vigil.report.cybertip import AssociatedAccount, EscalationCase, ReportedFile
from vigil.report.escalate import EscalationError, FileToSend, Ledger, send_report
from vigil.report.ncmec_client import CyberTiplineClient, CyberTiplineError
from vigil.report.standin import StandInServer

PASSWORD = "pa55-w0rd-never-logged"


@pytest.fixture(autouse=True)
def _xsd(shared):
    return shared


def make_case(**kw) -> EscalationCase:
    base = dict(
        case_id="vigil:photogram:111", platform="photogram", account_id="111", role="seller", score=0.91,
        handle="vexkin_shop", display_name="V shop", bio="menu in bio, dm for prices", community="c7",
        reasons="sale terms in bio; hash match", evidence=["post 9: 'vexkin menu'"],
        links=["https://linktr.ee/example"], created_at=datetime(2025, 5, 1, tzinfo=timezone.utc),
        incident_at=datetime(2025, 6, 1, 12, tzinfo=timezone.utc), solicitation=False,
        associated=[AssociatedAccount("chirp", "222", "vexkin_backup", evidence="same avatar hash")],
        files=[ReportedFile("m1", md5="0" * 32, pdq="f" * 64, post_id="9", self_produced=True, bank="b1")],
    )
    base.update(kw)
    return EscalationCase(**base)


def files_for(case: EscalationCase) -> list[FileToSend]:
    return [FileToSend(f, f"{f.media_id}.bin", lambda f=f: f"synthetic bytes of {f.media_id}".encode())
            for f in case.files]


@pytest.fixture()
def server():
    with StandInServer(password=PASSWORD, timeout_delay_s=0.8) as s:
        yield s


@pytest.fixture()
def client(server):
    sleeps: list[float] = []
    c = CyberTiplineClient(server.url, server.username, Secret(PASSWORD), timeout_s=0.3, retries=2,
                           backoff_s=0.01, sleep=sleeps.append)
    c.sleeps = sleeps
    yield c
    c.close()


@pytest.fixture()
def ledger(tmp_path):
    return Ledger(tmp_path / "ledger.json")


# --- documents ------------------------------------------------------------------------------

def test_report_and_file_details_validate():
    case = make_case(solicitation=True)
    doc = cybertip.build_report_xml(case, ReportConfig())
    assert cybertip.validation_errors(doc) == []
    assert b"<csamSolicitation/>" in doc and b"<groupIdentifier>vigil-network:photogram:c7" in doc
    assert b'<associatedAccount type="Linked">' in doc
    fd = cybertip.build_file_details_xml(123, "abc", case.files[0])
    assert cybertip.validation_errors(fd) == []
    assert b'<originalFileHash hashType="MD5">' + b"0" * 32 in fd


def test_an_invalid_document_is_refused_before_sending():
    doc = cybertip.build_report_xml(make_case(), ReportConfig()).replace(b"<incidentType>", b"<incidentTypo>")
    doc = doc.replace(b"</incidentType>", b"</incidentTypo>")
    assert cybertip.validation_errors(doc)
    with pytest.raises(ValueError, match="does not validate"):
        cybertip.validate(doc)


hostile = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


@given(handle=hostile, bio=hostile, name=hostile, reasons=hostile, link=hostile)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_gives_a_valid_report(handle, bio, name, reasons, link):
    case = make_case(handle=handle or None, bio=bio, display_name=name, reasons=reasons, links=[link],
                     associated=[AssociatedAccount("chirp", handle or "x", name)])
    doc = cybertip.build_report_xml(case, ReportConfig())  # raises if invalid
    assert cybertip.validation_errors(doc) == []


# --- API flow -------------------------------------------------------------------------------

def test_happy_path_sends_and_finishes(server, client, ledger):
    case = make_case(files=[ReportedFile("m1", md5="1" * 32), ReportedFile("m2", pdq="e" * 64)])
    entry = send_report(case.key, cybertip.build_report_xml(case, ReportConfig()), files_for(case), client, ledger)
    assert entry["state"] == "sent" and entry["retryable"] is False
    stored = server.reports[entry["report_id"]]
    assert stored.state == "finished" and len(stored.files) == 2 and len(stored.file_details) == 2
    assert sorted(entry["file_ids"]) == sorted(stored.files)
    assert [e for e, _ in server.requests] == ["status", "submit", "upload", "fileinfo", "upload", "fileinfo", "finish"]
    # sending again does not create a second report
    send_report(case.key, cybertip.build_report_xml(case, ReportConfig()), files_for(case), client, ledger)
    assert len(server.reports) == 1


def test_rejection_is_visible_and_retryable(server, client, ledger):
    case = make_case()
    doc = cybertip.build_report_xml(case, ReportConfig())
    server.fail("submit", "reject")
    with pytest.raises(EscalationError, match="NOT sent: submit failed.*4100"):
        send_report(case.key, doc, files_for(case), client, ledger)
    entry = Ledger(ledger.path).get(case.key)
    assert entry["state"] == "failed" and entry["retryable"] and "4100" in entry["error"]
    assert not any(r.state == "finished" for r in server.reports.values())
    assert send_report(case.key, doc, files_for(case), client, ledger)["state"] == "sent"


def test_server_error_mid_report_retracts_and_stays_retryable(server, client, ledger):
    case = make_case()
    doc = cybertip.build_report_xml(case, ReportConfig())
    server.fail("upload", "server_error", times=3)  # more than the client's 2 retries
    with pytest.raises(EscalationError, match="upload of m1 failed.*code 1000.*retracted"):
        send_report(case.key, doc, files_for(case), client, ledger)
    assert client.sleeps == [0.01, 0.02]  # exponential backoff between the attempts
    first = next(iter(server.reports.values()))
    assert first.state == "retracted"
    entry = ledger.get(case.key)
    assert entry["state"] == "failed" and entry["retracted"] is True
    entry = send_report(case.key, doc, files_for(case), client, ledger)
    assert entry["state"] == "sent" and server.reports[entry["report_id"]].state == "finished"
    assert entry["report_id"] != first.report_id


def test_a_transient_server_error_is_retried_transparently(server, client, ledger):
    case = make_case(files=[])
    server.fail("submit", "server_error", times=1)
    entry = send_report(case.key, cybertip.build_report_xml(case, ReportConfig()), [], client, ledger)
    assert entry["state"] == "sent" and client.sleeps == [0.01]


def test_timeout_on_file_details_is_an_error_not_a_success(server, client, ledger):
    case = make_case()
    server.fail("fileinfo", "timeout", times=3)
    with pytest.raises(EscalationError, match="file details of m1 failed: /fileinfo failed: timed out"):
        send_report(case.key, cybertip.build_report_xml(case, ReportConfig()), files_for(case), client, ledger)
    assert ledger.get(case.key)["state"] == "failed"
    assert all(r.state != "finished" for r in server.reports.values())


def test_lost_finish_answer_is_confirmed_on_retry_without_a_duplicate(server, ledger):
    c = CyberTiplineClient(server.url, server.username, Secret(PASSWORD), timeout_s=0.3, retries=0)
    case = make_case(files=[])
    doc = cybertip.build_report_xml(case, ReportConfig())
    server.fail("finish", "timeout_after")  # the server finishes, the answer never arrives
    with pytest.raises(EscalationError, match="finish failed"):
        send_report(case.key, doc, [], c, ledger)
    entry = ledger.get(case.key)
    assert entry["state"] == "finishing" and entry["retryable"]  # NOT sent: we do not know yet
    entry = send_report(case.key, doc, [], c, ledger)
    assert entry["state"] == "sent"
    assert len(server.reports) == 1  # confirmed by "already finished", not resubmitted


def test_wrong_credentials_fail_loudly(server, ledger):
    c = CyberTiplineClient(server.url, server.username, Secret("wrong"), retries=0)
    case = make_case(files=[])
    with pytest.raises(EscalationError, match="status failed.*2000.*not retryable"):
        send_report(case.key, cybertip.build_report_xml(case, ReportConfig()), [], c, ledger)
    assert ledger.get(case.key)["state"] == "failed"


def test_credentials_never_appear_in_logs_errors_or_reprs(server, ledger, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    c = CyberTiplineClient(server.url, server.username, Secret(PASSWORD), timeout_s=0.3, retries=1,
                           backoff_s=0.0)
    case = make_case()
    server.fail("upload", "server_error", times=2)
    with pytest.raises(EscalationError) as err:
        send_report(case.key, cybertip.build_report_xml(case, ReportConfig()), files_for(case), c, ledger)
    send_report(case.key, cybertip.build_report_xml(case, ReportConfig()), files_for(case), c, ledger)
    token = base64.b64encode(f"{server.username}:{PASSWORD}".encode()).decode()
    assert server.auth_headers_seen[-1] == f"Basic {token}"  # it was sent...
    blobs = [caplog.text, str(err.value), repr(err.value.cause), repr(c), ledger.path.read_text()]
    cfg = load_config(env={"VIGIL_NCMEC_PASSWORD": PASSWORD, "VIGIL_NCMEC_URL": server.url})
    blobs += [repr(cfg), str(cfg.ncmec_password), repr(cfg.ncmec_password)]
    for blob in blobs:  # ...and is nowhere else
        assert PASSWORD not in blob and token not in blob
    assert cfg.ncmec_password.reveal() == PASSWORD


def test_base_url_with_credentials_is_refused():
    with pytest.raises(ValueError, match="must not carry credentials"):
        CyberTiplineClient("https://usr:pw@exttest.cybertip.org/ispws", "usr", Secret("pw"))


def test_status_and_xsd_endpoints(server, client):
    assert "Remote User : usr123" in client.status()
    import httpx
    r = httpx.get(f"{server.url}/xsd", auth=(server.username, PASSWORD))
    assert r.status_code == 200 and b"<xs:schema" in r.content


def test_errors_carry_the_request_id(server, client):
    server.fail("submit", "reject")
    with pytest.raises(CyberTiplineError) as e:
        client.submit(cybertip.build_report_xml(make_case(), ReportConfig()))
    assert e.value.request_id and e.value.request_id in str(e.value) and not e.value.retryable
