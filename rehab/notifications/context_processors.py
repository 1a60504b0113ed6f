from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from rehab.notifications.selectors import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The unread-notification count in the header ("99+" past 99); counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
