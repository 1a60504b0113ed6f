"""The risk model's registry, scores and flags (design §3-§4).

    Model version: candidate → approved → retired (→ approved again: roll back); candidate → rejected
    Risk flag:     raised → acknowledged (action taken) → resolved; raised → overridden (reason)

A flag never changes a case by itself: it asks a person to decide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from rehab.core.machines import SafeRefreshMixin

if TYPE_CHECKING:
    from rehab.reference.models import User


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    APPROVED = "approved", _("Approved (scoring)")
    RETIRED = "retired", _("Retired")
    REJECTED = "rejected", _("Rejected")


class RiskModelVersion(SafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    """One trained model with everything its model card shows. Only an approved version scores."""

    MACHINE_ACTORS = "a manager; only a version that passes its quality checks (analytics/services.py)"

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = FSMField(_("status"), max_length=20, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE, protected=True)
    kind = models.CharField(_("model"), max_length=60)
    horizon_days = models.PositiveIntegerField(_("horizon (days)"))
    trained_on_synthetic_data = models.BooleanField(_("trained on synthetic data"), default=False)
    data_from = models.DateField(_("data from"))
    data_to = models.DateField(_("data to"))
    rows = models.PositiveIntegerField(_("training rows"))
    features = models.JSONField(_("features"), default=list)
    hyperparameters = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict)
    fairness = models.JSONField(default=dict)
    calibration = models.JSONField(default=dict)
    quality_failures = models.JSONField(default=list)
    thresholds = models.JSONField(default=dict, help_text=_("probability cut-offs of the medium and high tiers"))
    limits = models.TextField(_("known limits"), blank=True)
    artifact = models.BinaryField(editable=False)
    artifact_sha256 = models.CharField(max_length=64)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    trained_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("risk model version")
        verbose_name_plural = _("risk model versions")

    def __str__(self) -> str:
        return f"v{self.version} ({self.kind})"

    @property
    def passes_quality_checks(self) -> bool:
        return not self.quality_failures

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=[ModelStatus.CANDIDATE, ModelStatus.RETIRED], target=ModelStatus.APPROVED)
    def approve(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=ModelStatus.CANDIDATE, target=ModelStatus.REJECTED)
    def reject(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=ModelStatus.APPROVED, target=ModelStatus.RETIRED)
    def retire(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @property
    def quality_failures_for_reader(self) -> list[str]:
        """The failed quality checks in the reader's language (stored in English at training time)."""
        from analytics.risk.metrics import quality_check

        if not self.quality_failures:
            return []
        return quality_check(self.metrics) or list(self.quality_failures)


class RiskTier(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


TIER_RANK = {RiskTier.LOW: 0, RiskTier.MEDIUM: 1, RiskTier.HIGH: 2}


# Scores are derived rows that the nightly job writes by the million (a first night: a score and a latest
# score for every open case, and a flag for each case entering the high tier). Their references to the
# case, the model version and the score are not foreign-key constraints in the database: PostgreSQL
# checks each new row's reference one row at a time at commit, and locks the case row it points at,
# which made the checks and the rewritten case pages a large part of a first night (hence
# ``db_constraint=False`` below). Django still cascades and protects them (on_delete), cases are never
# deleted while they have a history, a flag is written in the same transaction as its score, and a lost
# score is recomputed the next night. For the same reason they have no index that nothing reads: none
# on a score's model version (versions are kept, never deleted) or on a latest score's tier alone (the
# caseload sorts its own cases by it).


class RiskScore(models.Model):
    """A case's calibrated probability of reoffending within the horizon, as known on ``as_of``."""

    # Not indexed on its own: riskscore_case starts with it.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="risk_scores", db_index=False, db_constraint=False
    )
    model_version = models.ForeignKey(
        RiskModelVersion, on_delete=models.PROTECT, related_name="scores", db_index=False, db_constraint=False
    )
    as_of = models.DateField(_("as of"))
    probability = models.FloatField(_("probability"))
    tier = models.CharField(_("tier"), max_length=10, choices=RiskTier.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    # The features the score came from, hashed: an unchanged case is not scored again.
    features_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        indexes = [models.Index(fields=["case", "-as_of"], name="riskscore_case")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.probability:.2f} ({self.tier})"

    @property
    def probability_percent(self) -> int:
        return round(self.probability * 100)

    @property
    def reasons_for_reader(self) -> list[dict[str, str]]:
        """The stored reasons as sentences in the reader's language (Thai unless they chose English)."""
        from django.utils import translation

        from analytics.risk.explain import reason_text
        from analytics.risk.features import Language

        language: Language = "en" if translation.get_language() == "en" else "th"
        return [{"text": reason_text(reason, language), "direction": reason.get("direction", "")} for reason in self.reasons]


class CaseRisk(models.Model):
    """The latest score of each open case, one row a case, so the caseload sorts by risk in one query."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="risk", db_constraint=False
    )
    score = models.ForeignKey(RiskScore, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    tier = models.CharField(max_length=10, choices=RiskTier.choices)
    tier_rank = models.PositiveSmallIntegerField()
    probability = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.case_id}: {self.tier}"


class FlagState(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    OVERRIDDEN = "overridden", _("Overridden")


class FlagAction(models.TextChoices):
    CONTACT = "contact", _("Contacted the person")
    HOME_VISIT = "home_visit", _("Home visit")
    TREATMENT_REFERRAL = "treatment_referral", _("Referred to treatment")
    NO_ACTION = "no_action", _("No action (reason given)")


class RiskFlag(SafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    """Raised when a case enters the high tier or rises a tier. The officer decides what to do."""

    MACHINE_ACTORS = "the case's officer or the supervisor of its office (analytics/services.py)"

    # Not indexed on its own: riskflag_case_state starts with it.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="risk_flags", db_index=False, db_constraint=False
    )
    score = models.ForeignKey(RiskScore, on_delete=models.PROTECT, related_name="flags", db_constraint=False)
    previous_tier = models.CharField(max_length=10, choices=RiskTier.choices, blank=True)
    state = FSMField(_("state"), max_length=20, choices=FlagState.choices, default=FlagState.RAISED, protected=True)
    action = models.CharField(_("action taken"), max_length=30, choices=FlagAction.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    acted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["case", "state"], name="riskflag_case_state")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state == FlagState.RAISED

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=FlagState.RAISED, target=FlagState.ACKNOWLEDGED)
    def acknowledge(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=FlagState.ACKNOWLEDGED, target=FlagState.RESOLVED)
    def resolve(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=FlagState.RAISED, target=FlagState.OVERRIDDEN)
    def override(self, *, by: User | None = None, description: str = "") -> None:
        pass


def tier_of(probability: float, thresholds: dict[str, Any]) -> str:
    if probability >= float(thresholds.get("high", 0.5)):
        return RiskTier.HIGH
    if probability >= float(thresholds.get("medium", 0.25)):
        return RiskTier.MEDIUM
    return RiskTier.LOW
