"""The electronic transaction record of hand-offs: one entry per step, chained by hash.

Each entry stores the hash of the entry before it, and its own hash over its content and that
previous hash, so changing or deleting any row breaks the chain at that point
(``python manage.py verify_audit_chain`` finds the first broken link). Each entry is also signed
with an HMAC under a key derived for the acting user from the server's secret, so the chain
cannot be recomputed by someone who can write to the database but does not hold the key.

The hashes are not indexed. Nothing looks an entry up by its hash: the verifier walks the record in
id order, and appends are serialised by an advisory lock (rehab.services.ledger), so two entries
never share a previous entry. A unique index on a random 64-character hash cost every append a
write to a random page of two indexes (the unique one and its ``LIKE`` twin), which was a large
share of an escalation run after an outage (100,000s of entries in one go).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rehab.models.audit import AppendOnlyModel


class LedgerStep(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    PROGRESS = "progress", _("Progress recorded")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ESCALATED = "escalated", _("Escalated")


class TransactionEntry(AppendOnlyModel):
    handoff = models.ForeignKey("rehab.Handoff", on_delete=models.PROTECT, related_name="ledger")
    step = models.CharField(_("step"), max_length=20, choices=LedgerStep.choices)
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

    def __str__(self) -> str:
        return f"{self.pk} {self.step} {self.entry_hash[:12]}"
