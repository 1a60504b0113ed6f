"""The plan and the hand-offs between agencies (design §3-§4).

A case's plan has one **stage** per domain of need. For a stage the officer **hands the person
off** to an office of a partner agency that offers the service (the **service catalogue**). The
hand-off is an electronic transaction: each step is an entry in the chained transaction record
(rehab.audit.ledger), signed for the acting user.

    Stage:    planned → referred → in_progress → completed | discontinued   (driven by hand-offs)
    Hand-off: draft → sent → accepted → completed; sent → declined; sent | accepted → withdrawn
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from rehab.cases.models import Case, NeedDomain, Person
from rehab.core.machines import SafeRefreshMixin
from rehab.reference.models import Office, Role, ServiceKind

if TYPE_CHECKING:
    from rehab.reference.models import User


class StageDomain(models.TextChoices):
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment")
    HEALTH = "health", _("Health follow-up")
    WELFARE = "welfare", _("Welfare")
    DOCUMENTS = "documents", _("Civil documents")
    LEGAL_AID = "legal_aid", _("Legal aid")
    BEHAVIOUR = "behaviour", _("Behaviour programme")


# The stage an assessed need turns into.
STAGE_FOR_NEED = {
    NeedDomain.EDUCATION: StageDomain.EDUCATION,
    NeedDomain.WORK: StageDomain.EMPLOYMENT,
    NeedDomain.HEALTH: StageDomain.HEALTH,
    NeedDomain.HOUSING: StageDomain.WELFARE,
    NeedDomain.DOCUMENTS: StageDomain.DOCUMENTS,
    NeedDomain.LEGAL_AID: StageDomain.LEGAL_AID,
    NeedDomain.FAMILY: StageDomain.WELFARE,
}


SERVICES_FOR_STAGE: dict[str, list[str]] = {
    StageDomain.EDUCATION: [ServiceKind.EDUCATION, ServiceKind.VOCATIONAL_TRAINING],
    StageDomain.EMPLOYMENT: [ServiceKind.JOB_PLACEMENT, ServiceKind.VOCATIONAL_TRAINING],
    StageDomain.HEALTH: [ServiceKind.HEALTH_SCREENING, ServiceKind.DRUG_TREATMENT, ServiceKind.MENTAL_HEALTH],
    StageDomain.WELFARE: [ServiceKind.WELFARE_GRANT, ServiceKind.SHELTER],
    StageDomain.DOCUMENTS: [ServiceKind.ID_CARD, ServiceKind.HOUSE_REGISTRATION],
    StageDomain.LEGAL_AID: [ServiceKind.LEGAL_AID, ServiceKind.BAIL],
    StageDomain.BEHAVIOUR: [ServiceKind.BEHAVIOUR_PROGRAMME],
}


def handoff_number(pk: int | None) -> str:
    """The number people quote for a hand-off: HO-00000042."""
    return f"HO-{pk:08d}" if pk else "HO-new"


class StageState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    REFERRED = "referred", _("Referred")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "discontinued", _("Discontinued")


class Stage(SafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    """One domain of a case's plan. Its state follows its hand-offs (see services.handoffs)."""

    MACHINE_ACTORS = "follows its hand-offs; the officer discontinues (rehab/referrals/services/handoffs.py)"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stages", verbose_name=_("case"))
    domain = models.CharField(_("domain"), max_length=20, choices=StageDomain.choices)
    goal = models.TextField(_("goal"))
    state = FSMField(_("state"), max_length=20, choices=StageState.choices, default=StageState.PLANNED, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "domain"]
        verbose_name = _("plan stage")
        verbose_name_plural = _("plan stages")
        constraints = [models.UniqueConstraint(fields=["case", "domain"], name="one_stage_per_domain")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.domain}"

    @property
    def is_open(self) -> bool:
        return self.state in (StageState.PLANNED, StageState.REFERRED, StageState.IN_PROGRESS)

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=StageState.PLANNED, target=StageState.REFERRED)
    def refer(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=StageState.REFERRED, target=StageState.IN_PROGRESS)
    def start(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=StageState.IN_PROGRESS, target=StageState.COMPLETED)
    def complete(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[StageState.REFERRED, StageState.IN_PROGRESS], target=StageState.PLANNED)
    def return_to_plan(self, *, by: User | None = None, description: str = "") -> None:
        """The hand-off was declined or withdrawn: the stage waits for another one."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state, source=[StageState.PLANNED, StageState.REFERRED, StageState.IN_PROGRESS], target=StageState.DISCONTINUED
    )
    def discontinue(self, *, by: User | None = None, description: str = "") -> None:
        pass


STAGE_TRANSITIONS = ("refer", "start", "complete", "return_to_plan", "discontinue")


class ShareCategory(models.TextChoices):
    """What a hand-off may show its recipient. Identity is always shared: without it no one can serve the person."""

    CONTACT = "contact", _("Contact details (phone, home district)")
    NEEDS = "needs", _("The assessed need for this stage")
    OFFENCE = "offence", _("Offence, sentence and release type")
    HEALTH = "health", _("Health and drug-use notes")


# Sensitive categories go only to a recipient the person consented to (PDPA section 26 data).
SENSITIVE_CATEGORIES = frozenset({ShareCategory.OFFENCE, ShareCategory.HEALTH})


class LegalBasis(models.TextChoices):
    PUBLIC_TASK = "public_task", _("Public task between state agencies (the 2018 agreement)")
    CONSENT = "consent", _("The person's consent")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """The person's consent to share some categories with one recipient office. Can be withdrawn."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person"))
    recipient = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("recipient"))
    categories = models.JSONField(_("what may be shared"), default=list)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.person_id} → {self.recipient_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    def category_labels(self) -> list[str]:
        return [str(ShareCategory(code).label) for code in self.categories if code in ShareCategory.values]


class HandoffState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_HANDOFF_STATES = [HandoffState.DRAFT, HandoffState.SENT, HandoffState.ACCEPTED]
CLOSED_HANDOFF_STATES = [HandoffState.COMPLETED, HandoffState.DECLINED, HandoffState.WITHDRAWN]


class HandoffOutcome(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled in a course")
    TRAINED = "trained", _("Training completed")
    PLACED = "placed", _("Placed in a job")
    TREATMENT_STARTED = "treatment_started", _("Treatment started")
    TREATMENT_COMPLETED = "treatment_completed", _("Treatment completed")
    GRANT_PAID = "grant_paid", _("Welfare grant paid")
    SHELTERED = "sheltered", _("Shelter provided")
    ID_ISSUED = "id_issued", _("ID card issued")
    REGISTERED = "registered", _("House registration done")
    LEGAL_AID_GRANTED = "legal_aid_granted", _("Legal aid granted")
    BAIL_GRANTED = "bail_granted", _("Bail fund granted")
    PROGRAMME_COMPLETED = "programme_completed", _("Programme completed")
    NOT_ACHIEVED = "not_achieved", _("Service given, goal not achieved")


class HandoffQuerySet(models.QuerySet["Handoff"]):
    def open(self) -> HandoffQuerySet:
        return self.filter(state__in=OPEN_HANDOFF_STATES)

    def visible_to(self, user: Any) -> HandoffQuerySet:
        """Senders see their cases' hand-offs; agency staff only those addressed to their office."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.OFFICER:
            return self.filter(case__officer_id=user.pk)
        if user.role == Role.SUPERVISOR and user.office_id:
            return self.filter(case__office_id=user.office_id)
        if user.role == Role.AGENCY_STAFF and user.office_id:
            return self.filter(to_office_id=user.office_id).exclude(state=HandoffState.DRAFT)
        return self.none()

    def overdue_response(self, today: date) -> HandoffQuerySet:
        return self.filter(state=HandoffState.SENT, respond_by__lt=today)

    def overdue_completion(self, today: date) -> HandoffQuerySet:
        return self.filter(state=HandoffState.ACCEPTED, complete_by__lt=today)


class Handoff(SafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    """A referral from a probation office to an office of a partner agency about one stage."""

    MACHINE_ACTORS = (
        "sender's side: send, withdraw; receiving office: accept, decline, complete (rehab/referrals/services/handoffs.py)"
    )

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="handoffs", verbose_name=_("case"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="handoffs", verbose_name=_("stage"))
    from_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="handoffs_sent", verbose_name=_("from"))
    to_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="handoffs_received", verbose_name=_("to"))
    service = models.CharField(_("service"), max_length=30, choices=ServiceKind.choices)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by"))
    request = models.TextField(_("what is asked"))
    shared = models.JSONField(_("what is shared"), default=list)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="handoffs")
    state = FSMField(_("state"), max_length=20, choices=HandoffState.choices, default=HandoffState.DRAFT, protected=True)
    respond_by = models.DateField(_("answer by"), null=True, blank=True)
    complete_by = models.DateField(_("complete by"), null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=HandoffOutcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    # A double-click sends the same form twice: the second finds this key and sends nothing.
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HandoffQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        indexes = [
            # The inbox's open tabs, their counts and the overdue tab, each from its index alone.
            models.Index(fields=["to_office", "respond_by", "id"], name="handoff_sent", condition=models.Q(state="sent")),
            models.Index(
                fields=["to_office", "complete_by", "id"], name="handoff_accepted", condition=models.Q(state="accepted")
            ),
            # The done tab, newest first, without sorting every closed hand-off of a busy office.
            models.Index(
                fields=["to_office", "-closed_at", "-id"],
                name="handoff_done",
                condition=models.Q(state__in=CLOSED_HANDOFF_STATES),
            ),
            # The features of the risk model: each case's completed hand-offs, read from the index alone.
            models.Index(
                fields=["case", "closed_at", "outcome", "service"],
                name="handoff_case_completed",
                condition=models.Q(state="completed"),
            ),
            models.Index(fields=["state", "respond_by"], name="handoff_respond_due"),
            models.Index(fields=["state", "complete_by"], name="handoff_complete_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return handoff_number(self.pk)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_HANDOFF_STATES

    def shared_labels(self) -> list[str]:
        return [str(ShareCategory(code).label) for code in self.shared if code in ShareCategory.values]

    def overdue(self, today: date | None = None) -> str:
        """The deadline breached (an ``EscalationBreach``: respond or complete), else "". Derived, never stored."""
        today = today or timezone.localdate()
        if self.state == HandoffState.SENT and self.respond_by and self.respond_by < today:
            return EscalationBreach.RESPOND
        if self.state == HandoffState.ACCEPTED and self.complete_by and self.complete_by < today:
            return EscalationBreach.COMPLETE
        return ""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=HandoffState.DRAFT, target=HandoffState.SENT)
    def send(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=HandoffState.SENT, target=HandoffState.ACCEPTED)
    def accept(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=HandoffState.SENT, target=HandoffState.DECLINED)
    def decline(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=HandoffState.ACCEPTED, target=HandoffState.COMPLETED)
    def complete(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[HandoffState.SENT, HandoffState.ACCEPTED], target=HandoffState.WITHDRAWN)
    def withdraw(self, *, by: User | None = None, description: str = "") -> None:
        pass


HANDOFF_TRANSITIONS = ("send", "accept", "decline", "complete", "withdraw")


class HandoffNote(models.Model):
    """Progress recorded by the receiving office (or the sender) on a hand-off."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("progress"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.handoff_id}: {self.created_at:%Y-%m-%d}"


class LedgerStep(models.TextChoices):
    """The steps of a hand-off kept in the chained transaction record (rehab.audit.ledger)."""

    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    PROGRESS = "progress", _("Progress recorded")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ESCALATED = "escalated", _("Escalated")


class EscalationBreach(models.TextChoices):
    RESPOND = "respond", _("No answer by the deadline")
    COMPLETE = "complete", _("Not completed by the deadline")


class Escalation(models.Model):
    """One breach of one deadline of one hand-off. The unique constraint is what makes escalation
    happen once per breach, however often the job runs and wherever a worker dies."""

    # Not indexed on its own: the unique constraint's index starts with it.
    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="escalations", db_index=False)
    breach = models.CharField(max_length=10, choices=EscalationBreach.choices)
    deadline = models.DateField()
    # Which job run created it: a run notifies only for the rows it created itself. Not indexed: on
    # PostgreSQL the insert returns the rows it created, and only SQLite (the demo) reads it back.
    run = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["handoff", "breach", "deadline"], name="one_escalation_per_breach")]

    def __str__(self) -> str:
        return f"{self.handoff_id}: {self.breach} {self.deadline}"
