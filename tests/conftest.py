"""Shared personas: an officer and a colleague in the Bangkok probation office, their supervisor,
a supervisor of another office, and one user of each other role."""

from __future__ import annotations

import pytest

from rehab.reference.models import Role, User
from tests.factories import make_user, probation_office


@pytest.fixture
def office(db):
    return probation_office("10")


@pytest.fixture
def other_office(db):
    return probation_office("50")


@pytest.fixture
def officer(office) -> User:
    return make_user(Role.OFFICER, office=office, username="officer_a", first_name="Anong", last_name="Officer")


@pytest.fixture
def colleague(office) -> User:
    return make_user(Role.OFFICER, office=office, username="officer_b", first_name="Boon", last_name="Colleague")


@pytest.fixture
def supervisor(office) -> User:
    return make_user(Role.SUPERVISOR, office=office, username="supervisor_a")


@pytest.fixture
def other_supervisor(other_office) -> User:
    return make_user(Role.SUPERVISOR, office=other_office, username="supervisor_cm")


@pytest.fixture
def other_roles(db) -> dict[str, User]:
    return {
        role: make_user(role, username=f"{role}_x") for role in (Role.AGENCY_STAFF, Role.EMPLOYER, Role.MANAGER, Role.AUDITOR)
    }


@pytest.fixture
def admin_user(db) -> User:
    return make_user(Role.ADMIN, username="admin_x", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _english_by_default(request, settings):
    """Tests read messages in English unless they ask for Thai (the service's default language):
    services through the active language, pages through the language cookie."""
    from django.utils import translation

    with translation.override("en"):
        if "client" in request.fixturenames:
            request.getfixturevalue("client").cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        yield


@pytest.fixture
def employment_staff(db) -> User:
    """Staff of the Bangkok employment office, its head."""
    from tests.factories import partner_office

    return make_user(
        Role.AGENCY_STAFF,
        office=partner_office("employment", "10"),
        username="jobs_bkk",
        is_office_head=True,
        email="jobs-head@example.go.th",
    )


@pytest.fixture
def other_agency_staff(db) -> User:
    from tests.factories import partner_office

    return make_user(Role.AGENCY_STAFF, office=partner_office("employment", "50"), username="jobs_cm")
