"""Writing notifications. Senders pass the kind's code, its parameters (codes and numbers) and a link."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from rehab.notifications.models import Notification


def notify(*, user_ids: Iterable[int], kind: str, params: dict[str, Any], link: str = "") -> int:
    """One notification for each of these users (each once); returns how many."""
    rows = [Notification(user_id=pk, kind=kind, params=params, link=link) for pk in sorted(set(user_ids))]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notifications_mark_read(*, user: Any) -> int:
    return unread_of(user).update(read_at=timezone.now())


def unread_of(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)
