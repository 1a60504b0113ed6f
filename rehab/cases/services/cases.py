"""Every write to a case's life cycle: transitions, closing, reassignment.

Each function is one use case, atomic, checks the rules, bumps the case version (optimistic locking: a
write based on an older version raises CaseChanged), and appends an audit event. A refusal is audited
too, then re-raised for the page to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rehab.audit.models import AuditAction, AuditOutcome
from rehab.audit.services import audit_record
from rehab.cases.events import case_ending, case_state_changed
from rehab.cases.models import CASE_TRANSITIONS, Case, CaseChanged, ClosureReason
from rehab.core.errors import ApplicationError, TransitionRefused
from rehab.core.machines import TransitionOption, transition_of, transition_options, transition_refusals
from rehab.reference.models import Role, User

# These collect the fact they need (the closure reason, the new offence) on their own form.
OWN_FORM_TRANSITIONS = ("close", "reoffend")


def case_transition_refusals(*, case: Case, name: str, user: User) -> list[str]:
    """Why ``user`` may not take transition ``name`` on ``case`` now; empty when they may."""
    return transition_refusals(case, name, CASE_TRANSITIONS, user)


def case_transition_options(*, case: Case, user: User) -> list[TransitionOption]:
    """The transitions out of the case's state that this user is permitted to take, each with what is missing."""
    return transition_options(case, CASE_TRANSITIONS, user, collected_on_form=OWN_FORM_TRANSITIONS)


@contextmanager
def audited_refusal(
    *, by: User, case_id: int, action: AuditAction, detail: dict[str, Any], object_type: str = ""
) -> Iterator[None]:
    """Audit a refusal of a write to the case (or to the record ``object_type`` ``case_id``), then let it reach the page."""
    try:
        yield
    except ApplicationError as exc:
        audit_record(
            actor=by,
            action=action,
            object_type=object_type or Case._meta.label_lower,
            object_id=str(case_id),
            outcome=AuditOutcome.REFUSED,
            detail={**detail, "error": type(exc).__name__},
        )
        raise


def case_lock(*, case_id: int, expected_version: int | None = None) -> Case:
    """The case, locked for this transaction; CaseChanged if it is no longer at the version the user saw."""
    case = Case.objects.select_for_update(of=("self",)).select_related("office").get(pk=case_id)
    if expected_version is not None and case.version != expected_version:
        raise CaseChanged()
    return case


def case_run_transition(*, case: Case, name: str, by: User, reason: str, before: Callable[[Case], None] | None = None) -> Case:
    """Take transition ``name`` on a case locked by the caller: check, change, save, audit, tell the others."""
    meta = transition_of(case, name, CASE_TRANSITIONS)
    reason = reason.strip()
    if meta.has_transition(case.state) and meta.get_transition(case.state).custom.get("reason_required") and not reason:
        raise ApplicationError(_("Give a reason: it is kept in the case's history."), field="reason")
    if before is not None:
        before(case)
    refusals = case_transition_refusals(case=case, name=name, user=by)
    if refusals:
        raise TransitionRefused(refusals)
    source = case.state
    getattr(case, name)(by=by, description=reason)
    case.save()
    if not case.is_open:
        # Whatever still runs on the case ends with it, in this transaction (referrals withdraw its hand-offs).
        case_ending.send(sender=Case, case=case, by=by, reason=reason or str(_("The case ended.")))
    audit_record(actor=by, action=AuditAction.TRANSITION, obj=case, detail={"transition": name, "from": source, "to": case.state})
    case_state_changed.emit(Case, case_id=case.pk, transition=name, source=source, target=case.state)
    return case


def case_transition(*, case_id: int, name: str, by: User, reason: str = "", expected_version: int | None = None) -> Case:
    """Take a plain transition (start_assessment, activate, suspend, resume, complete)."""
    if name in OWN_FORM_TRANSITIONS:
        raise ApplicationError(_("This change of state needs its own form."))
    with audited_refusal(by=by, case_id=case_id, action=AuditAction.TRANSITION, detail={"transition": name}):
        with transaction.atomic():
            case = case_lock(case_id=case_id, expected_version=expected_version)
            return case_run_transition(case=case, name=name, by=by, reason=reason)


def case_close(*, case_id: int, by: User, closure_reason: str, reason: str, expected_version: int | None = None) -> Case:
    if closure_reason not in ClosureReason.values:
        raise ApplicationError(_("Choose why the case is being closed."), field="closure_reason")

    def set_reason(case: Case) -> None:
        case.closure_reason = closure_reason

    with audited_refusal(by=by, case_id=case_id, action=AuditAction.TRANSITION, detail={"transition": "close"}):
        with transaction.atomic():
            case = case_lock(case_id=case_id, expected_version=expected_version)
            return case_run_transition(case=case, name="close", by=by, reason=reason, before=set_reason)


def case_reassign(*, case_id: int, officer: User, by: User, reason: str = "", expected_version: int | None = None) -> Case:
    with audited_refusal(by=by, case_id=case_id, action=AuditAction.UPDATE, detail={"change": "reassign"}):
        with transaction.atomic():
            case = case_lock(case_id=case_id, expected_version=expected_version)
            if not by.has_perm("cases.supervise_case", case):
                raise ApplicationError(_("Only the supervisor of the case's office may reassign it."))
            if officer.role != Role.OFFICER or officer.office_id != case.office_id or not officer.is_active:
                raise ApplicationError(_("Choose an active officer of this case's office."), field="officer")
            if not case.is_open:
                raise ApplicationError(_("Only an open case can be reassigned."))
            previous = case.officer_id
            case.officer = officer
            case.save(update_fields=["officer"])
            audit_record(
                actor=by,
                action=AuditAction.UPDATE,
                obj=case,
                detail={"change": "reassign", "from_officer": previous, "to_officer": officer.pk, "reason_given": bool(reason)},
            )
            return case


def case_plan_set_no_needs(*, case: Case, no_needs: bool) -> None:
    """Record that the plan needs no stage (or that it has one after all). The plan's own service checks who
    may change it; this does not conflict with state changes, so it leaves the case's version alone."""
    Case.objects.filter(pk=case.pk).update(plan_no_needs=no_needs)
    case.plan_no_needs = no_needs
