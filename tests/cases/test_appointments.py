from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rehab.cases.models import Appointment, AppointmentState, CaseState
from rehab.cases.selectors import case_timeline
from rehab.cases.services import appointment_mark, appointment_reminders_send, appointment_schedule, note_add
from rehab.core.errors import ApplicationError
from rehab.notifications.models import Notification
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def at(days: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=days), time(hour)))


def test_an_appointment_cannot_be_in_the_past_nor_marked_attended_before_it_starts(officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    with pytest.raises(ApplicationError, match="past"):
        appointment_schedule(case=case, by=officer, kind="report_in", starts_at=at(-1))
    appointment = appointment_schedule(case=case, by=officer, kind="report_in", starts_at=at(2))
    with pytest.raises(ApplicationError, match="once its time has come"):
        appointment_mark(appointment_id=appointment.pk, by=officer, mark="attend")
    assert appointment_mark(appointment_id=appointment.pk, by=officer, mark="cancel").state == AppointmentState.CANCELLED
    with pytest.raises(ApplicationError, match="already marked"):
        appointment_mark(appointment_id=appointment.pk, by=officer, mark="cancel")


def test_another_officer_cannot_schedule_or_mark(officer, colleague):
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    with pytest.raises(ApplicationError):
        appointment_schedule(case=case, by=colleague, kind="home_visit", starts_at=at(1))


def test_reminders_go_out_once_the_day_before(officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    tomorrow = appointment_schedule(case=case, by=officer, kind="home_visit", starts_at=at(1, 14))
    appointment_schedule(case=case, by=officer, kind="report_in", starts_at=at(3))
    assert appointment_reminders_send() == 1
    assert appointment_reminders_send() == 0
    [note] = Notification.objects.filter(user=officer, kind="appointment_tomorrow")
    assert "14:00" in note.text and case.number in note.text
    assert Appointment.objects.get(pk=tomorrow.pk).reminder_sent_at is not None


def test_a_missed_appointment_shows_on_the_caseload(client, officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    appointment = appointment_schedule(case=case, by=officer, kind="report_in", starts_at=timezone.now() + timedelta(seconds=1))
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=timezone.now() - timedelta(days=2))
    client.force_login(officer)
    assert "missed appointment" not in client.get(reverse("cases:caseload")).content.decode()
    appointment_mark(appointment_id=appointment.pk, by=officer, mark="miss")
    assert "missed appointment" in client.get(reverse("cases:caseload")).content.decode()


def test_the_case_page_schedules_and_marks(client, officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    client.force_login(officer)
    day = (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")
    response = client.post(
        reverse("cases:appointment_new", args=[case.pk]),
        {
            "appointment-kind": "home_visit",
            "appointment-starts_on": day,
            "appointment-starts_time": "09:00",
            "appointment-place": "บ้านเลขที่ 12",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    client.post(reverse("cases:appointment_mark", args=[appointment.pk, "cancel"]), {"next": "https://evil.example/"})
    assert Appointment.objects.get().state == AppointmentState.CANCELLED
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "บ้านเลขที่ 12" in html


def test_the_timeline_shows_everything_newest_first(officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    note_add(case=case, by=officer, kind="phone", contacted_at=timezone.now() - timedelta(days=3), text="โทรติดตาม")
    appointment_schedule(case=case, by=officer, kind="report_in", starts_at=at(5))
    kinds = [entry.kind for entry in case_timeline(case=case)]
    assert kinds == ["appointment", "note"]
    times = [entry.at for entry in case_timeline(case=case)]
    assert times == sorted(times, reverse=True)


def test_a_rejected_appointment_keeps_what_was_typed(client, officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    client.force_login(officer)
    yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")
    response = client.post(
        reverse("cases:appointment_new", args=[case.pk]),
        {
            "appointment-kind": "home_visit",
            "appointment-starts_on": yesterday,
            "appointment-starts_time": "09:00",
            "appointment-place": "ตลาดสด",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be scheduled in the past" in html and "ตลาดสด" in html and yesterday in html
    assert not Appointment.objects.exists()
