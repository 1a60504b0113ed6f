from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import reverse

from rehab.audit.models import AppendOnlyError, AuditEvent
from rehab.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_changed_or_deleted_through_the_application(officer):
    event = audit_record(actor=officer, action="view", object_type="cases.case", object_id="1")
    event.outcome = "denied"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(outcome="denied")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_to_rewrite_history_behind_the_applications_back(officer):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    event = audit_record(actor=officer, action="view", object_type="cases.case", object_id="1")
    for sql in ("UPDATE audit_auditevent SET outcome = 'denied' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).outcome == "ok"


def test_logins_and_failed_logins_are_audited_without_the_password(client, officer):
    client.post(reverse("login"), {"username": "officer_a", "password": "wrong-password-typed"})
    client.post(reverse("login"), {"username": "officer_a", "password": "a-good-test-password"})
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.actor_username == "officer_a" and failed.outcome == "denied"
    assert "wrong-password-typed" not in str(failed.detail)
    assert AuditEvent.objects.get(action="login").actor == officer
