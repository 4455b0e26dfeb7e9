"""A local stand-in for the CyberTipline Reporting API, for tests and rehearsals.

It follows cybertipline-api.txt: Basic auth, /status, /xsd, /submit (validated against the
XSD), /upload (multipart, answers the file's MD5), /fileinfo (validated `<fileDetails>` for a
file of that report), /finish (a `reportDoneResponse` with the file ids), /retract, the
documented response codes and a Request-ID header. Failures can be injected per endpoint:
`reject` (HTTP 400, code 4100), `server_error` (HTTP 500, code 1000), `timeout` (no answer
before the client gives up), `timeout_after` (the action is done but the answer is lost).
It listens on the loopback interface only.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import itertools
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from lxml import etree

from vigil.report import cybertip

FAILURES = ("reject", "server_error", "timeout", "timeout_after")


@dataclass
class StoredReport:
    report_id: int
    xml: bytes
    state: str = "open"  # open | finished | retracted
    files: dict[str, bytes] = field(default_factory=dict)  # file id -> md5 hex
    file_details: dict[str, bytes] = field(default_factory=dict)


class StandInServer:
    """`with StandInServer() as s: client = CyberTiplineClient(s.url, s.username, s.password)`."""

    def __init__(self, username: str = "usr123", password: str = "pswd123", timeout_delay_s: float = 1.5):
        self.username, self.password = username, password
        self.timeout_delay_s = timeout_delay_s
        self.reports: dict[int, StoredReport] = {}
        self.requests: list[tuple[str, int]] = []  # (endpoint, response code) in order
        self.auth_headers_seen: list[str] = []
        self._ids = itertools.count(4564654)
        self._failures: dict[str, list[str]] = defaultdict(list)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/ispws"

    def fail(self, endpoint: str, kind: str, times: int = 1) -> None:
        """The next `times` calls to /endpoint fail as `kind`."""
        if kind not in FAILURES:
            raise ValueError(f"unknown failure {kind!r}; one of {FAILURES}")
        with self._lock:
            self._failures[endpoint].extend([kind] * times)

    def start(self) -> "StandInServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "StandInServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- behaviour -----------------------------------------------------------------------------
    def _next_failure(self, endpoint: str) -> str | None:
        with self._lock:
            queue = self._failures.get(endpoint)
            return queue.pop(0) if queue else None

    def _authorised(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, pw = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except Exception:
            return False
        return user == self.username and pw == self.password

    def handle(self, method: str, endpoint: str, content_type: str, body: bytes) -> tuple[int, bytes]:
        if endpoint == "xsd" and method == "GET":
            return 200, cybertip.xsd_path().read_bytes()
        if endpoint == "status" and method == "GET":
            return 200, _response(0, f"Remote User : {self.username}, Remote Ip : 127.0.0.1")
        if method != "POST" or endpoint not in ("submit", "upload", "fileinfo", "finish", "retract"):
            return 404, _response(1210, "Resource not found")
        return getattr(self, f"_{endpoint}")(content_type, body)

    def _submit(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        errors = cybertip.validation_errors(body)
        if errors:
            code = 4110 if errors[0].startswith("malformed") else 4100
            return 400, _response(code, "Validation failed: " + "; ".join(errors[:3]))
        root = etree.fromstring(body)
        if root.tag != "report":
            return 400, _response(4100, "Validation failed: root element must be <report>")
        if not root.findtext("reporter/reportingPerson/email"):
            return 400, _response(4100, "Validation failed: reportingPerson email is required")
        with self._lock:
            rid = next(self._ids)
            self.reports[rid] = StoredReport(rid, body)
        return 200, _response(0, "Success", rid)

    def _report(self, rid_text: str | None) -> tuple[StoredReport | None, tuple[int, bytes] | None]:
        try:
            rid = int(rid_text or "")
        except ValueError:
            return None, (400, _response(4000, "Invalid request: report id"))
        rep = self.reports.get(rid)
        if rep is None:
            return None, (404, _response(5001, "Report does not exist", rid))
        if rep.state == "retracted":
            return None, (400, _response(5101, "Report already retracted", rid))
        if rep.state == "finished":
            return rep, (400, _response(5102, "Report already finished", rid))
        return rep, None

    def _upload(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        form = _form(ctype, body)
        rep, err = self._report(form.get("id", (None,))[0])
        if err:
            return err
        data = form.get("file", (None,))[0]
        if not isinstance(data, bytes | bytearray):
            return 400, _response(4200, "Malformed file submittal", rep.report_id)
        md5 = hashlib.md5(data).hexdigest()
        fid = uuid.uuid4().hex
        rep.files[fid] = md5.encode()
        return 200, _response(0, "Success", rep.report_id, file_id=fid, md5=md5)

    def _fileinfo(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        errors = cybertip.validation_errors(body)
        if errors:
            return 400, _response(4100, "Validation failed: " + "; ".join(errors[:3]))
        root = etree.fromstring(body)
        if root.tag != "fileDetails":
            return 400, _response(4100, "Validation failed: root element must be <fileDetails>")
        rep, err = self._report(root.findtext("reportId"))
        if err:
            return err
        fid = (root.findtext("fileId") or "").strip()
        if fid not in rep.files:
            return 404, _response(5002, "File does not exist", rep.report_id)
        if fid in rep.file_details:
            return 400, _response(4000, "Invalid request: file details already supplied", rep.report_id)
        rep.file_details[fid] = body
        return 200, _response(0, "Success", rep.report_id)

    def _finish(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        rep, err = self._report(_form(ctype, body).get("id", (None,))[0])
        if err:
            return err
        rep.state = "finished"
        return 200, _done(rep.report_id, list(rep.files))

    def _retract(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        rep, err = self._report(_form(ctype, body).get("id", (None,))[0])
        if err:
            return err
        rep.state = "retracted"
        return 200, _response(0, "Success", rep.report_id)

    # --- HTTP plumbing -------------------------------------------------------------------------
    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet: tests read `server.requests`
                pass

            def _serve(self, method: str) -> None:
                endpoint = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.auth_headers_seen.append(self.headers.get("Authorization") or "")
                if not server._authorised(self.headers.get("Authorization")):
                    return self._send(401, _response(2000, "Authentication required"), endpoint)
                failure = server._next_failure(endpoint)
                if failure == "reject":
                    return self._send(400, _response(4100, "Validation failed: rejected by the stand-in"), endpoint)
                if failure == "server_error":
                    return self._send(500, _response(1000, "Server error"), endpoint)
                if failure == "timeout":
                    time.sleep(server.timeout_delay_s)
                    return self._send(504, _response(1000, "Server error (late)"), endpoint)
                status, payload = server.handle(method, endpoint, self.headers.get("Content-Type", ""), body)
                if failure == "timeout_after":
                    time.sleep(server.timeout_delay_s)
                self._send(status, payload, endpoint)

            def _send(self, status: int, payload: bytes, endpoint: str) -> None:
                code = _code_of(payload)
                server.requests.append((endpoint, code))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml; charset=utf-8")
                    self.send_header("Request-ID", uuid.uuid4().hex[:16])
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout case)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


def _response(code: int, description: str, report_id: int | None = None, *, file_id: str | None = None,
              md5: str | None = None) -> bytes:
    root = etree.Element("reportResponse")
    etree.SubElement(root, "responseCode").text = str(code)
    etree.SubElement(root, "responseDescription").text = description
    if report_id is not None:
        etree.SubElement(root, "reportId").text = str(report_id)
    if file_id:
        etree.SubElement(root, "fileId").text = file_id
    if md5:
        etree.SubElement(root, "hash").text = md5
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _done(report_id: int, file_ids: list[str]) -> bytes:
    root = etree.Element("reportDoneResponse")
    etree.SubElement(root, "responseCode").text = "0"
    etree.SubElement(root, "reportId").text = str(report_id)
    files = etree.SubElement(root, "files")
    for f in file_ids:
        etree.SubElement(files, "fileId").text = f
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _code_of(payload: bytes) -> int | None:
    try:
        return int(etree.fromstring(payload).findtext("responseCode"))
    except Exception:
        return None


def _form(ctype: str, body: bytes) -> dict[str, list]:
    """Fields of an urlencoded or multipart form (files as bytes)."""
    if ctype.startswith("multipart/form-data"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body
        )
        out: dict[str, list] = defaultdict(list)
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            out[name].append(payload if part.get_filename() else payload.decode("utf-8"))
        return out
    return {k: v for k, v in parse_qs(body.decode("utf-8")).items()}
