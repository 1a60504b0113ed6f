"""Writing the audit trail. Every read of a person's record and every write calls ``audit_record``."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from django.db import models

from rehab.audit.models import AuditAction, AuditEvent, AuditOutcome

# The address of the request being served, set by rehab.audit.middleware.AuditContextMiddleware so
# services can write audit events without knowing about HTTP.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def client_ip(request: Any) -> str | None:
    if request is None:
        return current_ip.get()
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: Any,
    action: AuditAction | str,
    obj: models.Model | None = None,
    request: Any = None,
    outcome: AuditOutcome | str = AuditOutcome.OK,
    detail: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    actor_username: str | None = None,
) -> AuditEvent:
    """Append one event. ``detail`` holds ids and codes only: never names, IDs or note text."""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_username=actor_username if actor_username is not None else (user.get_username() if user else ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip_address=client_ip(request),
        outcome=outcome,
        detail=detail or {},
    )


def audit_page_read(
    *, actor: Any, page: str, obj: models.Model | None = None, object_type: str = "", ids: Iterable[Any] = ()
) -> AuditEvent:
    """A page showed people's data: which page, and the records it showed (a list's page of up to a few dozen
    ids, or one record). Names never go into the trail, only the ids a later inquiry can look up."""
    shown = [str(pk) for pk in ids]
    if obj is not None:
        return audit_record(actor=actor, action=AuditAction.VIEW, obj=obj, detail={"page": page})
    return audit_record(actor=actor, action=AuditAction.VIEW, object_type=object_type, detail={"page": page, "shown": shown})
