"""In-app notifications: one message to one user, naming records by number, never a person's details.

The kinds of notification belong to the apps that send them (referrals: a new hand-off, an overdue one;
cases: tomorrow's appointment). Each app registers its kinds in ``rehab.notifications.kinds`` with the
sentence shown, so a notification is written in the reader's language when it is read, from the codes
and numbers kept in ``params``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rehab.notifications.kinds import render


class Notification(models.Model):
    # Not indexed on its own: ``notification_unread`` starts with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False)
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"

    @property
    def text(self) -> str:
        return render(self.kind, self.params)
