"""Client for the CyberTipline Reporting API (status, submit, upload, fileinfo, finish, retract).

Every call either returns the server's success or raises `CyberTiplineError` naming the endpoint,
the API response code and whether a retry can help; nothing fails silently. Transient failures
(timeouts, connection errors, HTTP 5xx, API server-side codes) are retried with exponential
backoff. Credentials travel only in the Authorization header: they are never logged, never part
of an exception or repr, and a base URL carrying user:password is refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx
from lxml import etree

from vigil.report.config import ReportConfig, Secret

log = logging.getLogger("vigil.report.ncmec")

SUCCESS = 0
# API codes that describe a server-side problem: the same request may succeed later.
RETRYABLE_CODES = {1000, 1100, 1110, 1111, 1300}
ALREADY_RETRACTED = 5101
ALREADY_FINISHED = 5102
REPORT_NOT_FOUND = 5001
RETRYABLE_HTTP = {408, 429, 500, 502, 503, 504}


class CyberTiplineError(Exception):
    """A failed API call. `retryable`: the same call may succeed later (not a data or auth problem)."""

    def __init__(self, endpoint: str, message: str, *, code: int | None = None, http_status: int | None = None,
                 retryable: bool, request_id: str | None = None):
        self.endpoint, self.code, self.http_status = endpoint, code, http_status
        self.retryable, self.request_id = retryable, request_id
        bits = [f"/{endpoint} failed: {message}"]
        if code is not None:
            bits.append(f"API code {code}")
        if http_status is not None:
            bits.append(f"HTTP {http_status}")
        if request_id:
            bits.append(f"Request-ID {request_id}")
        bits.append("retryable" if retryable else "not retryable without a change")
        super().__init__("; ".join(bits))


@dataclass
class ApiResponse:
    code: int
    description: str
    report_id: int | None
    file_id: str | None = None
    md5: str | None = None
    file_ids: list[str] | None = None
    request_id: str | None = None


class CyberTiplineClient:
    def __init__(self, base_url: str, username: str, password: Secret, *, timeout_s: float = 30.0,
                 retries: int = 3, backoff_s: float = 1.0, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        parsed = urlparse(base_url)
        if parsed.username or parsed.password:
            raise ValueError("the CyberTipline base URL must not carry credentials; configure them separately")
        if parsed.scheme not in ("https", "http"):
            raise ValueError(f"the CyberTipline base URL must be http(s), got {parsed.scheme!r}")
        if not isinstance(password, Secret):
            password = Secret(password)
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.retries, self.backoff_s, self._sleep = retries, backoff_s, sleep
        self._http = httpx.Client(
            auth=httpx.BasicAuth(username, password.reveal()), timeout=timeout_s, transport=transport,
            headers={"User-Agent": "vigil-cybertipline-client"},
        )

    @classmethod
    def from_config(cls, cfg: ReportConfig, **kw) -> "CyberTiplineClient":
        return cls(cfg.ncmec_url, cfg.ncmec_username, cfg.ncmec_password, timeout_s=cfg.timeout_s,
                   retries=cfg.retries, backoff_s=cfg.backoff_s, **kw)

    def __repr__(self) -> str:
        return f"CyberTiplineClient({self.base_url!r}, user={self.username!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "CyberTiplineClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- endpoints -----------------------------------------------------------------------------
    def status(self) -> str:
        return self._call("status", "GET").description

    def submit(self, report_xml: bytes) -> int:
        r = self._call("submit", "POST", content=report_xml, headers={"Content-Type": "text/xml; charset=utf-8"})
        if r.report_id is None:
            raise CyberTiplineError("submit", "success without a report id", code=r.code, retryable=True,
                                    request_id=r.request_id)
        return r.report_id

    def upload(self, report_id: int, filename: str, data: bytes) -> tuple[str, str]:
        r = self._call("upload", "POST", data={"id": str(report_id)},
                       files={"file": (filename, data, "application/octet-stream")})
        if not r.file_id:
            raise CyberTiplineError("upload", "success without a file id", code=r.code, retryable=True,
                                    request_id=r.request_id)
        return r.file_id, (r.md5 or "")

    def fileinfo(self, file_details_xml: bytes) -> None:
        self._call("fileinfo", "POST", content=file_details_xml, headers={"Content-Type": "text/xml; charset=utf-8"})

    def finish(self, report_id: int) -> list[str]:
        """File ids of the finished report. 'Already finished' (a retry after a lost response) is success."""
        r = self._call("finish", "POST", data={"id": str(report_id)}, ok_codes={ALREADY_FINISHED})
        return r.file_ids or []

    def retract(self, report_id: int) -> None:
        self._call("retract", "POST", data={"id": str(report_id)}, ok_codes={ALREADY_RETRACTED})

    # --- transport -----------------------------------------------------------------------------
    def _call(self, endpoint: str, method: str, ok_codes: set[int] = frozenset(), **kw) -> ApiResponse:
        url = f"{self.base_url}/{endpoint}"
        last: CyberTiplineError | None = None
        for attempt in range(1, self.retries + 2):
            try:
                resp = self._http.request(method, url, **kw)
            except httpx.TimeoutException:
                last = CyberTiplineError(endpoint, "timed out", retryable=True)
            except httpx.TransportError as e:
                last = CyberTiplineError(endpoint, f"connection failed ({type(e).__name__})", retryable=True)
            else:
                last = None
                rid = resp.headers.get("Request-ID")
                parsed = _parse(resp.content)
                if parsed is None:
                    retry = resp.status_code in RETRYABLE_HTTP
                    last = CyberTiplineError(endpoint, "unreadable response", http_status=resp.status_code,
                                             retryable=retry, request_id=rid)
                else:
                    parsed.request_id = rid
                    if parsed.code == SUCCESS or parsed.code in ok_codes:
                        log.info("cybertipline /%s ok (code %s, report %s, Request-ID %s)",
                                 endpoint, parsed.code, parsed.report_id, rid)
                        return parsed
                    retry = parsed.code in RETRYABLE_CODES or resp.status_code in RETRYABLE_HTTP
                    last = CyberTiplineError(endpoint, parsed.description or "error", code=parsed.code,
                                             http_status=resp.status_code, retryable=retry, request_id=rid)
            if not last.retryable or attempt > self.retries:
                break
            delay = self.backoff_s * (2 ** (attempt - 1))
            log.warning("cybertipline /%s attempt %d failed (%s); retrying in %.1f s", endpoint, attempt, last, delay)
            self._sleep(delay)
        log.error("cybertipline %s", last)
        raise last


def _parse(content: bytes) -> ApiResponse | None:
    """A `reportResponse` or `reportDoneResponse`; None when the body is neither."""
    try:
        root = etree.fromstring(content)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.tag not in ("reportResponse", "reportDoneResponse"):
        return None

    def text(tag: str) -> str | None:
        el = root.find(tag)
        return el.text.strip() if el is not None and el.text else None

    try:
        code = int(text("responseCode") or "")
    except ValueError:
        return None
    rid = text("reportId")
    files = [el.text.strip() for el in root.findall("files/fileId") if el.text] if root.tag == "reportDoneResponse" else None
    return ApiResponse(
        code=code,
        description=text("responseDescription") or ("Success" if code == 0 else ""),
        report_id=int(rid) if rid and rid.lstrip("-").isdigit() else None,
        file_id=text("fileId"),
        md5=text("hash"),
        file_ids=files,
    )
