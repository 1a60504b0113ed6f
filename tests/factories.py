"""Small builders for test data. Each returns a saved row with sensible defaults."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from rehab.cases.models import Case, Person
from rehab.core.validators import national_id_check_digit
from rehab.reference.models import Office, Role, User

_counter = itertools.count(1)


_national_ids = itertools.count(random.randint(0, 10**9))


def valid_national_id(first_twelve: str | None = None) -> str:
    # A counter, not only randomness: hypothesis replays the random module's state between examples.
    digits = first_twelve or f"{random.randint(1, 8)}{next(_national_ids) % 10**11:011d}"
    return digits + str(national_id_check_digit(digits))


def probation_office(province_code: str = "10") -> Office:
    return Office.objects.get(code=f"probation-{province_code}")


def make_user(role: str = Role.OFFICER, *, office: Office | None = None, username: str | None = None, **extra: Any) -> User:
    n = next(_counter)
    if office is None and role in (Role.OFFICER, Role.SUPERVISOR):
        office = probation_office()
    user = User.objects.create_user(
        username=username or f"{role}{n}",
        password="a-good-test-password",
        role=role,
        office=office,
        first_name=extra.pop("first_name", f"{role.title()}"),
        last_name=extra.pop("last_name", str(n)),
        **extra,
    )
    return user


def make_person(**fields: Any) -> Person:
    n = next(_counter)
    defaults: dict[str, Any] = {
        "national_id": valid_national_id(),
        "first_name_th": f"สมชาย{n}",
        "last_name_th": "ใจดี",
        "date_of_birth": date(1990, 1, 1),
        "sex": "male",
    }
    defaults.update(fields)
    return Person.objects.create(**defaults)


def make_case(*, officer: User | None = None, office: Office | None = None, person: Person | None = None, **fields: Any) -> Case:
    today = timezone.localdate()
    defaults: dict[str, Any] = {
        "release_type": "parole",
        "release_date": today - timedelta(days=30),
        "offence_category": "drugs",
        "sentence_months": 36,
        "prior_convictions": 1,
        "supervision_end_date": today + timedelta(days=365),
    }
    defaults.update(fields)
    if office is None:
        office = officer.office if officer is not None and officer.office else probation_office()
    return Case.objects.create(person=person or make_person(), office=office, officer=officer, **defaults)


def partner_office(unit: str = "employment", province_code: str = "10") -> Office:
    return Office.objects.get(code=f"{unit}-{province_code}")


def make_stage(case: Case, *, domain: str = "employment", by: User | None = None, **fields: Any):
    from rehab.referrals.models import Stage

    return Stage.objects.create(
        case=case, domain=domain, goal=fields.pop("goal", "ได้งานทำ"), created_by=by or case.officer, **fields
    )


def offer(office: Office, service: str):
    from rehab.reference.models import ServiceOffer

    return ServiceOffer.objects.get(office=office, service=service)


def send_to_employment(officer: User, *, request: str = "หางาน", shared: tuple[str, ...] = ()):
    """A new active case of the officer's, handed off to the Bangkok employment office."""
    from rehab.cases.models import CaseState
    from rehab.referrals.services import handoff_send

    case = make_case(officer=officer, state=CaseState.ACTIVE)
    return handoff_send(
        stage_id=make_stage(case, by=officer).pk,
        offer_id=offer(partner_office(), "job_placement").pk,
        by=officer,
        request=request,
        shared=list(shared),
    )
