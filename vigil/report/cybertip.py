"""CyberTipline report documents (`<report>`, `<fileDetails>`) built from an escalation case.

Documents are built element by element with lxml (so hostile text is escaped, never spliced),
cleaned of characters XML 1.0 cannot carry, cut to the lengths the API documentation sets, and
validated against NCMEC's XSD before anything leaves the machine. Files are described by their
original hashes only: media bytes are never part of a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import xmlschema
from lxml import etree

from vigil.paths import shared_dir
from vigil.report.config import ReportConfig

INCIDENT_CSAM = "Child Pornography (possession, manufacture, and distribution)"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = "https://report.cybertip.org/ispws/xsd"

# Lengths from cybertipline-api.txt (the server enforces them beyond the XSD).
MAX_SCREEN_NAME = 256
MAX_DISPLAY_NAME = 255
MAX_ESP_IDENTIFIER = 255
MAX_ESP_SERVICE = 100
MAX_GROUP_IDENTIFIER = 255
MAX_URL = 2083
MAX_PLATFORM = 256
MAX_HASH_TYPE = 64
MAX_NAME = 64  # details/nameValuePair/name

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xsd_path() -> Path:
    return shared_dir() / "reference" / "ncmec" / "cybertipline-report.xsd"


@lru_cache(maxsize=2)
def schema(path: str | None = None) -> xmlschema.XMLSchema:
    """The compiled XSD (compiled once per process: it is 150 kB)."""
    p = Path(path) if path else xsd_path()
    if not p.exists():
        raise FileNotFoundError(f"CyberTipline XSD not found at {p} (set VIGIL_SHARED)")
    return xmlschema.XMLSchema(str(p))


def validation_errors(document: bytes, xsd: str | None = None) -> list[str]:
    """Every XSD violation of `document` as readable text; [] when valid."""
    try:
        tree = etree.fromstring(document)
    except etree.XMLSyntaxError as e:
        return [f"malformed XML: {e}"]
    return [f"{err.path}: {err.reason}" for err in schema(xsd).iter_errors(tree)]


def validate(document: bytes, what: str = "report") -> None:
    errors = validation_errors(document)
    if errors:
        raise ValueError(f"{what} does not validate against the CyberTipline XSD: " + "; ".join(errors[:5]))


@dataclass
class AssociatedAccount:
    platform: str
    account_id: str
    handle: str | None = None
    display_name: str | None = None
    profile_url: str | None = None
    evidence: str = ""


@dataclass
class ReportedFile:
    """A media item of the reported account, known only by its hashes."""

    media_id: str
    md5: str | None = None
    pdq: str | None = None
    post_id: str | None = None
    posted_at: datetime | None = None
    bank: str | None = None
    category: str | None = None
    self_produced: bool = False


@dataclass
class EscalationCase:
    """Everything a report needs about one account; built from results or from a confirmed case."""

    case_id: str
    platform: str
    account_id: str
    role: str
    score: float
    handle: str | None = None
    display_name: str | None = None
    bio: str | None = None
    community: str | None = None
    reasons: str = ""
    evidence: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    incident_at: datetime | None = None
    solicitation: bool = False
    associated: list[AssociatedAccount] = field(default_factory=list)
    files: list[ReportedFile] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.account_id}"


def clean(text: str | None, limit: int | None = None) -> str:
    """Text XML 1.0 can carry, cut to `limit` characters."""
    s = _XML_ILLEGAL.sub("", text or "")
    return s[:limit] if limit else s


def valid_url(url: str | None) -> bool:
    if not url or len(url) > MAX_URL:
        return False
    p = urlparse(url)
    return p.scheme in ("http", "https") and bool(p.netloc) and not any(c.isspace() for c in url)


def iso(ts: datetime | None) -> str:
    """ISO 8601 with a zone (the API requires one); never in the future."""
    now = datetime.now(timezone.utc)
    ts = ts or now
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    ts = min(ts, now)
    return ts.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs) -> etree._Element:
    el = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _group_identifier(case: EscalationCase) -> str | None:
    if not case.community:
        return None
    community = str(case.community)
    # community ids may already carry the platform ("chirp:c7"): name the platform once
    if community.startswith(f"{case.platform}:"):
        community = community[len(case.platform) + 1:]
    return clean(f"vigil-network:{case.platform}:{community}", MAX_GROUP_IDENTIFIER)


def build_report_xml(case: EscalationCase, cfg: ReportConfig) -> bytes:
    """The `<report>` document for one reported account (validated; raises if it is not)."""
    root = etree.Element("report", nsmap={"xsi": XSI})
    root.set(f"{{{XSI}}}noNamespaceSchemaLocation", SCHEMA_LOCATION)

    summary = _sub(root, "incidentSummary")
    _sub(summary, "incidentType", INCIDENT_CSAM)
    _sub(summary, "platform", clean(cfg.platform_name(case.platform), MAX_PLATFORM))
    if case.solicitation:
        ann = _sub(summary, "reportAnnotations")
        _sub(ann, "csamSolicitation")
    _sub(summary, "incidentDateTime", iso(case.incident_at or case.created_at))
    _sub(summary, "incidentDateTimeDescription",
         "Time of the earliest post of this account that the investigation cites as evidence"
         if case.incident_at else "Account creation time (no dated evidence post)")

    profile_url = cfg.profile_url(case.platform, case.handle, case.account_id)
    urls = [u for u in [profile_url, *case.links] if valid_url(u)]
    if urls:
        web = _sub(_sub(root, "internetDetails"), "webPageIncident")
        for u in dict.fromkeys(urls):
            _sub(web, "url", u)

    reporter = _sub(root, "reporter")
    person = _sub(reporter, "reportingPerson")
    _sub(person, "firstName", clean(cfg.reporter_first_name, 100))
    _sub(person, "lastName", clean(cfg.reporter_last_name, 100))
    _sub(person, "email", clean(cfg.reporter_email, 255))
    if cfg.company_template:
        _sub(reporter, "companyTemplate", clean(cfg.company_template))

    rep = _sub(root, "personOrUserReported")
    _sub(rep, "espIdentifier", clean(case.account_id, MAX_ESP_IDENTIFIER))
    _sub(rep, "espService", clean(cfg.platform_name(case.platform), MAX_ESP_SERVICE))
    if case.handle:
        _sub(rep, "screenName", clean(case.handle, MAX_SCREEN_NAME))
    if case.display_name:
        _sub(rep, "displayName", clean(case.display_name, MAX_DISPLAY_NAME))
    if valid_url(profile_url):
        _sub(rep, "profileUrl", profile_url)
    if case.bio:
        _sub(rep, "profileBio", clean(case.bio))
    group = _group_identifier(case)
    if group:
        _sub(rep, "groupIdentifier", group)
    for a in case.associated:
        acc = _sub(rep, "associatedAccount", type="Linked")
        _sub(acc, "platform", clean(cfg.platform_name(a.platform), MAX_PLATFORM))
        _sub(acc, "espIdentifier", clean(a.account_id, MAX_ESP_IDENTIFIER))
        url = a.profile_url or cfg.profile_url(a.platform, a.handle, a.account_id)
        if valid_url(url):
            _sub(acc, "profileUrl", url)
        if a.handle:
            _sub(acc, "screenName", clean(a.handle, MAX_SCREEN_NAME))
        if a.display_name:
            _sub(acc, "displayName", clean(a.display_name, MAX_DISPLAY_NAME))
        if group:
            _sub(acc, "groupIdentifier", group)
        if a.evidence:
            _sub(acc, "additionalInfo", clean(f"Linked by the investigation: {a.evidence}"))
    _sub(rep, "additionalInfo", clean(_person_summary(case)))

    _sub(root, "additionalInfo", clean(_report_summary(case)))
    doc = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(doc, f"report for {case.key}")
    return doc


def _person_summary(case: EscalationCase) -> str:
    lines = [f"Role assessed by the investigation: {case.role} (score {case.score:.2f})."]
    if case.reasons:
        lines.append(f"Reasons: {case.reasons}")
    for e in case.evidence[:10]:
        lines.append(f"Evidence: {e}")
    return "\n".join(lines)


def _report_summary(case: EscalationCase) -> str:
    lines = [f"Case {case.case_id}. Account {case.account_id} on {case.platform}."]
    if case.community:
        lines.append(f"Part of network {case.community} identified by graph analysis.")
    if case.files:
        lines.append(f"{len(case.files)} media item(s) matched known-content hash banks; original hashes follow.")
        for f in case.files[:50]:
            hashes = ", ".join(h for h in (f"MD5 {f.md5}" if f.md5 else "", f"PDQ {f.pdq}" if f.pdq else "") if h)
            lines.append(f"- media {f.media_id}" + (f" in post {f.post_id}" if f.post_id else "") + f": {hashes}")
    return "\n".join(lines)


def build_file_details_xml(report_id: int, file_id: str, f: ReportedFile) -> bytes:
    """`<fileDetails>` for one uploaded file: original hashes and where it was posted, nothing else."""
    root = etree.Element("fileDetails", nsmap={"xsi": XSI})
    root.set(f"{{{XSI}}}noNamespaceSchemaLocation", SCHEMA_LOCATION)
    _sub(root, "reportId", str(int(report_id)))
    _sub(root, "fileId", clean(file_id))
    if f.posted_at:
        _sub(root, "uploadedToEspTimestamp", iso(f.posted_at))
    _sub(root, "fileViewedByEsp", "false")  # matched by hash; nobody viewed it
    _sub(root, "fileRelevance", "Reported")
    if f.self_produced:
        ann = _sub(root, "fileAnnotations")
        _sub(ann, "possibleSelfProduction")
    if f.md5:
        _sub(root, "originalFileHash", clean(f.md5), hashType="MD5")
    if f.pdq:
        det = _sub(root, "details", type="HASH")
        pair = _sub(det, "nameValuePair")
        _sub(pair, "name", "PDQ")
        _sub(pair, "value", clean(f.pdq))
    if f.bank:
        _sub(root, "additionalInfo", clean(f"Matched hash bank {f.bank}" + (f" ({f.category})" if f.category else "")))
    doc = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(doc, f"file details for {f.media_id}")
    return doc
