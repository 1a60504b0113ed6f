"""Needs assessments: a draft can be edited; a finished one is kept as it was and proposes plan stages."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rehab.cases.models.cases import Case


class NeedDomain(models.TextChoices):
    EDUCATION = "education", _("Education")
    WORK = "work", _("Work")
    HEALTH = "health", _("Health and drugs")
    HOUSING = "housing", _("Housing and welfare")
    DOCUMENTS = "documents", _("Civil documents")
    LEGAL_AID = "legal_aid", _("Legal aid")
    FAMILY = "family", _("Family")


class NeedLevel(models.TextChoices):
    NONE = "none", _("No need")
    SOME = "some", _("Some need")
    URGENT = "urgent", _("Urgent need")


def domains_in_need(needs: Iterable[tuple[str, str]]) -> str:
    """The domains of these (domain, level) pairs that have a need (a level other than "no need"), as their
    codes in alphabetical order separated by spaces: what a finished assessment keeps (``Assessment.domains_in_need``)."""
    return " ".join(sorted({domain for domain, level in needs if level and level != NeedLevel.NONE}))


class Assessment(models.Model):
    """A needs assessment of a case by domain. A draft can be edited; a finished one is kept as it was."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("case"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessed by")
    )
    assessed_on = models.DateField(_("assessed on"))
    summary = models.TextField(_("summary"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written when the assessment is finished (``domains_in_need`` of its needs), empty before: the nightly
    # risk features read which domains the latest assessment found a need in from here, not from its rows
    # (seven a case, 14 million on a million-person database).
    domains_in_need = models.CharField(max_length=120, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.assessed_on}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    def needs_in_order(self) -> list[AssessmentNeed]:
        """The needs in the order of the form (education first), not alphabetically by code."""
        return sorted(self.needs.all(), key=lambda need: NeedDomain.values.index(need.domain))


class AssessmentNeed(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="needs")
    domain = models.CharField(_("domain"), max_length=20, choices=NeedDomain.choices)
    level = models.CharField(_("level"), max_length=10, choices=NeedLevel.choices, default=NeedLevel.NONE)
    needs_stage = models.BooleanField(_("needs a plan stage"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "domain"], name="one_need_per_domain")]
        ordering = ["assessment", "domain"]

    def __str__(self) -> str:
        return f"{self.domain}: {self.level}"
