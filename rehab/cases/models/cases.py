"""Cases and their life-cycle machine (design §4)::

    intake → assessment → active ⇄ suspended → completed
    any open state → reoffended (a confirmed new offence dated after release)
    any open state → closed (reason required; supervisor)

Conditions and permissions carry a ``refusal`` text so a refused transition can say why
(``rehab.core.machines``). The transitions' bodies are empty on purpose: every write around them (the
reason, the version, the audit event) happens in ``rehab.cases.services``, which calls them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from rehab.cases.extensions import open_work_on
from rehab.cases.models.people import Person
from rehab.core.errors import Conflict
from rehab.core.machines import SafeRefreshMixin, refusal
from rehab.reference.models import Office, Role

if TYPE_CHECKING:
    from rehab.reference.models import User


class CaseChanged(Conflict):
    default_message = _(
        "This case was changed by someone else while you were working on it. Reload the page to see the changes, then try again."
    )


class CaseState(models.TextChoices):
    INTAKE = "intake", _("Intake")
    ASSESSMENT = "assessment", _("Assessment")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    REOFFENDED = "reoffended", _("Reoffended")
    CLOSED = "closed", _("Closed")


OPEN_STATES = [CaseState.INTAKE, CaseState.ASSESSMENT, CaseState.ACTIVE, CaseState.SUSPENDED]


class ReleaseType(models.TextChoices):
    PAROLE = "parole", _("Parole")
    SENTENCE_REDUCTION = "sentence_reduction", _("Sentence reduction")
    END_OF_SENTENCE = "end_of_sentence", _("End of sentence")
    SUSPENDED_SENTENCE = "suspended_sentence", _("Suspended sentence (probation)")
    PARDON = "pardon", _("Royal pardon")


class OffenceCategory(models.TextChoices):
    DRUGS = "drugs", _("Drugs")
    PROPERTY = "property", _("Property")
    VIOLENT = "violent", _("Violence against the person")
    SEXUAL = "sexual", _("Sexual offence")
    FRAUD = "fraud", _("Fraud")
    TRAFFIC = "traffic", _("Traffic")
    WEAPONS = "weapons", _("Weapons")
    OTHER = "other", _("Other")


class ClosureReason(models.TextChoices):
    DEATH = "death", _("Death")
    DEPORTATION = "deportation", _("Deportation")
    TRANSFER_OUT = "transfer_out", _("Transferred out of the system")
    DATA_ERROR = "data_error", _("Opened in error")


# --- conditions: facts about the case -------------------------------------------------------


@refusal(_("The needs assessment must be finished before the case can be activated."))
def has_finished_assessment(case: Case) -> bool:
    return case.assessments.filter(finished_at__isnull=False).exists()


@refusal(_("Record the confirmed new offence (dated after the release) before marking the case as reoffended."))
def has_reoffence_after_release(case: Case) -> bool:
    return Reoffence.objects.filter(case=case, offence_date__gt=case.release_date).exists()


@refusal(_("The plan needs at least one stage, or a record that the person has no needs."))
def has_plan(case: Case) -> bool:
    return case.plan_no_needs or case.stages.exists()


@refusal(_("Choose why the case is being closed."))
def has_closure_reason(case: Case) -> bool:
    return bool(case.closure_reason)


# --- permissions: who may act ----------------------------------------------------------------


@refusal(_("Only the case's officer or the supervisor of its office may do this."))
def may_work_on_case(case: Case, user: User) -> bool:
    return bool(user.has_perm("cases.work_on_case", case))


@refusal(_("Only the supervisor of the case's office may do this."))
def may_supervise_case(case: Case, user: User) -> bool:
    return bool(user.has_perm("cases.supervise_case", case))


def why_not_complete(case: Case, user: User) -> str:
    if not may_work_on_case(case, user):
        return str(may_work_on_case.refusal)  # type: ignore[attr-defined]
    still_open = open_work_on(case)
    if still_open:
        return " ".join([*still_open, str(_("Completing the case now needs the supervisor's override."))])
    return str(_("Completing a case before its supervision end date needs the supervisor of its office."))


@refusal(why_not_complete)
def may_complete_case(case: Case, user: User) -> bool:
    """The officer completes when supervision has ended and nothing still runs on the case (no open hand-off);
    otherwise the supervisor."""
    if may_supervise_case(case, user):
        return True
    supervision_over = case.supervision_end_date is not None and case.supervision_end_date <= timezone.localdate()
    return supervision_over and may_work_on_case(case, user) and not open_work_on(case)


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def visible_to(self, user: Any) -> CaseQuerySet:
        """The cases a user may open: an officer's caseload, a supervisor's office. Deny by default.

        Kept in step with the ``cases.read_case`` rule (a test checks that they agree).
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.OFFICER:
            return self.filter(officer_id=user.pk)
        if user.role == Role.SUPERVISOR and user.office_id:
            return self.filter(office_id=user.office_id)
        return self.none()  # the administrator included: keeping accounts is no reason to read cases


class Case(SafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    """One release or supervision episode of a person."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person"))
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases", verbose_name=_("probation office"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name=_("officer"),
    )
    state = FSMField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.INTAKE, protected=True)
    release_type = models.CharField(_("release type"), max_length=20, choices=ReleaseType.choices)
    release_date = models.DateField(_("release date"))
    facility = models.CharField(_("released from (facility)"), max_length=200, blank=True)
    offence_category = models.CharField(_("offence category"), max_length=20, choices=OffenceCategory.choices)
    sentence_months = models.PositiveIntegerField(_("sentence (months)"))
    prior_convictions = models.PositiveIntegerField(_("prior convictions"), default=0)
    supervision_end_date = models.DateField(_("supervision ends"), null=True, blank=True)
    closure_reason = models.CharField(_("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    plan_no_needs = models.BooleanField(_("no needs: the plan has no stage"), default=False)
    plan_approved_at = models.DateTimeField(_("plan approved at"), null=True, blank=True)
    plan_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan approved by"),
    )
    # Optimistic locking: a form carries the version it was shown; a write based on an older
    # version is refused with "this case changed, reload" instead of overwriting someone's work.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    MACHINE_ACTORS = "the case's officer or the supervisor of its office (rehab/cases/services/cases.py)"

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["officer", "state", "release_date"], name="case_officer_state"),
            models.Index(fields=["office", "state", "release_date"], name="case_office_state"),
            # A supervisor's office list, newest release first or longest without contact first,
            # reads 25 rows from these instead of sorting the whole office (docs/benchmarks.md).
            models.Index(fields=["office", "-release_date", "-id"], name="case_office_recent"),
            # (office, last_contact_at NULLS FIRST, id) is created on PostgreSQL by migration 0002:
            # SQLite cannot order an index's NULLs.
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(supervision_end_date__isnull=True)
                | models.Q(supervision_end_date__gte=models.F("release_date")),
                name="case_supervision_after_release",
            ),
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded_version = self.__dict__.get("version")

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Every update bumps the version and only lands on the version it was loaded at."""
        if not self._state.adding and self._loaded_version is not None:
            self.version = self._loaded_version + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at"}
        try:
            super().save(*args, **kwargs)
        except ConcurrentTransition as exc:
            self.version = self._loaded_version or self.version
            raise CaseChanged() from exc
        self._loaded_version = self.version

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._loaded_version = self.__dict__.get("version")

    def _do_update(self, base_qs: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        # Narrow the UPDATE to the version this object was loaded at; ConcurrentTransitionMixin
        # does the same for the state and raises ConcurrentTransition when nothing matched.
        if self._loaded_version is None:
            return super()._do_update(base_qs, *args, **kwargs)
        updated = super()._do_update(base_qs.filter(version=self._loaded_version), *args, **kwargs)
        if not updated and base_qs.filter(pk=self.pk).exists():
            raise ConcurrentTransition("The case's version has changed since it was loaded.")
        return updated

    @property
    def number(self) -> str:
        return f"KKD-{self.pk:07d}" if self.pk else "KKD-new"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def days_since_release(self) -> int:
        return (timezone.localdate() - self.release_date).days

    def release_before(self, day: date) -> bool:
        return self.release_date < day

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=CaseState.INTAKE,
        target=CaseState.ASSESSMENT,
        permission=may_work_on_case,
        custom={"label": _("Start the needs assessment"), "reason_required": False},
    )
    def start_assessment(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=CaseState.ASSESSMENT,
        target=CaseState.ACTIVE,
        conditions=[has_finished_assessment, has_plan],
        permission=may_supervise_case,
        custom={"label": _("Approve the plan and activate the case"), "reason_required": False},
    )
    def activate(self, *, by: User | None = None, description: str = "") -> None:
        self.plan_approved_at = timezone.now()
        self.plan_approved_by = by

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=CaseState.ACTIVE,
        target=CaseState.SUSPENDED,
        permission=may_work_on_case,
        custom={"label": _("Suspend supervision"), "reason_required": True},
    )
    def suspend(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=CaseState.SUSPENDED,
        target=CaseState.ACTIVE,
        permission=may_work_on_case,
        custom={"label": _("Resume supervision"), "reason_required": True},
    )
    def resume(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=CaseState.ACTIVE,
        target=CaseState.COMPLETED,
        permission=may_complete_case,
        custom={"label": _("Complete the case"), "reason_required": True},
    )
    def complete(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=OPEN_STATES,
        target=CaseState.REOFFENDED,
        conditions=[has_reoffence_after_release],
        permission=may_work_on_case,
        custom={"label": _("Record a new offence"), "reason_required": True},
    )
    def reoffend(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=OPEN_STATES,
        target=CaseState.CLOSED,
        conditions=[has_closure_reason],
        permission=may_supervise_case,
        custom={"label": _("Close the case"), "reason_required": True},
    )
    def close(self, *, by: User | None = None, description: str = "") -> None:
        pass


CASE_TRANSITIONS = ("start_assessment", "activate", "suspend", "resume", "complete", "reoffend", "close")


class ReoffenceSource(models.TextChoices):
    POLICE = "police", _("Police (arrest)")
    COURT = "court", _("Court (conviction)")


class Reoffence(models.Model):
    """A confirmed new arrest or conviction after a release: the outcome the risk model learns from and the
    dashboards count. It belongs to the person's history, whatever the state of their cases: the police and
    the courts report an offence whenever it happens, often after supervision ended (3-year recidivism
    counts exactly those). ``case`` is the release episode it follows: the person's latest case released
    before the offence. Recorded by ``rehab.cases.services.reoffence_record``, which also moves that case
    to ``reoffended`` when it is still open."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reoffences", verbose_name=_("person"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reoffences", verbose_name=_("release episode"))
    offence_date = models.DateField(_("date of the new offence"))
    source = models.CharField(_("confirmed by"), max_length=10, choices=ReoffenceSource.choices)
    offence_category = models.CharField(_("offence category"), max_length=20, choices=OffenceCategory.choices)
    # Whether recording it ended the case (it was open then); a reoffence after the case ended leaves it as it was.
    ended_case = models.BooleanField(_("ended the case"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["offence_date", "id"]
        verbose_name = _("reoffence")
        verbose_name_plural = _("reoffences")
        indexes = [models.Index(fields=["person", "offence_date"], name="reoffence_person")]
        constraints = [
            # The same offence reported twice by the same source is one offence.
            models.UniqueConstraint(
                fields=["person", "offence_date", "offence_category", "source"], name="one_reoffence_per_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.offence_date}"
