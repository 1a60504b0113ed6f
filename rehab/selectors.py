"""Reads that span models: the caseload, the office view, a case's timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from rehab.models import (
    OPEN_STATES,
    Appointment,
    AppointmentState,
    Case,
    CaseState,
    Handoff,
    HandoffState,
    Role,
    Stage,
    StageState,
    User,
)

# The caseload flags a person who missed an appointment within this window.
MISSED_APPOINTMENT_WINDOW = timedelta(days=60)
_CASE_NUMBER = re.compile(r"^\s*KKD-?0*(\d{1,12})\s*$", re.IGNORECASE)
_SORTS: dict[str, list[Any]] = {
    "-release_date": ["-release_date", "-id"],
    "release_date": ["release_date", "id"],
    "last_contact": [F("last_contact_at").asc(nulls_first=True), "id"],
    "name": ["person__first_name_th", "person__last_name_th", "id"],
    "state": ["state", "-release_date", "id"],
    "risk": [F("risk__tier_rank").desc(nulls_last=True), F("risk__probability").desc(nulls_last=True), "id"],
}


def caseload(*, user: Any, query: str = "", state: str = "", sort: str = "") -> QuerySet[Case]:
    """The cases a user may see, searched, filtered and sorted: one query, whatever the size.

    The missed-appointment flag is not part of it: set it on the page's rows with `mark_missed_recently`
    (as an `Exists` annotation PostgreSQL hashes every missed appointment in the database to flag 25 rows).
    """
    cases = Case.objects.visible_to(user).select_related("person", "officer", "risk")
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
    return cases.order_by(*_SORTS.get(sort, _SORTS["-release_date"]))


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


def stages_in_plan_order(case: Case) -> list[Stage]:
    """The plan's stages in the order of the domains (education first), with their hand-offs."""
    from rehab.models import StageDomain

    stages = case.stages.prefetch_related("handoffs__to_office")
    return sorted(stages, key=lambda stage: StageDomain.values.index(stage.domain))


def appointments_for_case_page(case: Case, limit: int = 30) -> list[Appointment]:
    """Upcoming appointments soonest first, then the past ones newest first."""
    recent = list(case.appointments.order_by("-starts_at")[:limit])
    upcoming = sorted((a for a in recent if a.state == AppointmentState.SCHEDULED), key=lambda a: a.starts_at)
    return upcoming + [a for a in recent if a.state != AppointmentState.SCHEDULED]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # transition, note, assessment, reoffence
    title: str
    body: str
    by: str


def case_timeline(*, case: Case) -> list[TimelineEntry]:
    """Everything that happened on the case, newest first: transitions with their reasons, notes,
    assessments and recorded offences."""
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
    stage_labels, handoff_labels = dict(StageState.choices), dict(HandoffState.choices)
    stages = {stage.pk: stage for stage in case.stages.all()}
    handoffs = {handoff.pk: handoff for handoff in case.handoffs.select_related("to_office")}
    for log in StateLog.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(Stage), object_id__in=list(stages))
        | Q(content_type=ContentType.objects.get_for_model(Handoff), object_id__in=list(handoffs))
    ).select_related("by", "content_type"):
        if log.content_type.model == "stage":
            stage = stages[log.object_id]
            title = _("Stage %(domain)s: %(state)s") % {
                "domain": stage.get_domain_display(),
                "state": stage_labels.get(log.state, log.state),
            }
            kind, body = "stage", ""
        else:
            handoff = handoffs[log.object_id]
            title = _("Hand-off %(number)s to %(office)s: %(state)s") % {
                "number": handoff.number,
                "office": handoff.to_office.name,
                "state": handoff_labels.get(log.state, log.state),
            }
            kind, body = "handoff", log.description or ""
        entries.append(TimelineEntry(at=log.timestamp, kind=kind, title=title, body=body, by=str(log.by) if log.by else ""))
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
                title=_("New offence recorded (%(category)s)") % {"category": reoffence.get_offence_category_display()},
                body="",
                by=str(reoffence.recorded_by),
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries
