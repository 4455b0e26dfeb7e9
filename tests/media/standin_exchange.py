"""A loopback stand-in for the NCMEC, StopNCII and ThreatExchange hash APIs.

It speaks the request/response shapes python-threatexchange's clients use (read from their code):
NCMEC v2 `/v2/entries?from=&to=` XML with `<paging><next>` URLs, StopNCII `/FetchHashes` JSON with
`nextPageToken`/`nextSetTimestamp`, Graph API `/{group}/threat_updates/` with `paging.next`.
It holds synthetic hashes only and listens on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

FMT = "%Y-%m-%dT%H:%M:%SZ"


def ts(s: str) -> int:
    return int(datetime.strptime(s, FMT).replace(tzinfo=timezone.utc).timestamp())


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime(FMT)


class Exchange:
    def __init__(self, page_size: int = 3) -> None:
        self.page_size = page_size
        self.ncmec: list[dict] = []  # {id, member, time, classification, fingerprints, deleted}
        self.stopncii: list[dict] = []  # StopNCII hash records (JSON shape)
        self.te: list[dict] = []  # threat_updates records (JSON shape)
        self.requests: list[tuple[str, dict]] = []
        self.fail_next: set[str] = set()  # paths (prefix) to answer with HTTP 400 once
        self.auth = ("user", "pass")
        self.keys = ("fnkey", "subkey")
        self.token = "1234567890|abcdefghijklmnopqrstuvwxyz"

    def serve(self):
        ex = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                u = urllib.parse.urlparse(self.path)
                q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
                ex.requests.append((u.path, q))
                for p in list(ex.fail_next):
                    if u.path.startswith(p) and ("start" in q or "nextPageToken" in q or "after" in q):
                        ex.fail_next.discard(p)
                        return self._send(400, "text/plain", b"stand-in failure")
                if u.path == "/v2/entries":
                    return ex._ncmec(self, q)
                if u.path == "/FetchHashes":
                    return ex._stopncii(self, q)
                if u.path.endswith("/threat_updates/"):
                    return ex._te(self, q)
                self._send(404, "text/plain", b"no such endpoint")

            def _send(self, code, ctype, body):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- NCMEC: XML, entries in [from, to], paged by `start`
    def _ncmec(self, h, q):
        want = "Basic " + base64.b64encode(":".join(self.auth).encode()).decode()
        if h.headers.get("Authorization") != want:
            return h._send(401, "text/plain", b"auth")
        lo, hi = ts(q["from"]), ts(q["to"])
        rows = [e for e in self.ncmec if lo <= e["time"] <= hi]
        start = int(q.get("start", 0))
        page = rows[start : start + self.page_size]
        parts = []
        for e in page:
            tag = "deletedImage" if e.get("deleted") else "image"
            fps = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in e["fingerprints"].items())
            parts.append(f"<{tag}><id>{e['id']}</id><member id=\"{e['member']}\">ESP {e['member']}</member>"
                         f"<timestamp>{iso(e['time'])}</timestamp><classification>{e['classification']}</classification>"
                         f"<fingerprints>{fps}</fingerprints></{tag}>")
        images = ""
        if page:
            images = f"<images count=\"{len(page)}\" maxTimestamp=\"{iso(max(e['time'] for e in page))}\">{''.join(parts)}</images>"
        paging = ""
        if start + self.page_size < len(rows):
            nxt = f"/v2/entries?from={q['from']}&amp;to={q['to']}&amp;start={start + self.page_size}&amp;size={self.page_size}&amp;max={len(rows)}"
            paging = f"<paging><next>{nxt}</next></paging>"
        body = f'<?xml version="1.0"?><queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">{images}{paging}</queryResult>'
        h._send(200, "application/xml", body.encode())

    # --- StopNCII: JSON, records with lastModtimestamp >= startTimestamp, paged by token
    def _stopncii(self, h, q):
        if (h.headers.get("x-functions-key"), h.headers.get("Ocp-Apim-Subscription-Key")) != self.keys:
            return h._send(401, "text/plain", b"auth")
        start = int(q["startTimestamp"])
        size = min(int(q.get("pageSize", 800)), self.page_size)
        rows = sorted((r for r in self.stopncii if r["lastModtimestamp"] >= start), key=lambda r: r["lastModtimestamp"])
        off = int(q.get("nextPageToken", 0))
        page = rows[off : off + size]
        more = off + size < len(rows)
        body = {"count": len(page), "nextPageToken": str(off + size) if more else None,
                "nextSetTimestamp": (max(r["lastModtimestamp"] for r in rows) + 1) if rows else start,
                "hasMoreRecords": more, "hashRecords": page}
        h._send(200, "application/json", json.dumps(body).encode())

    # --- ThreatExchange: Graph API cursor, records with last_updated >= start_time
    def _te(self, h, q):
        if q.get("access_token") != self.token:
            return h._send(401, "application/json", b'{"error": "token"}')
        start = int(q["start_time"]) if q.get("start_time") else 0
        rows = sorted((r for r in self.te if r["last_updated"] >= start), key=lambda r: r["last_updated"])
        after = int(q.get("after", 0))
        size = int(q.get("limit", 100) or 100)
        size = min(size, self.page_size)
        page = rows[after : after + size]
        body: dict = {"data": page}
        if after + size < len(rows):
            nq = dict(q, after=str(after + size))
            body["paging"] = {"next": f"{self.url}{h.path.split('?')[0]}?{urllib.parse.urlencode(nq)}"}
        h._send(200, "application/json", json.dumps(body).encode())
