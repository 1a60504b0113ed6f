"""Governance of the risk model and of flags: a manager approves, a failing model cannot be approved,
the previous version stays for a roll-back, and a flag asks a person to decide without touching the case."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone, translation

from analytics.models import FlagState, ModelStatus, RiskFlag, RiskModelVersion, RiskScore
from analytics.services import flag_acknowledge, flag_override, flag_resolve, model_approve, model_in_service, model_reject
from rehab.cases.models import Case, CaseState
from rehab.core.errors import ApplicationError
from rehab.reference.models import Role
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db


def make_version(number: int, **fields) -> RiskModelVersion:
    defaults = {
        "kind": "logistic",
        "horizon_days": 365,
        "data_from": date(2023, 1, 1),
        "data_to": date(2025, 12, 31),
        "rows": 1000,
        "artifact": b"model",
        "artifact_sha256": "0" * 64,
        "thresholds": {"medium": 0.2, "high": 0.4},
    }
    defaults.update(fields)
    return RiskModelVersion.objects.create(version=number, **defaults)


@pytest.fixture
def manager(db):
    return make_user(Role.MANAGER)


def test_a_manager_approves_and_the_previous_version_retires_and_can_come_back(manager):
    first, second = make_version(1), make_version(2)
    model_approve(version_id=first.pk, by=manager)
    model_approve(version_id=second.pk, by=manager, note="better calibrated")
    assert RiskModelVersion.objects.get(pk=first.pk).status == ModelStatus.RETIRED
    assert model_in_service() == second
    model_approve(version_id=first.pk, by=manager, note="roll back")
    assert model_in_service() == first
    assert RiskModelVersion.objects.get(pk=second.pk).status == ModelStatus.RETIRED


def test_a_model_that_fails_its_quality_checks_cannot_be_approved(manager):
    failing = make_version(
        1, metrics={"auc": 0.58, "ece": 0.02, "n": 500}, quality_failures=["AUC 0.580 is below the minimum 0.65"]
    )
    with pytest.raises(ApplicationError, match=r"AUC 0\.580 is below the minimum 0\.65"):
        model_approve(version_id=failing.pk, by=manager)
    with translation.override("th"), pytest.raises(ApplicationError, match=r"AUC 0\.580 ต่ำกว่าเกณฑ์ขั้นต่ำ 0\.65"):
        model_approve(version_id=failing.pk, by=manager)
    assert model_in_service() is None


def test_only_a_manager_decides(officer, supervisor, manager):
    version = make_version(1)
    for user in (officer, supervisor):
        with pytest.raises(ApplicationError, match="manager"):
            model_approve(version_id=version.pk, by=user)
    with pytest.raises(ApplicationError):
        model_reject(version_id=version.pk, by=manager, note="")
    assert model_reject(version_id=version.pk, by=manager, note="trained on too little data").status == ModelStatus.REJECTED


@pytest.fixture
def flag(officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    version = make_version(1)
    score = RiskScore.objects.create(
        case=case, model_version=version, as_of=timezone.localdate(), probability=0.6, tier="high", features_sha256="1" * 64
    )
    return RiskFlag.objects.create(case=case, score=score, previous_tier="medium")


def test_acknowledging_needs_an_action_and_no_action_needs_a_reason(flag, officer):
    with pytest.raises(ApplicationError):
        flag_acknowledge(flag_id=flag.pk, by=officer, action="")
    with pytest.raises(ApplicationError) as error:
        flag_acknowledge(flag_id=flag.pk, by=officer, action="no_action", note=" ")
    assert error.value.field == "note"
    done = flag_acknowledge(flag_id=flag.pk, by=officer, action="home_visit", note="visited, stable")
    assert (done.state, done.action, done.acted_by) == (FlagState.ACKNOWLEDGED, "home_visit", officer)
    assert flag_resolve(flag_id=flag.pk, by=officer).state == FlagState.RESOLVED


def test_overriding_needs_a_reason_and_a_flag_never_changes_the_case(flag, officer):
    before = Case.objects.get(pk=flag.case_id)
    with pytest.raises(ApplicationError):
        flag_override(flag_id=flag.pk, by=officer, reason="")
    flag_override(flag_id=flag.pk, by=officer, reason="score reflects an old address; now stable with family")
    after = Case.objects.get(pk=flag.case_id)
    assert (after.state, after.version, after.officer_id) == (before.state, before.version, before.officer_id)
    with pytest.raises(ApplicationError, match="already dealt with"):
        flag_acknowledge(flag_id=flag.pk, by=officer, action="contact")


def test_another_officer_cannot_act_on_the_flag(flag, colleague):
    with pytest.raises(ApplicationError):
        flag_acknowledge(flag_id=flag.pk, by=colleague, action="contact")
    assert RiskFlag.objects.get(pk=flag.pk).state == FlagState.RAISED
