"""Reads of notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rehab.notifications.models import Notification

# The header counts unread notifications up to this many and then says "99+": the head of a busy
# office can have thousands after an escalation run, and counting them all cost every page.
UNREAD_SHOWN = 99


def notifications_of(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(user: Any) -> int | str:
    """How many unread, up to UNREAD_SHOWN, then "99+"."""
    # Unordered: any 100 unread tell whether there are more than 99 (ordered, all of them were sorted).
    count = Notification.objects.filter(user=user, read_at__isnull=True).order_by()[: UNREAD_SHOWN + 1].count()
    return f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else count
