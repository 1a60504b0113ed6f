"""Intake: register a released person (or find them by national ID) and open a case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from rehab.audit.models import AuditAction
from rehab.audit.services import audit_record
from rehab.cases.models import Case, Person
from rehab.core.errors import ApplicationError
from rehab.core.validators import normalize_national_id
from rehab.reference.models import Role, User


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


def same_person(person: Person, typed: dict[str, Any]) -> bool:
    """The typed Thai names and date of birth are those of the record (spaces and case aside)."""

    def clean(text: Any) -> str:
        return " ".join(str(text or "").split()).casefold()

    return (
        clean(typed.get("first_name_th")) == clean(person.first_name_th)
        and clean(typed.get("last_name_th")) == clean(person.last_name_th)
        and typed.get("date_of_birth") == person.date_of_birth
    )


def case_intake(*, by: User, person_data: dict[str, Any], case_data: dict[str, Any], officer: User | None = None) -> IntakeResult:
    """Register a released person (or find them by national ID) and open a case in the user's office.

    One person per national ID: a known ID gets the new case on the existing record. Another
    person with the same name and date of birth is a warning for the officer, not a refusal.
    """
    if not by.has_perm("cases.open_case") or by.office is None:
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
            # A known ID opens the case on the existing record only when the typed name and date of birth agree
            # with it: otherwise the officer would be shown someone else's record (name, phone) for a typo.
            if not same_person(person, person_data):
                raise ApplicationError(
                    _(
                        "This national ID is registered with another name or date of birth. Check the ID, the names "
                        "and the date of birth against the ID card."
                    ),
                    field="national_id",
                )
            open_case = person.cases.open().first()
            if open_case is not None:
                message: Any
                if by.has_perm("cases.read_case", open_case):
                    message = _("This person already has an open case (%(number)s). Close or complete it first.") % {
                        "number": open_case.number
                    }
                else:  # nothing about a case the user may not see: not its number, not its office
                    message = _(
                        "This person is under supervision elsewhere. A case is moved between offices by a transfer, "
                        "which your supervisor asks of the other office."
                    )
                raise ApplicationError(message, field="national_id")

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
