from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from rehab.models import Notification


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The unread-notification count in the header; counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(lambda: Notification.objects.filter(user=user, read_at__isnull=True).count())
    }
