"""``manage.py seed_demo``: the demo users, plausible and consistent cases, the password, --if-empty."""

from __future__ import annotations

import stat
from collections import Counter
from io import StringIO
from random import Random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django_fsm_log.models import StateLog

from rehab import demo
from rehab.models import (
    OPEN_STATES,
    PROBATION_UNIT,
    Assessment,
    Case,
    CaseState,
    ContactNote,
    NeedDomain,
    Person,
    Reoffence,
    Role,
    User,
)
from rehab.validators import validate_national_id

pytestmark = pytest.mark.django_db

PASSWORD = "a-demo-test-password"
PEOPLE = 300


@pytest.fixture
def password_file(monkeypatch, tmp_path):
    path = tmp_path / "demo_password"
    monkeypatch.setattr(demo, "DEMO_PASSWORD_FILE", path)
    return path


@pytest.fixture
def seeded(monkeypatch, password_file) -> str:
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    out = StringIO()
    call_command("seed_demo", people=PEOPLE, seed=7, stdout=out)
    return out.getvalue()


def test_the_demo_users_exist_with_their_roles_offices_and_the_password(seeded):
    users = {u.username: u for u in User.objects.select_related("office")}
    expected = {
        "officer": Role.OFFICER,
        "supervisor": Role.SUPERVISOR,
        "agency": Role.AGENCY_STAFF,
        "employer": Role.EMPLOYER,
        "manager": Role.MANAGER,
        "auditor": Role.AUDITOR,
        "admin": Role.ADMIN,
    }
    for username, role in expected.items():
        assert users[username].role == role
        assert users[username].check_password(PASSWORD)
        assert users[username].first_name and users[username].last_name
    officer_office, agency_office = users["officer"].office, users["agency"].office
    assert officer_office is not None and agency_office is not None
    assert officer_office.code == "probation-10"
    assert users["supervisor"].office_id == users["officer"].office_id
    assert agency_office.unit_id != PROBATION_UNIT
    assert agency_office.province_id == "10"
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert not users["officer"].is_staff
    assert "officer2" in users
    assert PASSWORD in seeded and "officer" in seeded and "supervisor" in seeded


def test_people_and_cases_are_valid_and_plausible(seeded):
    people = Person.objects.count()
    assert people == PEOPLE
    for national_id in Person.objects.values_list("national_id", flat=True):
        validate_national_id(national_id)
    assert Person.objects.filter(first_name_th__regex=r"^[\u0E00-\u0E7F]+$").count() == people
    assert Person.objects.exclude(first_name_en="").exists()

    cases = list(Case.objects.select_related("person"))
    assert 1.2 * people <= len(cases) <= 1.8 * people
    assert {case.state for case in cases} <= set(CaseState.values)
    assert Counter(case.state for case in cases).keys() >= {CaseState.ACTIVE, CaseState.COMPLETED, CaseState.REOFFENDED}
    open_per_person = Counter(case.person_id for case in cases if case.state in OPEN_STATES)
    assert max(open_per_person.values()) == 1
    drugs = sum(case.offence_category == "drugs" for case in cases) / len(cases)
    assert 0.55 < drugs < 0.85
    today = timezone.localdate()
    for case in cases:
        assert case.supervision_end_date is not None and case.supervision_end_date >= case.release_date
        assert case.release_date <= today
        if case.release_date >= today.replace(year=today.year - 3):
            age = (case.release_date - case.person.date_of_birth).days / 365.25
            assert 18 <= age <= 70  # 18-65 at the first release; a later release can come a few years on


def test_ended_cases_carry_their_reasons(seeded):
    reoffended = Case.objects.filter(state=CaseState.REOFFENDED)
    assert reoffended.exists()
    for case in reoffended:
        assert case.reoffences.filter(offence_date__gt=case.release_date).exists()
    for reoffence in Reoffence.objects.select_related("case"):
        assert reoffence.offence_date > reoffence.case.release_date
    assert not Case.objects.filter(state=CaseState.CLOSED, closure_reason="").exists()
    assert not Case.objects.exclude(state=CaseState.CLOSED).exclude(closure_reason="").exists()


def test_the_officer_has_about_forty_cases_with_rich_histories(seeded):
    officer = User.objects.get(username="officer")
    cases = list(officer.caseload.all())
    assert 35 <= len(cases) <= 50
    assert {case.state for case in cases} == set(CaseState.values)
    case_type = ContentType.objects.get_for_model(Case)
    for case in cases:
        logs = list(StateLog.objects.filter(content_type=case_type, object_id=case.pk).order_by("timestamp", "pk"))
        state = CaseState.INTAKE
        for log in logs:
            assert log.source_state == state
            assert log.description
            assert log.by_id is not None
            state = log.state
        assert state == case.state
        assert [log.timestamp for log in logs] == sorted(log.timestamp for log in logs)
        if case.state != CaseState.INTAKE and logs[0].transition == "start_assessment":
            assessment = case.assessments.get()
            assert assessment.needs.count() == len(NeedDomain.values)
        if case.state == CaseState.ACTIVE:
            assert case.assessments.get().finished_at is not None
            assert case.notes.exists()
        latest = case.notes.aggregate(latest=Max("contacted_at"))["latest"]
        assert case.last_contact_at == latest
    assert ContactNote.objects.filter(case__officer=officer, text__contains="รายงานตัว").exists()


def test_histories_and_officers_everywhere(seeded):
    assert not ContactNote.objects.filter(contacted_at__gt=timezone.now()).exists()
    assert Assessment.objects.annotate(n=Count("needs")).exclude(n=len(NeedDomain.values)).count() == 0
    mismatched = Case.objects.annotate(latest=Max("notes__contacted_at")).exclude(
        Q(latest__isnull=True, last_contact_at__isnull=True) | Q(latest=F("last_contact_at"))
    )
    assert not mismatched.exists()
    offices = set(Case.objects.values_list("office_id", flat=True))
    for role in (Role.OFFICER, Role.SUPERVISOR):
        staffed = set(User.objects.filter(role=role).values_list("office_id", flat=True))
        assert offices <= staffed
    assert not Case.objects.filter(officer__isnull=True).exists()
    loads = Counter(Case.objects.filter(state__in=OPEN_STATES).values_list("officer_id", flat=True))
    assert max(loads.values()) <= demo.OPEN_CASES_PER_OFFICER


def test_if_empty_does_nothing_the_second_time(seeded):
    counts = (Person.objects.count(), Case.objects.count(), User.objects.count(), ContactNote.objects.count())
    out = StringIO()
    call_command("seed_demo", if_empty=True, people=PEOPLE, stdout=out)
    assert (Person.objects.count(), Case.objects.count(), User.objects.count(), ContactNote.objects.count()) == counts
    assert "nothing to seed" in out.getvalue()
    assert PASSWORD in out.getvalue()


def test_a_generated_password_is_saved_privately_and_reused(monkeypatch, password_file):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    first = StringIO()
    call_command("seed_demo", people=20, seed=1, stdout=first)
    saved = password_file.read_text().strip()
    assert len(saved) >= 12
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert User.objects.get(username="officer").check_password(saved)
    assert saved in first.getvalue()
    again = StringIO()
    call_command("seed_demo", if_empty=True, stdout=again)
    assert saved in again.getvalue()
    assert password_file.read_text().strip() == saved


def test_the_same_seed_draws_the_same_people():
    districts = {"10": ["1001", "1002"], "50": ["5001"]}
    now = timezone.now()

    def draw() -> list[tuple]:
        sim = demo.Simulator(Random(42), now=now, districts=districts)
        people = []
        for _ in range(50):
            person = sim.person()
            sim.history(person)
            people.append((person.first_th, person.birth, [(c.release, c.state, c.reoffence_day) for c in person.cases]))
        return people

    assert draw() == draw()


def test_national_ids_are_valid_and_unique_for_every_serial():
    numbers = {demo.national_id(1, "1001", serial) for serial in range(1, 5_001)}
    assert len(numbers) == 5_000
    for number in list(numbers)[:500]:
        validate_national_id(number)
    assert demo.national_id(1, "1001", 7) != demo.national_id(3, "1001", 7)
