"""Who may do what. One table maps roles to permissions; every route asks for one permission.

Child-safety cases carry their own flag (set when the evidence suggests a minor or a hash bank
matched), and the flag travels with the case: every query over cases goes through
`visible_cases`, so a list, a search, an export and an API call all filter the same way.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from vigil.cases.models import Case

ROLES = ("admin", "investigator", "reviewer", "child_safety_reviewer", "auditor")

READ_CASES = "case.read"
READ_CHILD_SAFETY = "case.read_child_safety"
CLAIM = "case.claim"
DECIDE = "case.decide"
BULK = "case.bulk"
REVEAL_MEDIA = "media.reveal"
EXPORT_LABELS = "labels.export"
EXPORT_CASES = "cases.export"
READ_EVENTS = "events.read"
EXPORT_EVENTS = "events.export"
MANAGE_USERS = "users.manage"
SIGNED_IN = "signed_in"  # any active user (their own profile, logout)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # Admins run the system; they do not read child-safety material unless also given that role.
    "admin": frozenset({SIGNED_IN, MANAGE_USERS, READ_CASES, READ_EVENTS, EXPORT_EVENTS}),
    "investigator": frozenset(
        {SIGNED_IN, READ_CASES, READ_CHILD_SAFETY, CLAIM, DECIDE, BULK, REVEAL_MEDIA, EXPORT_LABELS, EXPORT_CASES}
    ),
    "reviewer": frozenset({SIGNED_IN, READ_CASES, CLAIM, DECIDE, BULK}),
    "child_safety_reviewer": frozenset({SIGNED_IN, READ_CASES, READ_CHILD_SAFETY, CLAIM, DECIDE, BULK, REVEAL_MEDIA}),
    # Auditors see who did what, not the cases themselves.
    "auditor": frozenset({SIGNED_IN, READ_EVENTS, EXPORT_EVENTS}),
}


def check_roles(roles: list[str] | tuple[str, ...] | set[str]) -> list[str]:
    """Validated, sorted, de-duplicated role names (a typo must not silently grant nothing)."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}; known: {', '.join(ROLES)}")
    return sorted(set(roles))


def permissions_of(roles: frozenset[str] | set[str]) -> frozenset[str]:
    out: set[str] = set()
    for r in roles:
        out |= ROLE_PERMISSIONS.get(r, frozenset())
    return frozenset(out)


def can(roles: frozenset[str] | set[str], permission: str) -> bool:
    return permission in permissions_of(roles)


def sees_child_safety(roles: frozenset[str] | set[str]) -> bool:
    return can(roles, READ_CHILD_SAFETY)


def visible_cases(roles: frozenset[str] | set[str]) -> ColumnElement[bool]:
    """The WHERE clause every query over `cases` adds for this viewer."""
    if not can(roles, READ_CASES):
        return Case.id.is_(None)  # matches nothing
    if sees_child_safety(roles):
        return true()
    return Case.child_safety.is_(False)


def may_see_case(roles: frozenset[str] | set[str], case: Case) -> bool:
    return can(roles, READ_CASES) and (not case.child_safety or sees_child_safety(roles))
