"""Who may do what to which object: one place, read by views, services and the state machines.

Predicates are evaluated per object (django-rules' ObjectPermissionBackend). List views start
from ``Case.objects.visible_to(user)``, which encodes the same rules as a query; a test checks
that the two agree for every role.
"""

from __future__ import annotations

from typing import Any

import rules

from rehab.models.accounts import Role


@rules.predicate
def is_officer(user: Any) -> bool:
    return getattr(user, "role", None) == Role.OFFICER


@rules.predicate
def is_supervisor(user: Any) -> bool:
    return getattr(user, "role", None) == Role.SUPERVISOR and user.office_id is not None


@rules.predicate
def is_admin(user: Any) -> bool:
    return getattr(user, "role", None) == Role.ADMIN


@rules.predicate
def is_auditor(user: Any) -> bool:
    return getattr(user, "role", None) == Role.AUDITOR


@rules.predicate
def is_case_officer(user: Any, case: Any) -> bool:
    return case is not None and case.officer_id == user.pk


@rules.predicate
def is_case_office(user: Any, case: Any) -> bool:
    return case is not None and case.office_id == user.office_id


works_on_case = (is_officer & is_case_officer) | (is_supervisor & is_case_office)

rules.add_perm("rehab.read_case", works_on_case | is_admin)
rules.add_perm("rehab.work_on_case", works_on_case)
rules.add_perm("rehab.supervise_case", is_supervisor & is_case_office)
rules.add_perm("rehab.open_case", is_officer | is_supervisor)
rules.add_perm("rehab.supervise_office", is_supervisor)
rules.add_perm("rehab.read_audit_trail", is_auditor | is_admin)
