"""Appointments at the receiving office of a hand-off: its staff schedule and mark them, see them on the
hand-off, and their reminder links to the hand-off (a case page would answer them 404)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from rehab.cases.models import Appointment, AppointmentState
from rehab.cases.services import appointment_mark, appointment_reminders_send, appointment_schedule
from rehab.core.errors import ApplicationError
from rehab.notifications.models import Notification
from rehab.referrals.services import handoff_accept, handoff_appointment_schedule, handoff_complete
from tests.factories import send_to_employment

pytestmark = pytest.mark.django_db


def tomorrow_at(hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), time(hour)))


@pytest.fixture
def handoff(officer):
    return send_to_employment(officer)


def test_the_receiving_office_schedules_at_its_own_office_while_the_hand_off_runs(handoff, employment_staff):
    appointment = handoff_appointment_schedule(
        handoff_id=handoff.pk, by=employment_staff, kind="agency", starts_at=tomorrow_at(10), place="ห้องสัมภาษณ์"
    )
    assert (appointment.case_id, appointment.office_id) == (handoff.case_id, handoff.to_office_id)
    handoff_accept(handoff_id=handoff.pk, by=employment_staff)
    handoff_complete(handoff_id=handoff.pk, by=employment_staff, outcome="placed")
    with pytest.raises(ApplicationError, match="already"):
        handoff_appointment_schedule(handoff_id=handoff.pk, by=employment_staff, kind="agency", starts_at=tomorrow_at(11))


def test_another_office_cannot_schedule_on_the_case(handoff, other_agency_staff):
    with pytest.raises(ApplicationError):
        handoff_appointment_schedule(handoff_id=handoff.pk, by=other_agency_staff, kind="agency", starts_at=tomorrow_at(10))
    with pytest.raises(ApplicationError):
        appointment_schedule(
            case=handoff.case, by=other_agency_staff, kind="agency", starts_at=tomorrow_at(10), office=other_agency_staff.office
        )
    assert not Appointment.objects.exists()


def test_the_holding_office_marks_it_and_another_office_cannot(handoff, employment_staff, other_agency_staff):
    appointment = handoff_appointment_schedule(
        handoff_id=handoff.pk, by=employment_staff, kind="agency", starts_at=tomorrow_at(9)
    )
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ApplicationError):
        appointment_mark(appointment_id=appointment.pk, by=other_agency_staff, mark="attend")
    assert appointment_mark(appointment_id=appointment.pk, by=employment_staff, mark="attend").state == AppointmentState.ATTENDED


def test_the_reminder_links_each_recipient_to_a_page_they_may_open(handoff, officer, employment_staff):
    handoff_appointment_schedule(handoff_id=handoff.pk, by=employment_staff, kind="agency", starts_at=tomorrow_at(14))
    assert appointment_reminders_send() == 1
    officer_note = Notification.objects.get(user=officer, kind="appointment_tomorrow")
    staff_note = Notification.objects.get(user=employment_staff, kind="appointment_tomorrow")
    assert resolve(officer_note.link).view_name == "cases:detail"
    assert staff_note.link == reverse("referrals:handoff_detail", args=[handoff.pk])
    for user, note in ((officer, officer_note), (employment_staff, staff_note)):
        client = Client()
        client.force_login(user)
        assert client.get(note.link).status_code == 200, (user.username, note.link)
    assert "14:00" in staff_note.text


def test_the_hand_off_page_schedules_shows_and_marks_the_appointments(client, handoff, employment_staff):
    client.force_login(employment_staff)
    day = (timezone.localdate() + timedelta(days=2)).strftime("%d/%m/%Y")
    url = reverse("referrals:appointment_new", args=[handoff.pk])
    response = client.post(url, {"appointment-kind": "agency", "appointment-starts_on": day, "appointment-starts_time": ""})
    assert response.status_code == 400 and day in response.content.decode()
    data = {"appointment-kind": "agency", "appointment-starts_on": day, "appointment-starts_time": "10:30"}
    assert client.post(url, {**data, "appointment-place": "ชั้น 2"}).status_code == 302
    html = client.get(reverse("referrals:handoff_detail", args=[handoff.pk])).content.decode()
    assert 'id="appointments"' in html and "ชั้น 2" in html
    appointment = Appointment.objects.get()
    response = client.post(reverse("cases:appointment_mark", args=[appointment.pk, "cancel"]))
    assert response.status_code == 302
    assert Appointment.objects.get().state == AppointmentState.CANCELLED
