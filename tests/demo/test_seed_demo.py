"""``manage.py seed_demo``: the demo users, plausible and consistent cases, the plans and their
hand-offs (with the chained record), the appointments, the outcome model, the password, --if-empty."""

from __future__ import annotations

import math
import stat
from collections import Counter, defaultdict
from datetime import date, timedelta
from io import StringIO
from random import Random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django_fsm_log.models import StateLog

from rehab.audit.ledger import ledger_verify
from rehab.audit.models import TransactionEntry
from rehab.cases.models import (
    OPEN_STATES,
    Appointment,
    AppointmentState,
    Assessment,
    Case,
    CaseState,
    ContactNote,
    NeedDomain,
    Person,
    Reoffence,
)
from rehab.cases.selectors import caseload, mark_missed_recently
from rehab.core.validators import validate_national_id
from rehab.core.workdays import add_working_days
from rehab.demo import seeder as demo
from rehab.reference.models import PROBATION_UNIT, Role, ServiceOffer, User
from rehab.referrals.models import OPEN_HANDOFF_STATES, SERVICES_FOR_STAGE, Handoff, HandoffState, LedgerStep, Stage, StageState
from rehab.referrals.selectors import inbox_counts

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


# --- plans, hand-offs and the transaction record ---------------------------------------------

STAGE_OF = {
    HandoffState.SENT: StageState.REFERRED,
    HandoffState.ACCEPTED: StageState.IN_PROGRESS,
    HandoffState.COMPLETED: StageState.COMPLETED,
}


def test_stages_follow_their_hand_offs_as_the_services_keep_them(seeded):
    handoffs = list(Handoff.objects.select_related("case__office", "to_office", "stage").order_by("sent_at", "pk"))
    assert Counter(h.state for h in handoffs).keys() >= {
        HandoffState.SENT,
        HandoffState.ACCEPTED,
        HandoffState.COMPLETED,
        HandoffState.DECLINED,
        HandoffState.WITHDRAWN,
    }
    offered = set(ServiceOffer.objects.filter(active=True).values_list("office_id", "service"))
    by_stage = defaultdict(list)
    today = timezone.localdate()
    for handoff in handoffs:
        by_stage[handoff.stage_id].append(handoff)
        assert handoff.case_id == handoff.stage.case_id
        assert (handoff.to_office_id, handoff.service) in offered
        assert handoff.service in SERVICES_FOR_STAGE[handoff.stage.domain]
        assert handoff.to_office.province_id == handoff.case.office.province_id
        assert handoff.from_office_id == handoff.case.office_id
        assert handoff.sender_id == handoff.case.officer_id
        assert handoff.sent_at.date() <= handoff.respond_by <= handoff.complete_by
        assert handoff.sent_at <= timezone.now()
        if handoff.state == HandoffState.DECLINED:
            assert handoff.decline_reason and handoff.answered_by_id and handoff.closed_at
        if handoff.state == HandoffState.WITHDRAWN:
            assert handoff.withdraw_reason and handoff.closed_at
        if handoff.state == HandoffState.COMPLETED:
            assert handoff.outcome and handoff.answered_at <= handoff.closed_at
        if handoff.state in OPEN_HANDOFF_STATES:
            assert handoff.case.state in (CaseState.ASSESSMENT, CaseState.ACTIVE, CaseState.SUSPENDED)
            assert handoff.closed_at is None
    for stage in Stage.objects.all():
        history = by_stage.get(stage.pk, [])
        expected = STAGE_OF.get(history[-1].state, StageState.PLANNED) if history else StageState.PLANNED
        assert stage.state == expected, (stage.pk, [h.state for h in history])
        assert all(h.state not in OPEN_HANDOFF_STATES for h in history[:-1])  # earlier ones are closed
    overdue = [h for h in handoffs if h.overdue(today)]
    assert overdue and len(overdue) < len(handoffs) / 5  # a few


def test_every_step_is_in_the_chained_record_and_it_verifies(seeded):
    report = ledger_verify()
    assert report.ok, report.problem
    assert report.checked == TransactionEntry.objects.count() > 0
    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert "OK" in out.getvalue()
    steps = defaultdict(list)
    for handoff_id, step, actor_id in TransactionEntry.objects.order_by("id").values_list("subject_id", "step", "actor_id"):
        steps[handoff_id].append((step, actor_id))
    staff_offices = dict(User.objects.filter(role=Role.AGENCY_STAFF).values_list("pk", "office_id"))
    for handoff in Handoff.objects.select_related("case"):
        chain = steps[handoff.pk]
        assert chain[0] == (LedgerStep.SENT, handoff.sender_id)
        transitions = [step for step, _actor in chain if step != LedgerStep.PROGRESS]
        assert transitions[-1] == handoff.state  # a step is named after the state it leads to
        for step, actor in chain:
            if step in (LedgerStep.ACCEPTED, LedgerStep.DECLINED, LedgerStep.COMPLETED):
                assert staff_offices.get(actor) == handoff.to_office_id  # answered by the receiving office


def test_a_second_seed_extends_the_chain(seeded):
    before = TransactionEntry.objects.count()
    call_command("seed_demo", people=40, seed=8, stdout=StringIO())
    assert TransactionEntry.objects.count() > before
    assert ledger_verify().ok


def test_the_agency_user_finds_a_useful_inbox(seeded, client):
    agency = User.objects.get(username="agency")
    assert agency.is_office_head and agency.office is not None and agency.office.code == "employment-10"
    busiest = Counter(Handoff.objects.filter(to_office__province_id="10").values_list("to_office_id", flat=True))
    assert busiest.most_common(1)[0][0] == agency.office_id
    counts = inbox_counts(user=agency)
    assert counts["new"] >= 2 and counts["overdue"] >= 1 and counts["accepted"] >= 2
    done = Handoff.objects.filter(to_office=agency.office, state__in=[HandoffState.COMPLETED, HandoffState.DECLINED])
    assert done.count() >= 2
    client.force_login(agency)
    for tab in ("new", "overdue", "accepted", "done"):
        response = client.get(f"/inbox/?tab={tab}")
        assert response.status_code == 200
        assert "HO-" in response.content.decode()
    assert agency.notifications.filter(read_at__isnull=True).exists()


def test_the_demo_officer_sees_hand_offs_in_the_case_timeline(seeded):
    from rehab.cases.selectors import case_timeline

    officer = User.objects.get(username="officer")
    case = Case.objects.filter(officer=officer, handoffs__isnull=False).first()
    assert case is not None
    kinds = {entry.kind for entry in case_timeline(case=case)}
    assert {"handoff", "stage"} <= kinds


# --- appointments -----------------------------------------------------------------------------


def test_appointments_past_and_coming(seeded):
    now = timezone.now()
    states = Counter(Appointment.objects.values_list("state", flat=True))
    assert states[AppointmentState.ATTENDED] > states[AppointmentState.MISSED] > states[AppointmentState.CANCELLED] > 0
    assert states[AppointmentState.SCHEDULED] > 0
    assert not Appointment.objects.filter(state=AppointmentState.SCHEDULED, starts_at__lt=now).exists()
    assert not Appointment.objects.exclude(state=AppointmentState.SCHEDULED).filter(starts_at__gt=now).exists()
    assert not Appointment.objects.filter(state=AppointmentState.SCHEDULED).exclude(case__state__in=OPEN_STATES).exists()
    officer = User.objects.get(username="officer")
    soon = Appointment.objects.filter(
        case__officer=officer, state=AppointmentState.SCHEDULED, starts_at__lt=now + timedelta(days=10)
    )
    assert soon.count() >= 3
    flagged = [case for case in mark_missed_recently(list(caseload(user=officer))) if case.missed_recently]  # type: ignore[attr-defined]
    assert flagged and len(flagged) < 20
    # Nothing is dated after a new offence that ended the case (the facts come before the outcome).
    for case_id, offence_date in Reoffence.objects.values_list("case_id", "offence_date"):
        latest = Appointment.objects.filter(case_id=case_id).order_by("-starts_at").values_list("starts_at", flat=True).first()
        assert latest is None or timezone.localtime(latest).date() < offence_date


# --- the outcome model (pure: many people, no database) ----------------------------------------


@pytest.fixture(scope="module")
def simulated():
    districts = {"10": ["1001", "1002"], "30": ["3001"], "50": ["5001"], "90": ["9001"]}
    sim = demo.Simulator(Random(11), now=timezone.now(), districts=districts)
    cases = []
    for _ in range(12_000):
        person = sim.person()
        sim.history(person)
        cases.extend(person.cases)
    return sim, cases


def test_reoffending_follows_the_thai_cohort_curve(simulated):
    sim, cases = simulated
    for years, target in ((1, 0.15), (2, 0.24)):
        horizon = 365 * years
        followed = [c for c in cases if c.release >= sim.window_start and c.release + horizon <= sim.today - 45]
        share = sum(c.reoffence_day is not None and c.reoffence_day - c.release <= horizon for c in followed) / len(followed)
        assert abs(share - target) < 0.025, (years, share)


def test_missed_appointments_come_before_more_reoffending(simulated):
    """As a risk model sees it: on each appointment day, the appointments missed in the last 60 days
    against a new offence in the next 90."""
    sim, cases = simulated
    outcomes: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for case in cases:
        missed: list[int] = []
        for ts, _kind, state, _note in case.appointments:
            day = ts // demo.DAY
            if state == AppointmentState.MISSED:
                missed.append(day)
            if state not in (AppointmentState.MISSED, AppointmentState.ATTENDED) or day + 90 > sim.today - 45:
                continue
            recent = min(2, sum(1 for m in missed if day - 60 < m <= day))
            offended = case.reoffence_day is not None and day < case.reoffence_day <= day + 90
            outcomes[recent][0] += 1
            outcomes[recent][1] += offended
    rates = [outcomes[k][1] / outcomes[k][0] for k in (0, 1, 2)]
    assert min(outcomes[k][0] for k in (0, 1, 2)) > 200
    assert rates[0] < rates[1] < rates[2], rates


def test_a_job_comes_before_less_reoffending(simulated):
    sim, cases = simulated
    placed, not_placed = [0, 0], [0, 0]
    for case in cases:
        if case.legacy or case.release + 365 > sim.today - 45:
            continue
        job = min(
            (
                h.steps[-1][0] // demo.DAY
                for stage in case.stages
                for h in stage.handoffs
                if h.steps[-1][1] == LedgerStep.COMPLETED and h.steps[-1][3] == "placed"
            ),
            default=None,
        )
        if job is None:
            group = not_placed
        elif job - case.release <= 120:
            group = placed
        else:
            continue  # placed later: not comparable
        if case.reoffence_day is not None and case.reoffence_day - case.release <= 120:
            continue  # reoffended before a job could count
        group[0] += 1
        group[1] += case.reoffence_day is not None and case.reoffence_day - case.release <= 365
    assert placed[0] > 200
    assert placed[1] / placed[0] < not_placed[1] / not_placed[0]


def test_the_hazard_is_calibrated_and_documented():
    # With everyone alike the calibrated hazard gives the cohort curve exactly.
    hazard = demo.Hazard.calibrate([demo.Hazard.segments(0.0, [], None, None)] * 10)
    total = 0.0
    for rate, (start, _), (stop, share) in zip(hazard.rates, demo.REOFFENCE_CURVE, demo.REOFFENCE_CURVE[1:], strict=False):
        total += rate * (stop - start)
        assert abs(1 - math.exp(-total) - share) < 1e-6
    assert demo.Hazard.__doc__ and "exp(" in demo.Hazard.__doc__


def test_deadlines_are_the_services_working_days():
    holidays = [date(2026, 1, 1), date(2026, 4, 13), date(2026, 4, 14), date(2026, 4, 15)]
    sim = demo.Simulator(Random(1), now=timezone.now(), districts={"10": ["1001"]}, holidays=holidays)
    start = date(2025, 12, 20).toordinal()
    for day in range(start, start + 150, 3):
        for days in (0, 1, 3, 5, 30, 60):
            expected = add_working_days(date.fromordinal(day), days, holidays)
            assert sim.deadline(day, days) == expected.toordinal()
