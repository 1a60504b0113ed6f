"""Reads of cases: the caseload, a case for a user, the office's officers, a case's timeline."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from rehab.cases.extensions import TimelineEntry, registry
from rehab.cases.models import OPEN_STATES, Appointment, AppointmentState, Assessment, Case, CaseState, Reoffence
from rehab.core.dates import format_date
from rehab.reference.models import Role, User

# The caseload flags a person who missed an appointment within this window.
MISSED_APPOINTMENT_WINDOW = timedelta(days=60)
_CASE_NUMBER = re.compile(r"^\s*KKD-?0*(\d{1,12})\s*$", re.IGNORECASE)
SORTS: dict[str, list[Any]] = {
    "-release_date": ["-release_date", "-id"],
    "release_date": ["release_date", "id"],
    "last_contact": [F("last_contact_at").asc(nulls_first=True), "id"],
    "name": ["person__first_name_th", "person__last_name_th", "id"],
    "state": ["state", "-release_date", "id"],
}
# The fields of a case a page shows with it.
CASE_PAGE_RELATED = ("person", "office", "officer", "person__home_district__province")


def case_visible(*, user: Any, pk: int) -> Case | None:
    """The case if ``user`` may see it (an officer's caseload, a supervisor's office), else None."""
    return Case.objects.visible_to(user).select_related(*CASE_PAGE_RELATED).filter(pk=pk).first()


def caseload_sorts() -> dict[str, list[Any]]:
    """The caseload's sort keys: its own and those of other apps' columns (risk, for one)."""
    return {**SORTS, **{key: list(order) for column in registry.caseload_columns for key, _label, order in column.sorts}}


def caseload(*, user: Any, query: str = "", state: str = "", sort: str = "") -> QuerySet[Case]:
    """The cases a user may see, searched, filtered and sorted: one query, whatever the size.

    Flags read per row are not part of it: ``caseload_annotate`` sets them on a page's rows (as an
    ``Exists`` annotation PostgreSQL hashes every missed appointment in the database to flag 25 rows).
    """
    related = ["person", "officer", *(name for column in registry.caseload_columns for name in column.select_related)]
    cases = Case.objects.visible_to(user).select_related(*related)
    query = query.strip()
    if query:
        digits = query.replace("-", "").replace(" ", "")
        number = _CASE_NUMBER.match(query)
        if number:
            cases = cases.filter(pk=int(number.group(1)))
        elif digits.isdigit() and len(digits) == 13:
            cases = cases.filter(person__national_id=digits)
        else:
            for word in query.split()[:4]:
                cases = cases.filter(
                    Q(person__first_name_th__icontains=word)
                    | Q(person__last_name_th__icontains=word)
                    | Q(person__first_name_en__icontains=word)
                    | Q(person__last_name_en__icontains=word)
                )
    if state == "open":
        cases = cases.filter(state__in=OPEN_STATES)
    elif state in CaseState.values:
        cases = cases.filter(state=state)
    sorts = caseload_sorts()
    return cases.order_by(*sorts.get(sort, sorts["-release_date"]))


def caseload_annotate(cases: list[Case]) -> list[Case]:
    """Set the per-row flags of a page of cases: a missed appointment recently, and whatever the other apps'
    columns read (each with at most one query for the page)."""
    mark_missed_recently(cases)
    for column in registry.caseload_columns:
        if column.annotate is not None:
            column.annotate(cases)
    return cases


def mark_missed_recently(cases: list[Case]) -> list[Case]:
    """Set `missed_recently` on these cases (a page of a list): one indexed query for the page."""
    since = timezone.now() - MISSED_APPOINTMENT_WINDOW
    missed = set(
        Appointment.objects.filter(
            case_id__in=[case.pk for case in cases], state=AppointmentState.MISSED, starts_at__gte=since
        ).values_list("case_id", flat=True)
    )
    for case in cases:
        case.missed_recently = case.pk in missed  # type: ignore[attr-defined]
    return cases


def office_officers(*, office_id: int) -> QuerySet[User]:
    return User.objects.filter(office_id=office_id, role=Role.OFFICER, is_active=True).order_by("first_name", "username")


def office_officer_loads(*, office_id: int) -> list[dict[str, Any]]:
    """Each officer of the office with the number of open cases they carry."""
    officers = office_officers(office_id=office_id).annotate(
        open_cases=Count("caseload", filter=Q(caseload__state__in=OPEN_STATES))
    )
    return [{"officer": officer, "open_cases": officer.open_cases} for officer in officers]


def assessment_draft(*, case: Case) -> Assessment | None:
    return case.assessments.filter(finished_at__isnull=True).prefetch_related("needs").first()


def assessment_current(*, case: Case) -> Assessment | None:
    return case.assessments.prefetch_related("needs").select_related("author").first()


def assessment_latest_finished(*, case_id: int) -> Assessment | None:
    return Assessment.objects.filter(case_id=case_id, finished_at__isnull=False).prefetch_related("needs").first()


def appointments_for_case_page(case: Case, limit: int = 30) -> list[Appointment]:
    """Upcoming appointments soonest first, then the past ones newest first."""
    recent = list(case.appointments.select_related("office").order_by("-starts_at")[:limit])
    upcoming = sorted((a for a in recent if a.state == AppointmentState.SCHEDULED), key=lambda a: a.starts_at)
    return upcoming + [a for a in recent if a.state != AppointmentState.SCHEDULED]


def appointments_at(*, case_id: int, office_id: int) -> QuerySet[Appointment]:
    """The appointments of a case held by one office (a partner office's own, on its hand-off page)."""
    return Appointment.objects.filter(case_id=case_id, office_id=office_id).order_by("starts_at", "id")


def reoffences_of(*, person_id: int) -> QuerySet[Reoffence]:
    """The person's recorded new offences, oldest first, each with the release episode it follows."""
    return Reoffence.objects.filter(person_id=person_id).select_related("case", "recorded_by")


def case_timeline(*, case: Case) -> list[TimelineEntry]:
    """Everything that happened on the case, newest first: transitions with their reasons, notes,
    assessments, appointments and recorded offences, and what the other apps add (stages, hand-offs)."""
    entries: list[TimelineEntry] = []
    logs = StateLog.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=case.pk).select_related("by")
    labels = dict(CaseState.choices)
    for log in logs:
        entries.append(
            TimelineEntry(
                at=log.timestamp,
                kind="transition",
                title=_("%(from)s → %(to)s")
                % {"from": labels.get(log.source_state, log.source_state), "to": labels.get(log.state, log.state)},
                body=log.description or "",
                by=str(log.by) if log.by else "",
            )
        )
    for note in case.notes.select_related("author"):
        entries.append(
            TimelineEntry(at=note.contacted_at, kind="note", title=note.get_kind_display(), body=note.text, by=str(note.author))
        )
    for assessment in case.assessments.select_related("author"):
        if assessment.finished_at:
            entries.append(
                TimelineEntry(
                    at=assessment.finished_at,
                    kind="assessment",
                    title=_("Needs assessment finished"),
                    body=assessment.summary,
                    by=str(assessment.author),
                )
            )
    for appointment in case.appointments.select_related("created_by"):
        entries.append(
            TimelineEntry(
                at=appointment.starts_at,
                kind="appointment",
                title=_("Appointment: %(kind)s (%(state)s)")
                % {"kind": appointment.get_kind_display(), "state": appointment.get_state_display()},
                body=appointment.place,
                by=str(appointment.created_by),
            )
        )
    for reoffence in case.reoffences.select_related("recorded_by"):
        entries.append(
            TimelineEntry(
                at=reoffence.recorded_at,
                kind="reoffence",
                title=_("New offence recorded (%(category)s), dated %(date)s")
                % {"category": reoffence.get_offence_category_display(), "date": format_date(reoffence.offence_date)},
                body="",
                by=str(reoffence.recorded_by),
            )
        )
    for source in registry.timeline_sources:
        entries.extend(source(case))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries
