"""Appointments with the person: report-ins at the probation office, home visits, health follow-ups, and
appointments at a partner office that serves the case (the receiving office of a hand-off).

    scheduled → attended | missed | cancelled
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from rehab.cases.models.cases import Case
from rehab.core.machines import SafeRefreshMixin
from rehab.reference.models import Office

if TYPE_CHECKING:
    from rehab.reference.models import User


class AppointmentKind(models.TextChoices):
    REPORT_IN = "report_in", _("Report-in at the office")
    HOME_VISIT = "home_visit", _("Home visit")
    HEALTH_FOLLOW_UP = "health_follow_up", _("Health follow-up")
    AGENCY = "agency", _("Appointment at a partner agency")


class AppointmentState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("Attended")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


APPOINTMENT_TRANSITIONS = ("attend", "miss", "cancel")


class Appointment(SafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("case"))
    # The office that holds it: the case's probation office, or a partner office serving the case (whose
    # staff then schedule and mark it, and see it on their hand-off).
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("held by"))
    kind = models.CharField(_("kind"), max_length=20, choices=AppointmentKind.choices)
    starts_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    state = FSMField(
        _("state"), max_length=20, choices=AppointmentState.choices, default=AppointmentState.SCHEDULED, protected=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    MACHINE_ACTORS = (
        "the case's officer or supervisor; the staff of the partner office that holds it (rehab/cases/services/appointments.py)"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["case", "state", "starts_at"], name="appointment_case"),
            models.Index(fields=["state", "starts_at"], name="appointment_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind} {self.starts_at:%Y-%m-%d %H:%M}"

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=AppointmentState.SCHEDULED, target=AppointmentState.ATTENDED)
    def attend(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=AppointmentState.SCHEDULED, target=AppointmentState.MISSED)
    def miss(self, *, by: User | None = None, description: str = "") -> None:
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=AppointmentState.SCHEDULED, target=AppointmentState.CANCELLED)
    def cancel(self, *, by: User | None = None, description: str = "") -> None:
        pass
