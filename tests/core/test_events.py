"""Domain events reach other apps after the transaction that caused them commits, and only then."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from rehab.cases.events import appointment_marked, assessment_finished, case_ending, case_state_changed, reoffence_recorded
from rehab.cases.models import Appointment, CaseState
from rehab.cases.services import NeedInput, appointment_mark, assessment_draft_get_or_start, assessment_save, case_transition
from rehab.core.events import DomainEvent
from rehab.referrals.events import handoff_stepped
from rehab.referrals.services import handoff_accept, handoff_complete
from tests.factories import make_case, send_to_employment


@pytest.fixture
def heard():
    """Every delivery of the events under test, as (event, facts), in order."""
    deliveries: list[tuple[str, dict[str, Any]]] = []
    receivers = {}
    for event in (case_state_changed, assessment_finished, appointment_marked, reoffence_recorded, handoff_stepped):

        def receiver(sender: Any, _name: str = event.name, **facts: Any) -> None:
            facts.pop("signal", None)
            deliveries.append((_name, facts))

        receivers[event] = receiver
        event.connect(receiver)
    yield deliveries
    for event, receiver in receivers.items():
        event.disconnect(receiver)


pytestmark = pytest.mark.django_db


def test_an_event_is_delivered_after_commit_and_never_for_a_rolled_back_change(django_capture_on_commit_callbacks):
    event = DomainEvent("test_event")
    got: list[dict[str, Any]] = []
    event.connect(lambda sender, **facts: got.append(facts), weak=False)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event.emit(None, value=1)
            assert got == []  # not yet: the transaction may still roll back
        with pytest.raises(RuntimeError), transaction.atomic():
            event.emit(None, value=2)
            raise RuntimeError("rolled back")
        assert got == []
    assert [facts["value"] for facts in got] == [1]


def test_a_failing_receiver_is_logged_and_neither_undoes_the_change_nor_stops_the_others(
    caplog, officer, django_capture_on_commit_callbacks
):
    event = DomainEvent("test_event")
    got: list[int] = []

    def broken(sender: Any, **facts: Any) -> None:
        raise ValueError("receiver bug")

    event.connect(broken, weak=False)
    event.connect(lambda sender, **facts: got.append(facts["value"]), weak=False)
    case = make_case(officer=officer)
    with caplog.at_level(logging.ERROR, logger="rehab.core.events"), django_capture_on_commit_callbacks(execute=True):
        case_transition(case_id=case.pk, name="start_assessment", by=officer)
        event.emit(None, value=7)
    assert got == [7]
    assert "receiver" in caplog.text and "test_event" in caplog.text
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSMENT


def test_the_cases_services_tell_what_happened(heard, officer, django_capture_on_commit_callbacks):
    case = make_case(officer=officer, state=CaseState.ASSESSMENT)
    draft = assessment_draft_get_or_start(case=case, by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_save(
            assessment=draft,
            by=officer,
            assessed_on=timezone.localdate(),
            summary="",
            needs={"work": NeedInput(level="urgent", needs_stage=True)},
            finish=True,
        )
        appointment = Appointment.objects.create(
            case=case, office=case.office, kind="report_in", starts_at=timezone.now() - timedelta(hours=1), created_by=officer
        )
        appointment_mark(appointment_id=appointment.pk, by=officer, mark="miss")
    assert heard == [
        ("assessment_finished", {"case_id": case.pk, "assessment_id": draft.pk}),
        ("appointment_marked", {"case_id": case.pk, "appointment_id": appointment.pk, "state": "missed"}),
    ]


def test_each_hand_off_step_is_told_with_its_outcome(heard, officer, employment_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        handoff = send_to_employment(officer)
        handoff_accept(handoff_id=handoff.pk, by=employment_staff)
        handoff_complete(handoff_id=handoff.pk, by=employment_staff, outcome="placed")
    steps = [(facts["step"], facts["outcome"]) for name, facts in heard if name == "handoff_stepped"]
    assert steps == [("sent", ""), ("accepted", ""), ("completed", "placed")]
    assert {facts["case_id"] for name, facts in heard if name == "handoff_stepped"} == {handoff.case_id}


def test_a_case_that_ends_takes_what_runs_on_it_in_the_same_transaction(officer, supervisor, employment_staff):
    """referrals receives case_ending inside the transaction: its withdrawal commits or rolls back with the case."""
    handoff = send_to_employment(officer)
    assert case_ending.has_listeners()
    from rehab.cases.services import case_close

    case_close(case_id=handoff.case_id, by=supervisor, closure_reason="death", reason="death certificate seen")
    handoff.refresh_from_db()
    assert handoff.state == "withdrawn"
