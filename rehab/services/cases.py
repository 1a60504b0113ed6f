"""Every write to a case: intake, transitions, reoffences, reassignment.

Each function is one use case, atomic, checks the rules, bumps the case version (optimistic
locking: a write based on an older version raises CaseChanged), and appends an audit event.
A refusal is audited too, then re-raised for the view to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.dates import format_date
from rehab.exceptions import ApplicationError, CaseChanged, TransitionRefused
from rehab.models import (
    CASE_TRANSITIONS,
    AuditAction,
    AuditOutcome,
    Case,
    ClosureReason,
    Person,
    Reoffence,
    Role,
    User,
)
from rehab.services.audit import audit_record
from rehab.validators import normalize_national_id

# --- reading the machine ----------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionOption:
    """A transition as the case page offers it: allowed now, or blocked with the reasons."""

    name: str
    label: str
    target: str
    reason_required: bool
    refusals: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.refusals


def _transition_meta(case: Case, name: str) -> Any:
    if name not in CASE_TRANSITIONS:
        raise ApplicationError(_("There is no such change of state."))
    return getattr(type(case), name)._django_fsm


def case_transition_refusals(*, case: Case, name: str, user: User) -> list[str]:
    """Why ``user`` may not take transition ``name`` on ``case`` now; empty when they may."""
    meta = _transition_meta(case, name)
    if not meta.has_transition(case.state):
        return [str(_("A case in state “%(state)s” cannot be changed this way.") % {"state": case.get_state_display()})]
    transition = meta.get_transition(case.state)
    if not transition.has_perm(case, user):
        return [_explain(transition.permission.refusal, case, user)]
    return [str(check.refusal) for check in transition.conditions if not check(case)]


def _explain(refusal: Any, case: Case, user: User) -> str:
    """A refusal is a sentence, or a function of the case and user that finds the right one."""
    return str(refusal(case, user) if callable(refusal) else refusal)


def case_transition_options(*, case: Case, user: User) -> list[TransitionOption]:
    """The transitions out of the case's state that this user is permitted to take.

    A permitted transition whose conditions are not met is included with its refusals, so the
    page can say what is missing (e.g. "finish the assessment first").
    """
    options = []
    for name in CASE_TRANSITIONS:
        meta = _transition_meta(case, name)
        if not meta.has_transition(case.state):
            continue
        transition = meta.get_transition(case.state)
        if not transition.has_perm(case, user):
            continue
        refusals = [str(check.refusal) for check in transition.conditions if not check(case)]
        # close and reoffend collect the missing fact on their own form, so they are offered as allowed.
        if name in ("close", "reoffend"):
            refusals = []
        options.append(
            TransitionOption(
                name=name,
                label=str(transition.custom["label"]),
                target=str(transition.target),
                reason_required=bool(transition.custom.get("reason_required")),
                refusals=refusals,
            )
        )
    return options


# --- writing -----------------------------------------------------------------------------------


@contextmanager
def _audited_refusal(*, by: User, case_id: int, action: AuditAction, detail: dict[str, Any]) -> Iterator[None]:
    try:
        yield
    except ApplicationError as exc:
        audit_record(
            actor=by,
            action=action,
            object_type="rehab.case",
            object_id=str(case_id),
            outcome=AuditOutcome.REFUSED,
            detail={**detail, "error": type(exc).__name__},
        )
        raise


def _lock_case(*, case_id: int, expected_version: int | None) -> Case:
    case = Case.objects.select_for_update(of=("self",)).select_related("office").get(pk=case_id)
    if expected_version is not None and case.version != expected_version:
        raise CaseChanged()
    return case


def _run_transition(*, case: Case, name: str, by: User, reason: str, before: Callable[[Case], None] | None = None) -> Case:
    meta = _transition_meta(case, name)
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
        from rehab.services.handoffs import handoffs_withdraw_for_ended_case

        handoffs_withdraw_for_ended_case(case=case, by=by, reason=reason)
    audit_record(
        actor=by,
        action=AuditAction.TRANSITION,
        obj=case,
        detail={"transition": name, "from": source, "to": case.state},
    )
    return case


def case_transition(*, case_id: int, name: str, by: User, reason: str = "", expected_version: int | None = None) -> Case:
    """Take a plain transition (start_assessment, activate, suspend, resume, complete)."""
    if name in ("close", "reoffend"):
        raise ApplicationError(_("This change of state needs its own form."))
    with _audited_refusal(by=by, case_id=case_id, action=AuditAction.TRANSITION, detail={"transition": name}):
        with transaction.atomic():
            case = _lock_case(case_id=case_id, expected_version=expected_version)
            return _run_transition(case=case, name=name, by=by, reason=reason)


def case_close(*, case_id: int, by: User, closure_reason: str, reason: str, expected_version: int | None = None) -> Case:
    if closure_reason not in ClosureReason.values:
        raise ApplicationError(_("Choose why the case is being closed."), field="closure_reason")

    def set_reason(case: Case) -> None:
        case.closure_reason = closure_reason

    with _audited_refusal(by=by, case_id=case_id, action=AuditAction.TRANSITION, detail={"transition": "close"}):
        with transaction.atomic():
            case = _lock_case(case_id=case_id, expected_version=expected_version)
            return _run_transition(case=case, name="close", by=by, reason=reason, before=set_reason)


def case_record_reoffence(
    *,
    case_id: int,
    by: User,
    offence_date: date,
    source: str,
    offence_category: str,
    reason: str,
    expected_version: int | None = None,
) -> Case:
    """Record a confirmed new offence and move the case to ``reoffended`` in one step."""
    with _audited_refusal(by=by, case_id=case_id, action=AuditAction.TRANSITION, detail={"transition": "reoffend"}):
        with transaction.atomic():
            case = _lock_case(case_id=case_id, expected_version=expected_version)
            if offence_date <= case.release_date:
                raise ApplicationError(
                    _("The new offence must be dated after the release (%(date)s).") % {"date": format_date(case.release_date)},
                    field="offence_date",
                )
            if offence_date > timezone.localdate():
                raise ApplicationError(_("The date of the new offence cannot be in the future."), field="offence_date")

            def add_reoffence(case: Case) -> None:
                # Rolled back with everything else if the transition is then refused.
                Reoffence.objects.create(
                    case=case, offence_date=offence_date, source=source, offence_category=offence_category, recorded_by=by
                )

            return _run_transition(case=case, name="reoffend", by=by, reason=reason, before=add_reoffence)


def case_reassign(*, case_id: int, officer: User, by: User, reason: str = "", expected_version: int | None = None) -> Case:
    with _audited_refusal(by=by, case_id=case_id, action=AuditAction.UPDATE, detail={"change": "reassign"}):
        with transaction.atomic():
            case = _lock_case(case_id=case_id, expected_version=expected_version)
            if not by.has_perm("rehab.supervise_case", case):
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


# --- intake ------------------------------------------------------------------------------------


@dataclass
class IntakeResult:
    case: Case
    person_existed: bool
    same_name_and_birth: list[Person]


PERSON_FIELDS = (
    "national_id",
    "first_name_th",
    "last_name_th",
    "first_name_en",
    "last_name_en",
    "date_of_birth",
    "sex",
    "nationality",
    "phone",
    "home_district",
)
CASE_FIELDS = (
    "release_type",
    "release_date",
    "facility",
    "offence_category",
    "sentence_months",
    "prior_convictions",
    "supervision_end_date",
)


def case_intake(*, by: User, person_data: dict[str, Any], case_data: dict[str, Any], officer: User | None = None) -> IntakeResult:
    """Register a released person (or find them by national ID) and open a case in the user's office.

    One person per national ID: a known ID gets the new case on the existing record. Another
    person with the same name and date of birth is a warning for the officer, not a refusal.
    """
    if not by.has_perm("rehab.open_case") or by.office is None:
        raise ApplicationError(_("Only officers and supervisors of a probation office can record an intake."))
    if officer is None and by.role == Role.OFFICER:
        officer = by
    if officer is not None and (officer.role != Role.OFFICER or officer.office_id != by.office_id):
        raise ApplicationError(_("Choose an officer of your office."), field="officer")

    national_id = normalize_national_id(person_data["national_id"])
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(national_id=national_id).first()
        existed = person is not None
        if person is None:
            person = Person(**{**{k: v for k, v in person_data.items() if k in PERSON_FIELDS}, "national_id": national_id})
            person.full_clean()
            try:
                with transaction.atomic():
                    person.save()
            except IntegrityError as exc:  # registered by someone else a moment ago
                raise ApplicationError(
                    _("This national ID was registered by someone else a moment ago. Submit again to use that record."),
                    field="national_id",
                ) from exc
        else:
            open_case = person.cases.open().select_related("office").first()
            if open_case is not None:
                raise ApplicationError(
                    _("This person already has an open case (%(number)s at %(office)s). Close or complete it first.")
                    % {"number": open_case.number, "office": open_case.office.name},
                    field="national_id",
                )

        case = Case(person=person, office=by.office, officer=officer, **{k: v for k, v in case_data.items() if k in CASE_FIELDS})
        case.full_clean(exclude=["person", "office", "officer", "state"])  # state is protected
        case.save()
        audit_record(actor=by, action=AuditAction.CREATE, obj=case, detail={"person": person.pk, "person_created": not existed})

    same = list(
        Person.objects.filter(
            first_name_th=person.first_name_th, last_name_th=person.last_name_th, date_of_birth=person.date_of_birth
        ).exclude(pk=person.pk)[:5]
    )
    return IntakeResult(case=case, person_existed=existed, same_name_and_birth=same)
