"""Who a user is, from their role: the predicates every app's rules are built from.

Access to an object never comes from ``is_superuser`` or ``is_staff``: only from these roles and the
object-level rules of each app (``rehab/cases/rules.py``, ``rehab/referrals/rules.py``, …)."""

from __future__ import annotations

from typing import Any

import rules

from rehab.reference.models import Role


def _has_role(role: str) -> Any:
    @rules.predicate(name=f"is_{role}")
    def check(user: Any) -> bool:
        return bool(getattr(user, "is_active", False)) and getattr(user, "role", None) == role

    return check


is_officer = _has_role(Role.OFFICER)
is_manager = _has_role(Role.MANAGER)
is_auditor = _has_role(Role.AUDITOR)
is_admin = _has_role(Role.ADMIN)
is_employer = _has_role(Role.EMPLOYER)


@rules.predicate
def is_supervisor(user: Any) -> bool:
    return (
        bool(getattr(user, "is_active", False)) and getattr(user, "role", None) == Role.SUPERVISOR and user.office_id is not None
    )


@rules.predicate
def is_agency_staff(user: Any) -> bool:
    return (
        bool(getattr(user, "is_active", False))
        and getattr(user, "role", None) == Role.AGENCY_STAFF
        and user.office_id is not None
    )
