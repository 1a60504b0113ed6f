"""Contact notes: what happened when the officer met, called or visited the person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rehab.cases.models.cases import Case


class ContactKind(models.TextChoices):
    OFFICE_VISIT = "office_visit", _("Report-in at the office")
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message")
    OTHER = "other", _("Other")


class ContactNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by"))
    kind = models.CharField(_("kind of contact"), max_length=20, choices=ContactKind.choices)
    contacted_at = models.DateTimeField(_("contact time"))
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-contacted_at", "-id"]
        verbose_name = _("contact note")
        verbose_name_plural = _("contact notes")
        indexes = [models.Index(fields=["case", "-contacted_at"], name="note_case_time")]

    def __str__(self) -> str:
        # Never the text: it may hold health details.
        return f"{self.case_id}: {self.kind} {self.contacted_at:%Y-%m-%d}"
