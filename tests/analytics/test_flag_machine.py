"""The risk-flag machine, exhaustively and through its services (``flag_acknowledge``, ``flag_override``,
``flag_resolve``): every state × every action. Only the declared edges succeed, each success leaves
exactly one log row with the actor and the reason and leaves the case as it was (a flag never changes a
case by itself), and every refusal says why and leaves the flag and its log untouched. Whoever does not
work on the case is refused every edge."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from analytics.models import FlagState, RiskFlag, RiskModelVersion, RiskScore
from analytics.services import flag_acknowledge, flag_override, flag_resolve
from rehab.cases.models import Case, CaseState
from rehab.core.errors import ApplicationError, Conflict
from rehab.reference.models import Role, User
from tests.factories import make_case

pytestmark = pytest.mark.django_db

ACTIONS = ("acknowledge", "override", "resolve")
# Written out by hand from the design, independently of the code under test.
DECLARED = {
    ("raised", "acknowledge"): "acknowledged",
    ("acknowledged", "resolve"): "resolved",
    ("raised", "override"): "overridden",
}


_versions = itertools.count(1)


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


def make_flag(officer: User, state: str) -> RiskFlag:
    """A flag in ``state`` on a new active case of the officer's, raised by a score of a cheap model version."""
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    version = RiskModelVersion.objects.create(
        version=next(_versions) + 10_000,
        kind="logistic",
        horizon_days=365,
        data_from=date(2023, 1, 1),
        data_to=date(2025, 12, 31),
        rows=1000,
        artifact=b"model",
        artifact_sha256="0" * 64,
        thresholds={"medium": 0.2, "high": 0.4},
    )
    score = RiskScore.objects.create(
        case=case, model_version=version, as_of=timezone.localdate(), probability=0.6, tier="high", features_sha256="1" * 64
    )
    return RiskFlag.objects.create(case=case, score=score, previous_tier="medium", state=state)


def reason_for(action: str) -> str:
    return f"{action}: เยี่ยมบ้านแล้ว อาการคงที่"


def _take(flag: RiskFlag, action: str, by: User) -> RiskFlag:
    if action == "acknowledge":
        return flag_acknowledge(flag_id=flag.pk, by=by, action="home_visit", note=reason_for(action))
    if action == "override":
        return flag_override(flag_id=flag.pk, by=by, reason=reason_for(action))
    return flag_resolve(flag_id=flag.pk, by=by, note=reason_for(action))


def _logs(flag: RiskFlag):
    return StateLog.objects.for_(flag)


def _case_as_it_is(flag: RiskFlag) -> tuple[str, int, int | None]:
    case = Case.objects.get(pk=flag.case_id)
    return case.state, case.version, case.officer_id


def _assert_refused(error: pytest.ExceptionInfo[ApplicationError]) -> None:
    message = str(error.value)
    assert message.strip(), "a refusal says why"
    assert "Can't switch" not in message and "TransitionNotAllowed" not in message


@pytest.mark.parametrize("state", FlagState.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_only_declared_edges_succeed_and_each_success_logs_once(state, action, officer):
    # The case's own officer may act on its flag: this isolates the edges.
    flag = make_flag(officer, state)
    case_before = _case_as_it_is(flag)

    if (state, action) in DECLARED:
        target = DECLARED[(state, action)]
        result = _take(flag, action, officer)
        assert result.state == target
        assert RiskFlag.objects.get(pk=flag.pk).state == target
        [log] = _logs(flag)
        assert (log.source_state, log.state, log.transition, log.by) == (state, target, action, officer)
        assert log.description == reason_for(action)
    else:
        with pytest.raises(ApplicationError) as error:
            _take(flag, action, officer)
        _assert_refused(error)
        assert RiskFlag.objects.get(pk=flag.pk).state == state
        assert not _logs(flag).exists()
    assert _case_as_it_is(flag) == case_before


def test_the_declared_edges_are_exactly_the_machines_edges():
    field = RiskFlag._meta.get_field("state")
    edges = {(t.source, t.name, t.target) for t in field.get_all_transitions(RiskFlag)}
    assert edges == {(source, name, target) for (source, name), target in DECLARED.items()}
    assert set(ACTIONS) == {name for _, name in DECLARED}


@pytest.mark.parametrize("who", ["officer", "supervisor"])
@pytest.mark.parametrize(("state", "action"), list(DECLARED))
def test_the_officer_and_the_supervisor_take_each_declared_edge(state, action, who, people, officer):
    flag = make_flag(officer, state)
    _take(flag, action, people[who])
    [log] = _logs(flag)
    assert (log.state, log.by) == (DECLARED[(state, action)], people[who])


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
@pytest.mark.parametrize(("state", "action"), list(DECLARED))
def test_a_user_of_the_wrong_role_or_office_is_refused_each_declared_edge(state, action, who, people, officer):
    flag = make_flag(officer, state)
    with pytest.raises(ApplicationError, match=r"^Only ") as error:
        _take(flag, action, people[who])
    assert not isinstance(error.value, Conflict)
    assert RiskFlag.objects.get(pk=flag.pk).state == state
    assert not _logs(flag).exists()


def test_state_cannot_be_assigned_directly(officer):
    flag = make_flag(officer, "raised")
    with pytest.raises(AttributeError):
        flag.state = FlagState.RESOLVED
