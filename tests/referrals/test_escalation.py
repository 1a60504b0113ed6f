from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from rehab.audit.ledger import ledger_verify
from rehab.audit.models import TransactionEntry
from rehab.notifications.models import Notification
from rehab.referrals.models import Escalation, Handoff
from rehab.referrals.services import handoff_accept, handoffs_escalate_chunk, handoffs_escalate_overdue
from tests.factories import send_to_employment

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(officer, employment_staff):
    return send_to_employment(officer, shared=("contact",))


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
    assert TransactionEntry.objects.filter(subject_type="referrals.handoff", subject_id=sent.pk, step="escalated").count() == 1


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
    handoffs = [send_to_employment(officer) for _ in range(7)]
    Handoff.objects.filter(pk__in=[h.pk for h in handoffs]).update(respond_by=timezone.localdate() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        created = handoffs_escalate_overdue(chunk_size=3)
    assert len(created) == 7 and Escalation.objects.count() == 7


def test_escalations_written_in_bulk_read_back_as_django_writes_them(
    officer, supervisor, employment_staff, django_capture_on_commit_callbacks
):
    """The job writes notifications and ledger entries with COPY on PostgreSQL: what it wrote must
    read back like rows Django wrote, and the chain must still verify after the entries written by users."""
    handoffs = [send_to_employment(officer, shared=("contact",)) for _ in range(3)]
    handoff_accept(handoff_id=handoffs[0].pk, by=employment_staff)
    overdue_on = max(h.respond_by for h in handoffs) + timedelta(days=1)
    Handoff.objects.filter(pk=handoffs[0].pk).update(complete_by=overdue_on - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        created = handoffs_escalate_overdue(today=overdue_on, chunk_size=2)
    assert len(created) == 3
    report = ledger_verify()
    assert report.ok and report.checked == TransactionEntry.objects.count() == 4 + 3
    escalated = TransactionEntry.objects.filter(step="escalated").values_list("subject_id", "actor_id", "actor_username")
    assert sorted(escalated) == sorted((h.pk, None, "") for h in handoffs)
    notification = Notification.objects.filter(kind="overdue_complete").first()
    assert notification is not None
    assert notification.params == {"number": handoffs[0].number, "date": (overdue_on - timedelta(days=1)).isoformat()}
    assert notification.link == f"/handoffs/{handoffs[0].pk}/" and notification.read_at is None
    assert handoffs[0].number in notification.text


def test_a_run_that_finds_the_escalation_already_made_neither_notifies_nor_records_it(sent, supervisor, employment_staff):
    """Two runs that read the same pending hand-off: the second one's insert conflicts, so it does nothing else."""
    rows = [(sent.pk, sent.from_office_id, sent.to_office_id, sent.respond_by)]
    first = handoffs_escalate_chunk("respond", rows)
    notified, recorded = Notification.objects.count(), TransactionEntry.objects.count()
    assert len(first) == 1
    assert handoffs_escalate_chunk("respond", rows) == []
    assert (Notification.objects.count(), TransactionEntry.objects.count(), Escalation.objects.count()) == (notified, recorded, 1)
