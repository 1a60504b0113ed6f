"""Appointments with the person: schedule, mark what happened, remind the day before.

An appointment is held by the case's probation office, or by a partner office serving the case (the
receiving office of a hand-off, see rehab.cases.extensions); the staff of that office schedule and mark it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.audit.models import AuditAction
from rehab.audit.services import audit_record
from rehab.cases.events import appointment_marked
from rehab.cases.extensions import partner_link, partner_office_ids
from rehab.cases.models import Appointment, AppointmentKind, AppointmentState, Case
from rehab.core.errors import ApplicationError
from rehab.notifications.services import notify
from rehab.reference.models import Office, Role, User

MARKS = {"attend": AppointmentState.ATTENDED, "miss": AppointmentState.MISSED, "cancel": AppointmentState.CANCELLED}
APPOINTMENT_TOMORROW = "appointment_tomorrow"


def _may_schedule(*, case: Case, office: Office, by: User) -> bool:
    """At the case's office: its officer or supervisor. At a partner office serving the case: them too, or
    the staff of that office."""
    works_on_case = bool(by.has_perm("cases.work_on_case", case))
    if office.pk == case.office_id:
        return works_on_case
    is_its_staff = by.role == Role.AGENCY_STAFF and by.office_id == office.pk
    return (works_on_case or is_its_staff) and office.pk in partner_office_ids(case)


def appointment_schedule(
    *, case: Case, by: User, kind: str, starts_at: datetime, place: str = "", office: Office | None = None
) -> Appointment:
    """Schedule an appointment held by ``office`` (the case's probation office by default)."""
    office = office or case.office
    if not _may_schedule(case=case, office=office, by=by):
        raise ApplicationError(_("Only the case's officer, its office's supervisor or the receiving office may schedule this."))
    if not case.is_open:
        raise ApplicationError(_("Appointments are scheduled while the case is open."))
    if kind not in AppointmentKind.values:
        raise ApplicationError(_("Choose the kind of appointment."), field="kind")
    if starts_at < timezone.now():
        raise ApplicationError(_("An appointment cannot be scheduled in the past."), field="starts_on")
    appointment = Appointment.objects.create(
        case=case, office=office, kind=kind, starts_at=starts_at, place=place.strip(), created_by=by
    )
    audit_record(
        actor=by, action=AuditAction.CREATE, obj=appointment, detail={"case": case.pk, "kind": kind, "office": office.pk}
    )
    return appointment


def appointment_mark(*, appointment_id: int, by: User, mark: str, note: str = "") -> Appointment:
    if mark not in MARKS:
        raise ApplicationError(_("Choose what happened."))
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update(of=("self",)).select_related("case").get(pk=appointment_id)
        if not by.has_perm("cases.manage_appointment", appointment):
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
        appointment_marked.emit(Appointment, case_id=appointment.case_id, appointment_id=appointment.pk, state=appointment.state)
    return appointment


def appointment_reminders_send(*, today: datetime | None = None) -> int:
    """Remind the case's officer (and, for an appointment at a partner office, that office's staff) of
    tomorrow's appointments, each with a link to a page they may open. Each appointment is reminded once,
    however often this runs."""
    local_today = timezone.localdate(today) if today else timezone.localdate()
    tomorrow = local_today + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, time.min))
    end = start + timedelta(days=1)
    reminded = 0
    with transaction.atomic():
        due = list(
            Appointment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("case")
            .filter(state=AppointmentState.SCHEDULED, reminder_sent_at__isnull=True, starts_at__gte=start, starts_at__lt=end)
        )
        for appointment in due:
            case = appointment.case
            local = timezone.localtime(appointment.starts_at)
            params = {"time": local.strftime("%H:%M"), "kind": appointment.kind, "case": case.number}
            if case.officer_id:
                notify(
                    user_ids=[case.officer_id],
                    kind=APPOINTMENT_TOMORROW,
                    params=params,
                    link=reverse("cases:detail", args=[case.pk]),
                )
            if appointment.office_id != case.office_id:
                staff = User.objects.filter(office_id=appointment.office_id, role=Role.AGENCY_STAFF, is_active=True)
                notify(
                    user_ids=staff.values_list("pk", flat=True),
                    kind=APPOINTMENT_TOMORROW,
                    params=params,
                    link=partner_link(case, appointment.office_id),
                )
            reminded += 1
        Appointment.objects.filter(pk__in=[a.pk for a in due]).update(reminder_sent_at=timezone.now())
    return reminded
