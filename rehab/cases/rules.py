"""Who may do what to a case: one place, read by views, services and the state machines.

Predicates are evaluated per object (django-rules' ObjectPermissionBackend). List views start from
``Case.objects.visible_to(user)``, which encodes the same rules as a query; a test checks that the two
agree for every role.
"""

from __future__ import annotations

from typing import Any

import rules

from rehab.reference.rules import is_agency_staff, is_officer, is_supervisor


@rules.predicate
def is_case_officer(user: Any, case: Any) -> bool:
    return case is not None and case.officer_id == user.pk


@rules.predicate
def is_case_office(user: Any, case: Any) -> bool:
    return case is not None and case.office_id == user.office_id


works_on_case = (is_officer & is_case_officer) | (is_supervisor & is_case_office)


@rules.predicate
def works_on_appointment_case(user: Any, appointment: Any) -> bool:
    return appointment is not None and bool(works_on_case.test(user, appointment.case))


@rules.predicate
def is_of_holding_office(user: Any, appointment: Any) -> bool:
    """Staff of the partner office that holds the appointment (it was scheduled there as a partner of the case)."""
    return appointment is not None and appointment.office_id == user.office_id


rules.add_perm("cases.read_case", works_on_case)
rules.add_perm("cases.work_on_case", works_on_case)
rules.add_perm("cases.supervise_case", is_supervisor & is_case_office)
rules.add_perm("cases.open_case", is_officer | is_supervisor)
rules.add_perm("cases.supervise_office", is_supervisor)
rules.add_perm("cases.manage_appointment", works_on_appointment_case | (is_agency_staff & is_of_holding_office))
