"""Operator configuration for escalations: who reports, where, and the API credentials.

Credentials come only from configuration (environment or a TOML file named by
$VIGIL_REPORT_CONFIG), never from the command line (shell history) or the results folder, and
are held in a `Secret` whose repr and str never show the value, so no log line or traceback can
carry them.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ENV_PREFIX = "VIGIL_"
DEFAULT_PROFILE_URL = "https://{platform}.example/{handle}"  # placeholder domain (RFC 2606)


class Secret:
    """A credential that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None):
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


@dataclass
class ReportConfig:
    reporter_first_name: str = "Trust"
    reporter_last_name: str = "Safety"
    reporter_email: str = "trust-safety@example.org"
    company_name: str = ""
    company_template: str = ""
    # platform -> URL template with {platform}, {handle}, {account_id}; "*" is the fallback.
    profile_url_templates: dict[str, str] = field(default_factory=lambda: {"*": DEFAULT_PROFILE_URL})
    platform_names: dict[str, str] = field(default_factory=dict)  # platform -> full application name
    ncmec_url: str = "http://127.0.0.1:0/ispws"
    ncmec_username: str = ""
    ncmec_password: Secret = field(default_factory=lambda: Secret(""))
    timeout_s: float = 30.0
    retries: int = 3
    backoff_s: float = 1.0
    operator: str = field(default_factory=lambda: _current_user())

    def profile_url(self, platform: str, handle: str | None, account_id: str) -> str | None:
        template = self.profile_url_templates.get(platform) or self.profile_url_templates.get("*")
        if not template or not (handle or "{handle}" not in template):
            return None
        return template.format(platform=quote(platform, safe=""), handle=quote(handle or "", safe=""),
                               account_id=quote(account_id, safe=""))

    def platform_name(self, platform: str) -> str:
        return self.platform_names.get(platform, platform)

    def __repr__(self) -> str:  # dataclass repr would be fine (Secret masks), but keep it short
        return f"ReportConfig(reporter={self.reporter_email!r}, ncmec_url={self.ncmec_url!r}, user={self.ncmec_username!r})"


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


def load_config(path: Path | None = None, env: dict[str, str] | None = None) -> ReportConfig:
    """Defaults, then the TOML file ([reporter], [ncmec], [profile_urls], [platform_names]), then env."""
    env = dict(os.environ if env is None else env)
    cfg = ReportConfig()
    path = path or (Path(env[f"{ENV_PREFIX}REPORT_CONFIG"]) if env.get(f"{ENV_PREFIX}REPORT_CONFIG") else None)
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ValueError(f"report config {path}: {e}") from None
        rep = data.get("reporter", {})
        cfg.reporter_first_name = rep.get("first_name", cfg.reporter_first_name)
        cfg.reporter_last_name = rep.get("last_name", cfg.reporter_last_name)
        cfg.reporter_email = rep.get("email", cfg.reporter_email)
        cfg.company_name = rep.get("company", cfg.company_name)
        cfg.company_template = rep.get("company_template", cfg.company_template)
        api = data.get("ncmec", {})
        cfg.ncmec_url = api.get("url", cfg.ncmec_url)
        cfg.ncmec_username = api.get("username", cfg.ncmec_username)
        if "password" in api:
            cfg.ncmec_password = Secret(api["password"])
        cfg.timeout_s = float(api.get("timeout_s", cfg.timeout_s))
        cfg.retries = int(api.get("retries", cfg.retries))
        cfg.backoff_s = float(api.get("backoff_s", cfg.backoff_s))
        cfg.profile_url_templates.update(data.get("profile_urls", {}))
        cfg.platform_names.update(data.get("platform_names", {}))
    e = lambda k: env.get(f"{ENV_PREFIX}{k}")  # noqa: E731
    cfg.reporter_email = e("REPORTER_EMAIL") or cfg.reporter_email
    cfg.ncmec_url = e("NCMEC_URL") or cfg.ncmec_url
    cfg.ncmec_username = e("NCMEC_USERNAME") or cfg.ncmec_username
    if e("NCMEC_PASSWORD"):
        cfg.ncmec_password = Secret(e("NCMEC_PASSWORD"))
    cfg.operator = e("OPERATOR") or cfg.operator
    return cfg


PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net")  # RFC 2606: never a real reporter


def placeholder_reporter(cfg: "ReportConfig") -> bool:
    """The reporter is vigil's placeholder (no [reporter] in the config): NCMEC would get a report
    from nobody, so drafts made with it must say so."""
    domain = (cfg.reporter_email or "").rpartition("@")[2].lower()
    return not cfg.reporter_email or domain in PLACEHOLDER_DOMAINS or domain.endswith(".example")
