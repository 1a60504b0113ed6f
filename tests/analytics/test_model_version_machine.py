"""The risk-model version machine, exhaustively and through its services: every status × every action.

``approve`` and ``reject`` are ``model_approve`` and ``model_reject`` on the version. ``retire`` has no
service of its own: the version in service retires when a manager approves another one (also when rolling
back to a retired version), so the retire action here is "a manager approves a fresh candidate". That
action is never refused (it acts on the other version); on a version that is not in service it must
simply leave it alone. Only the declared edges change a version, each leaves exactly one log row with the
actor and the note, every refusal says why and leaves the version and its log untouched, a version that
fails its quality checks is never approved, and nobody but a manager decides."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from django_fsm_log.models import StateLog

from analytics.models import ModelStatus, RiskModelVersion
from analytics.services import model_approve, model_in_service, model_reject
from rehab.core.errors import ApplicationError, Conflict
from rehab.reference.models import Role, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ACTIONS = ("approve", "reject", "retire")
# Written out by hand from the design, independently of the code under test.
DECLARED = {
    ("candidate", "approve"): "approved",
    ("candidate", "reject"): "rejected",
    ("approved", "retire"): "retired",
    ("retired", "approve"): "approved",  # roll back
}


_numbers = itertools.count(1)


def make_version(status: str, **fields: Any) -> RiskModelVersion:
    """A version in ``status`` with a token artifact: the machine never reads it."""
    defaults: dict[str, Any] = {
        "kind": "logistic",
        "horizon_days": 365,
        "data_from": date(2023, 1, 1),
        "data_to": date(2025, 12, 31),
        "rows": 1000,
        "artifact": b"model",
        "artifact_sha256": "0" * 64,
        "thresholds": {"medium": 0.2, "high": 0.4},
        "metrics": {"auc": 0.72, "ece": 0.02, "n": 500},
    }
    defaults.update(fields)
    return RiskModelVersion.objects.create(version=next(_numbers) + 20_000, status=status, **defaults)


FAILING = {"metrics": {"auc": 0.58, "ece": 0.02, "n": 500}, "quality_failures": ["AUC 0.580 is below the minimum 0.65"]}


@pytest.fixture
def manager(db) -> User:
    return make_user(Role.MANAGER, username="manager_m")


@pytest.fixture
def people(officer, supervisor, other_supervisor, employment_staff, other_roles, admin_user):
    return {
        "officer": officer,
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "employment_staff": employment_staff,
        "auditor": other_roles[Role.AUDITOR],
        "employer": other_roles[Role.EMPLOYER],
        "agency_staff_without_office": other_roles[Role.AGENCY_STAFF],
        "admin": admin_user,
    }


def note_for(action: str) -> str:
    return f"{action}: reviewed the model card"


def _take(version: RiskModelVersion, action: str, by: User) -> RiskModelVersion:
    if action == "approve":
        return model_approve(version_id=version.pk, by=by, note=note_for(action))
    if action == "reject":
        return model_reject(version_id=version.pk, by=by, note=note_for(action))
    successor = make_version(ModelStatus.CANDIDATE)
    model_approve(version_id=successor.pk, by=by, note=note_for(action))
    return RiskModelVersion.objects.get(pk=version.pk)


def _logs(version: RiskModelVersion):
    return StateLog.objects.for_(version)


def _assert_refused(error: pytest.ExceptionInfo[ApplicationError]) -> None:
    message = str(error.value)
    assert message.strip(), "a refusal says why"
    assert "Can't switch" not in message and "TransitionNotAllowed" not in message


@pytest.mark.parametrize("state", ModelStatus.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_only_declared_edges_succeed_and_each_success_logs_once(state, action, manager):
    version = make_version(state)

    if (state, action) in DECLARED:
        target = DECLARED[(state, action)]
        result = _take(version, action, manager)
        assert result.status == target
        assert RiskModelVersion.objects.get(pk=version.pk).status == target
        [log] = _logs(version)
        assert (log.source_state, log.state, log.transition, log.by) == (state, target, action, manager)
        if action == "retire":
            successor = model_in_service()
            assert successor is not None and successor.pk != version.pk
            assert log.description == f"replaced by v{successor.version}"
        else:
            assert log.description == note_for(action)
    elif action == "retire":
        # Approving another version leaves one that is not in service as it is.
        assert _take(version, action, manager).status == state
        assert not _logs(version).exists()
    else:
        with pytest.raises(ApplicationError) as error:
            _take(version, action, manager)
        _assert_refused(error)
        assert RiskModelVersion.objects.get(pk=version.pk).status == state
        assert not _logs(version).exists()


def test_the_declared_edges_are_exactly_the_machines_edges():
    field = RiskModelVersion._meta.get_field("status")
    edges = {(t.source, t.name, t.target) for t in field.get_all_transitions(RiskModelVersion)}
    assert edges == {(source, name, target) for (source, name), target in DECLARED.items()}
    assert set(ACTIONS) == {name for _, name in DECLARED}


def test_rolling_back_retires_the_version_in_service_and_logs_both(manager):
    old, current = make_version(ModelStatus.RETIRED), make_version(ModelStatus.APPROVED)
    model_approve(version_id=old.pk, by=manager, note="roll back")
    [back] = _logs(old)
    [retired] = _logs(current)
    assert (back.source_state, back.state, back.by, back.description) == ("retired", "approved", manager, "roll back")
    assert (retired.source_state, retired.state, retired.by) == ("approved", "retired", manager)
    assert retired.description == f"replaced by v{old.version}"
    assert model_in_service() == old


@pytest.mark.parametrize("state", ["candidate", "retired"])
def test_a_version_that_fails_its_quality_checks_is_never_approved(state, manager):
    version = make_version(state, **FAILING)
    in_service = make_version(ModelStatus.APPROVED)
    with pytest.raises(ApplicationError, match=r"quality checks") as error:
        model_approve(version_id=version.pk, by=manager, note="approve anyway")
    _assert_refused(error)
    assert RiskModelVersion.objects.get(pk=version.pk).status == state
    assert model_in_service() == in_service
    assert not _logs(version).exists() and not _logs(in_service).exists()


def test_a_version_that_fails_its_quality_checks_can_still_be_rejected(manager):
    version = make_version(ModelStatus.CANDIDATE, **FAILING)
    assert model_reject(version_id=version.pk, by=manager, note="AUC too low").status == ModelStatus.REJECTED
    [log] = _logs(version)
    assert (log.state, log.by, log.description) == ("rejected", manager, "AUC too low")


WRONG = [
    "officer",
    "supervisor",
    "other_supervisor",
    "employment_staff",
    "agency_staff_without_office",
    "auditor",
    "employer",
    "admin",  # a superuser too: the flag grants nothing
]


@pytest.mark.parametrize("who", WRONG)
@pytest.mark.parametrize(("state", "action"), list(DECLARED))
def test_a_user_of_the_wrong_role_is_refused_each_declared_edge(state, action, who, people):
    version = make_version(state)
    with pytest.raises(ApplicationError, match=r"^Only a manager") as error:
        _take(version, action, people[who])
    assert not isinstance(error.value, Conflict)
    assert RiskModelVersion.objects.get(pk=version.pk).status == state
    assert not _logs(version).exists()
    assert not StateLog.objects.filter(content_type__model="riskmodelversion").exists()


def test_status_cannot_be_assigned_directly():
    version = make_version(ModelStatus.CANDIDATE)
    with pytest.raises(AttributeError):
        version.status = ModelStatus.APPROVED
