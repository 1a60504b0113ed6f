from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from rehab.models import CaseState, Escalation, Handoff, Notification, TransactionEntry
from rehab.services.handoffs import handoff_accept, handoff_send, handoffs_escalate_overdue
from tests.factories import make_case, make_stage, offer, partner_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(officer, employment_staff):
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    return handoff_send(
        stage_id=make_stage(case, by=officer).pk,
        offer_id=offer(partner_office(), "job_placement").pk,
        by=officer,
        request="หางาน",
        shared=["contact"],
    )


def test_an_overdue_hand_off_escalates_once_to_the_supervisor_and_the_units_head(
    sent, supervisor, employment_staff, django_capture_on_commit_callbacks
):
    supervisor.email = "head.bkk@probation.go.th"
    supervisor.save()
    later = sent.respond_by + timedelta(days=1)
    assert handoffs_escalate_overdue(today=sent.respond_by) == []  # due today is not overdue yet
    with django_capture_on_commit_callbacks(execute=True):
        first = handoffs_escalate_overdue(today=later)
    with django_capture_on_commit_callbacks(execute=True):
        second = handoffs_escalate_overdue(today=later)
    assert len(first) == 1 and second == []
    escalation = Escalation.objects.get()
    assert (escalation.breach, escalation.deadline, escalation.emailed_at is not None) == ("respond", sent.respond_by, True)
    overdue = Notification.objects.filter(kind="overdue_respond")
    assert set(overdue.values_list("user__username", flat=True)) == {supervisor.username, employment_staff.username}
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"head.bkk@probation.go.th", "jobs-head@example.go.th"}
    assert sent.number in mail.outbox[0].subject and "หางาน" not in mail.outbox[0].body
    assert TransactionEntry.objects.filter(handoff=sent, step="escalated").count() == 1


def test_a_completion_breach_is_a_second_escalation(sent, employment_staff, django_capture_on_commit_callbacks):
    handoff_accept(handoff_id=sent.pk, by=employment_staff)
    sent.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        handoffs_escalate_overdue(today=sent.complete_by + timedelta(days=1))
    assert list(Escalation.objects.values_list("breach", flat=True)) == ["complete"]


def test_an_answered_hand_off_does_not_escalate(sent, employment_staff):
    handoff_accept(handoff_id=sent.pk, by=employment_staff)
    assert handoffs_escalate_overdue(today=sent.respond_by + timedelta(days=3)) == []


def test_many_overdue_hand_offs_are_handled_in_chunks(officer, employment_staff, django_capture_on_commit_callbacks):
    handoffs = []
    for _ in range(7):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        handoffs.append(
            handoff_send(
                stage_id=make_stage(case, by=officer).pk,
                offer_id=offer(partner_office(), "job_placement").pk,
                by=officer,
                request="หางาน",
                shared=[],
            )
        )
    Handoff.objects.filter(pk__in=[h.pk for h in handoffs]).update(respond_by=timezone.localdate() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        created = handoffs_escalate_overdue(chunk_size=3)
    assert len(created) == 7 and Escalation.objects.count() == 7
