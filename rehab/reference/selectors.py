"""Reads of the reference data: working-day deadlines, the catalogue, offices."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet

from rehab.core.workdays import add_working_days
from rehab.reference.models import PROBATION_UNIT, Office, PublicHoliday, ServiceOffer


def holidays_between(start: date, end: date) -> list[date]:
    return list(PublicHoliday.objects.filter(day__gte=start, day__lte=end).values_list("day", flat=True))


def deadline_after(start: date, working_days: int) -> date:
    """``working_days`` working days after ``start``, skipping weekends and the public holidays in the database."""
    # Holidays are few: fetch a generous window once (every 5 working days span at most 7 calendar days + holidays).
    window_end = start + timedelta(days=working_days * 2 + 30)
    return add_working_days(start, working_days, holidays_between(start, window_end))


def offers_of(*, services: list[str], province_code: str) -> QuerySet[ServiceOffer]:
    """The active offers of these services by offices in one province, each with its office and unit."""
    return (
        ServiceOffer.objects.filter(service__in=services, active=True, office__province_id=province_code)
        .select_related("office", "office__unit")
        .order_by("office__unit_id", "service")
    )


def partner_offices_in(*, province_code: str) -> QuerySet[Office]:
    """The offices of partner agencies (every unit but probation) in one province."""
    return Office.objects.filter(province_id=province_code).exclude(unit_id=PROBATION_UNIT).order_by("unit_id")
