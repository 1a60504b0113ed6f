"""Logins, logouts and failed logins go into the audit trail."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from rehab.audit.models import AuditAction, AuditOutcome
from rehab.audit.services import audit_record


@receiver(user_logged_in)
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(request=request, actor=user, action=AuditAction.LOGIN)


@receiver(user_logged_out)
def _audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(request=request, actor=user, action=AuditAction.LOGOUT)


@receiver(user_login_failed)
def _audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The user name typed is kept (it may be a typo of a real one); the password never is.
    audit_record(
        request=request,
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.DENIED,
        actor_username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out)
def _audit_lockout(sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any) -> None:
    audit_record(
        request=request,
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.DENIED,
        actor_username=str(username or "")[:150],
        detail={"locked_out": True},
    )
