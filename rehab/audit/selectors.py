"""Reads of the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from rehab.audit.models import AuditEvent


def audit_events(*, object_type: str = "", object_id: str = "", username: str = "") -> QuerySet[AuditEvent]:
    """The trail, newest first, narrowed to a record type, a record and a user name when given."""
    events = AuditEvent.objects.select_related("actor")
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if username:
        events = events.filter(actor_username=username)
    return events
