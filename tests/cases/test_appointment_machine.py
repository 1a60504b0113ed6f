"""The appointment machine, exhaustively and through its service (``appointment_mark``): every state ×
every mark. Only the declared edges succeed, each success leaves exactly one log row with the actor
and the note, and every refusal says why and leaves the appointment and its log untouched. Whoever
neither works on the case nor staffs the office that holds the appointment is refused every edge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from rehab.cases.models import Appointment, AppointmentState, Case, CaseState
from rehab.cases.services import appointment_mark
from rehab.core.errors import ApplicationError, Conflict
from rehab.reference.models import Office, Role, User
from tests.factories import make_case, make_user, partner_office

pytestmark = pytest.mark.django_db

MARKS = ("attend", "miss", "cancel")
# Written out by hand from the design, independently of the code under test.
DECLARED = {
    ("scheduled", "attend"): "attended",
    ("scheduled", "miss"): "missed",
    ("scheduled", "cancel"): "cancelled",
}


@pytest.fixture
def people(officer, colleague, supervisor, other_supervisor, employment_staff, other_agency_staff, other_roles, admin_user):
    return {
        "officer": officer,
        "colleague": colleague,
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "employment_staff": employment_staff,
        "other_agency_staff": other_agency_staff,
        "manager": other_roles[Role.MANAGER],
        "auditor": other_roles[Role.AUDITOR],
        "employer": other_roles[Role.EMPLOYER],
        "agency_staff_without_office": other_roles[Role.AGENCY_STAFF],
        "admin": admin_user,
    }


def make_appointment(case: Case, state: str, *, office: Office | None = None) -> Appointment:
    """An appointment whose time has come (so that attend and miss are possible), created in ``state``."""
    return Appointment.objects.create(
        case=case,
        office=office or case.office,
        kind="report_in",
        starts_at=timezone.now() - timedelta(hours=1),
        state=state,
        created_by=case.officer or make_user(Role.OFFICER),
    )


def note_for(mark: str) -> str:
    return f"{mark}: มาตามนัด / note"


def _logs(appointment: Appointment):
    return StateLog.objects.for_(appointment)


def _assert_refused(error: pytest.ExceptionInfo[ApplicationError]) -> None:
    message = str(error.value)
    assert message.strip(), "a refusal says why"
    assert "Can't switch" not in message and "TransitionNotAllowed" not in message


@pytest.mark.parametrize("state", AppointmentState.values)
@pytest.mark.parametrize("mark", MARKS)
def test_only_declared_edges_succeed_and_each_success_logs_once(state, mark, officer):
    # The case's own officer may take every mark and the appointment's time has come: this isolates the edges.
    appointment = make_appointment(make_case(officer=officer, state=CaseState.ACTIVE), state)

    if (state, mark) in DECLARED:
        target = DECLARED[(state, mark)]
        result = appointment_mark(appointment_id=appointment.pk, by=officer, mark=mark, note=note_for(mark))
        assert result.state == target
        assert Appointment.objects.get(pk=appointment.pk).state == target
        [log] = _logs(appointment)
        assert (log.source_state, log.state, log.transition, log.by) == (state, target, mark, officer)
        assert log.description == note_for(mark)
    else:
        with pytest.raises(ApplicationError) as error:
            appointment_mark(appointment_id=appointment.pk, by=officer, mark=mark, note=note_for(mark))
        _assert_refused(error)
        assert Appointment.objects.get(pk=appointment.pk).state == state
        assert not _logs(appointment).exists()


def test_the_declared_edges_are_exactly_the_machines_edges():
    field = Appointment._meta.get_field("state")
    edges = {(t.source, t.name, t.target) for t in field.get_all_transitions(Appointment)}
    assert edges == {(source, name, target) for (source, name), target in DECLARED.items()}
    assert set(MARKS) == {name for _, name in DECLARED}


# Who may mark: at the case's office, its officer or supervisor; at a partner office, that office's staff too.
ALLOWED = [("officer", "probation"), ("supervisor", "probation"), ("officer", "partner"), ("employment_staff", "partner")]


@pytest.mark.parametrize(("who", "held_at"), ALLOWED)
@pytest.mark.parametrize(("state", "mark"), list(DECLARED))
def test_everyone_allowed_takes_each_declared_edge(state, mark, who, held_at, people, officer):
    office = partner_office("employment", "10") if held_at == "partner" else None
    appointment = make_appointment(make_case(officer=officer, state=CaseState.ACTIVE), state, office=office)
    appointment_mark(appointment_id=appointment.pk, by=people[who], mark=mark, note=note_for(mark))
    [log] = _logs(appointment)
    assert (log.state, log.by) == (DECLARED[(state, mark)], people[who])


# Nobody else: another officer of the same office, another office's supervisor, staff of a partner office
# that does not hold the appointment, and the roles that do no case work.
WRONG = [
    "colleague",
    "other_supervisor",
    "employment_staff",
    "other_agency_staff",
    "agency_staff_without_office",
    "manager",
    "auditor",
    "employer",
    "admin",  # a superuser too: the flag grants nothing
]


@pytest.mark.parametrize("who", WRONG)
@pytest.mark.parametrize(("state", "mark"), list(DECLARED))
def test_a_user_of_the_wrong_role_or_office_is_refused_each_declared_edge(state, mark, who, people, officer):
    appointment = make_appointment(make_case(officer=officer, state=CaseState.ACTIVE), state)
    user: User = people[who]
    with pytest.raises(ApplicationError, match=r"^Only ") as error:
        appointment_mark(appointment_id=appointment.pk, by=user, mark=mark, note=note_for(mark))
    assert not isinstance(error.value, Conflict)
    assert Appointment.objects.get(pk=appointment.pk).state == state
    assert not _logs(appointment).exists()


def test_staff_of_another_partner_office_cannot_mark_an_appointment_held_elsewhere(people, officer):
    appointment = make_appointment(
        make_case(officer=officer, state=CaseState.ACTIVE), "scheduled", office=partner_office("employment", "10")
    )
    with pytest.raises(ApplicationError, match=r"^Only "):
        appointment_mark(appointment_id=appointment.pk, by=people["other_agency_staff"], mark="attend")
    assert Appointment.objects.get(pk=appointment.pk).state == AppointmentState.SCHEDULED
    assert not _logs(appointment).exists()


def test_state_cannot_be_assigned_directly(officer):
    appointment = make_appointment(make_case(officer=officer, state=CaseState.ACTIVE), "scheduled")
    with pytest.raises(AttributeError):
        appointment.state = AppointmentState.ATTENDED
