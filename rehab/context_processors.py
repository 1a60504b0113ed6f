from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from rehab.models import Notification

# The header counts unread notifications up to this many and then says "99+": the head of a busy
# office can have thousands after an escalation run, and counting them all cost every page.
UNREAD_SHOWN = 99


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The unread-notification count in the header ("99+" past 99); counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int | str:
        # Unordered: any 100 unread tell whether there are more than 99 (ordered, all of them were sorted).
        count = Notification.objects.filter(user=user, read_at__isnull=True).order_by()[: UNREAD_SHOWN + 1].count()
        return f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else count

    return {"unread_notifications": SimpleLazyObject(unread)}
