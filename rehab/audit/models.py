"""The two append-only records: the audit trail and the chained transaction record.

**The audit trail**: who did what to which record, when, from where, with what outcome. Events name
records by type and id, never by a person's name or national ID, so the trail itself leaks nothing.

**The transaction record** of the electronic transactions between agencies (a hand-off's steps today):
one entry per step, chained by hash. Each entry stores the hash of the entry before it, and its own hash
over its content and that previous hash, so changing or deleting any row breaks the chain at that point
(``python manage.py verify_audit_chain`` finds the first broken link). Each entry is also signed with an
HMAC under a key derived for the acting user from the server's secret, so the chain cannot be recomputed
by someone who can write to the database but does not hold the key. An entry names its subject by type
and id (``referrals.handoff`` 42): any app can record its transactions here.

The hashes are not indexed. Nothing looks an entry up by its hash: the verifier walks the record in id
order, and appends are serialised by an advisory lock (rehab.audit.ledger), so two entries never share a
previous entry. A unique index on a random 64-character hash cost every append a write to a random page
of two indexes, which was a large share of an escalation run after an outage (100,000s of entries).

Both refuse updates and deletes in the model, and on PostgreSQL a trigger refuses them in the database
too (migration 0002), so even code or a person going around the application cannot rewrite history.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    TRANSITION = "transition", _("Changed state")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    EXPORT = "export", _("Exported")


class AuditOutcome(models.TextChoices):
    OK = "ok", _("Done")
    DENIED = "denied", _("Denied (no access)")
    REFUSED = "refused", _("Refused (rule or conflict)")


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.verbose_name} is append-only.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError(f"{self.model._meta.verbose_name} is append-only.")


class AppendOnlyModel(models.Model):
    """Rows are written once: saving an existing row or deleting one raises (a trigger backs it on PostgreSQL)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name} is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self._meta.verbose_name} is append-only.")


class AuditEvent(AppendOnlyModel):
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("who")
    )
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("record type"), max_length=50, blank=True)
    object_id = models.CharField(_("record"), max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.OK)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}:{self.object_id}"


class TransactionEntry(AppendOnlyModel):
    # The subject of the transaction: its model label and id ("referrals.handoff", 42).
    subject_type = models.CharField(_("record type"), max_length=50)
    subject_id = models.BigIntegerField(_("record"))
    step = models.CharField(_("step"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(_("time"))
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("transaction record entry")
        verbose_name_plural = _("transaction record")
        indexes = [models.Index(fields=["subject_type", "subject_id", "id"], name="ledger_subject")]

    def __str__(self) -> str:
        return f"{self.pk} {self.subject_type}:{self.subject_id} {self.step} {self.entry_hash[:12]}"
