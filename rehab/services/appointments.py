"""Appointments on a case or a hand-off: schedule, mark what happened, remind the day before."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.tasks import rescore_after_commit
from rehab.exceptions import ApplicationError
from rehab.models import (
    Appointment,
    AppointmentKind,
    AppointmentState,
    AuditAction,
    Case,
    Handoff,
    Notification,
    NotificationKind,
    Role,
    User,
)
from rehab.services.audit import audit_record

MARKS = {"attend": AppointmentState.ATTENDED, "miss": AppointmentState.MISSED, "cancel": AppointmentState.CANCELLED}


def _may_manage(*, case: Case, handoff: Handoff | None, by: User) -> bool:
    if by.has_perm("rehab.work_on_case", case):
        return True
    return handoff is not None and by.role == Role.AGENCY_STAFF and by.office_id == handoff.to_office_id


def appointment_schedule(
    *, case: Case, by: User, kind: str, starts_at: datetime, place: str = "", handoff: Handoff | None = None
) -> Appointment:
    if not _may_manage(case=case, handoff=handoff, by=by):
        raise ApplicationError(_("Only the case's officer, its office's supervisor or the receiving office may schedule this."))
    if not case.is_open:
        raise ApplicationError(_("Appointments are scheduled while the case is open."))
    if kind not in AppointmentKind.values:
        raise ApplicationError(_("Choose the kind of appointment."), field="kind")
    if starts_at < timezone.now():
        raise ApplicationError(_("An appointment cannot be scheduled in the past."), field="starts_on")
    appointment = Appointment.objects.create(
        case=case, handoff=handoff, kind=kind, starts_at=starts_at, place=place.strip(), created_by=by
    )
    audit_record(actor=by, action=AuditAction.CREATE, obj=appointment, detail={"case": case.pk, "kind": kind})
    return appointment


def appointment_mark(*, appointment_id: int, by: User, mark: str, note: str = "") -> Appointment:
    if mark not in MARKS:
        raise ApplicationError(_("Choose what happened."))
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update(of=("self",)).select_related("case", "handoff").get(pk=appointment_id)
        if not _may_manage(case=appointment.case, handoff=appointment.handoff, by=by):
            raise ApplicationError(_("Only the case's officer, its office's supervisor or the receiving office may do this."))
        if appointment.state != AppointmentState.SCHEDULED:
            raise ApplicationError(
                _("This appointment is already marked “%(state)s”.") % {"state": appointment.get_state_display()}
            )
        if mark in ("attend", "miss") and appointment.starts_at > timezone.now():
            raise ApplicationError(_("An appointment can be marked attended or missed only once its time has come."))
        getattr(appointment, mark)(by=by, description=note.strip())
        appointment.note = note.strip()
        appointment.save()
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=appointment, detail={"transition": mark})
        rescore_after_commit(appointment.case_id)
    return appointment


def appointment_reminders_send(*, today: datetime | None = None) -> int:
    """Remind the case's officer (and, for agency appointments, the receiving office) of tomorrow's
    appointments. Each appointment is reminded once, however often this runs."""
    local_today = timezone.localdate(today) if today else timezone.localdate()
    tomorrow = local_today + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, time.min))
    end = start + timedelta(days=1)
    reminded = 0
    with transaction.atomic():
        due = list(
            Appointment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("case", "handoff")
            .filter(state=AppointmentState.SCHEDULED, reminder_sent_at__isnull=True, starts_at__gte=start, starts_at__lt=end)
        )
        notifications = []
        for appointment in due:
            local = timezone.localtime(appointment.starts_at)
            params = {"time": local.strftime("%H:%M"), "kind": appointment.kind, "case": appointment.case.number}
            recipients = {appointment.case.officer_id} - {None}
            if appointment.handoff_id:
                recipients |= set(
                    User.objects.filter(
                        office_id=appointment.handoff.to_office_id, role=Role.AGENCY_STAFF, is_active=True
                    ).values_list("pk", flat=True)
                )
            notifications += [
                Notification(
                    user_id=pk, kind=NotificationKind.APPOINTMENT_TOMORROW, params=params, link=f"/cases/{appointment.case_id}/"
                )
                for pk in recipients
            ]
            reminded += 1
        Notification.objects.bulk_create(notifications)
        Appointment.objects.filter(pk__in=[a.pk for a in due]).update(reminder_sent_at=timezone.now())
    return reminded
