"""What other apps add to a case without the cases app knowing them (as pretix plugins add to its pages).

The cases app owns people, cases, assessments, notes, appointments and reoffences. Referrals, analytics,
programmes and employment build on it; they register here, in their ``AppConfig.ready``:

- **case-page panels**: a section of the case page (the plan and hand-offs; the risk of reoffending);
- **timeline sources**: entries of the case's timeline (a stage referred, a hand-off accepted);
- **open work**: what still runs on a case, so completing it early needs the supervisor (open hand-offs);
- **partners**: the offices serving a case, whose staff may hold appointments with the person, and the page
  of theirs an appointment reminder links to (the hand-off);
- **caseload columns**: a column of the caseload table, with its sort and what it reads for a page of rows.

Every function registered here receives cases the user may already see; it reads only what its own app owns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.http import HttpRequest

    from rehab.cases.models import Case


@dataclass(frozen=True)
class CasePanel:
    """A section of the case page: ``template`` rendered with the request and ``context(request, case)``."""

    name: str
    order: int
    template: str
    context: Callable[[HttpRequest, Case], dict[str, Any]]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # transition, note, assessment, appointment, reoffence, stage, handoff, ...
    title: str
    body: str
    by: str


@dataclass(frozen=True)
class OpenWork:
    """Something that still runs on a case: ``count(case)`` of them, described by ``sentence(count)``."""

    name: str
    count: Callable[[Case], int]
    sentence: Callable[[int], str]


@dataclass(frozen=True)
class Partner:
    """Offices that serve a case (``offices(case)``), and the page of theirs about it (``link(case, office_id)``)."""

    name: str
    offices: Callable[[Case], Iterable[int]]
    link: Callable[[Case, int], str | None]


@dataclass(frozen=True)
class CaseloadColumn:
    """A column of the caseload table.

    ``select_related`` is added to the list's one query; ``sorts`` are extra sort keys (key, label,
    ordering); ``annotate(cases)`` sets attributes on a page of rows with at most one query; the cell is
    ``cell_template`` rendered with ``case``. A row another app wants to stand out gets ``attention``,
    a short sentence why."""

    name: str
    label: Promise
    cell_template: str
    select_related: Sequence[str] = ()
    sorts: Sequence[tuple[str, Promise, Sequence[Any]]] = ()
    annotate: Callable[[list[Case]], None] | None = None


@dataclass
class Registry:
    panels: list[CasePanel] = field(default_factory=list)
    timeline_sources: list[Callable[[Case], Iterable[TimelineEntry]]] = field(default_factory=list)
    open_work: list[OpenWork] = field(default_factory=list)
    partners: list[Partner] = field(default_factory=list)
    caseload_columns: list[CaseloadColumn] = field(default_factory=list)


registry = Registry()


def add_case_panel(panel: CasePanel) -> None:
    registry.panels = sorted([p for p in registry.panels if p.name != panel.name] + [panel], key=lambda p: p.order)


def add_timeline_source(source: Callable[[Case], Iterable[TimelineEntry]]) -> None:
    if source not in registry.timeline_sources:
        registry.timeline_sources.append(source)


def add_open_work(work: OpenWork) -> None:
    registry.open_work = [w for w in registry.open_work if w.name != work.name] + [work]


def add_partner(partner: Partner) -> None:
    registry.partners = [p for p in registry.partners if p.name != partner.name] + [partner]


def add_caseload_column(column: CaseloadColumn) -> None:
    registry.caseload_columns = [c for c in registry.caseload_columns if c.name != column.name] + [column]


def open_work_on(case: Case) -> list[str]:
    """Sentences for what still runs on the case (empty when nothing does)."""
    sentences = []
    for work in registry.open_work:
        count = work.count(case)
        if count:
            sentences.append(work.sentence(count))
    return sentences


def partner_office_ids(case: Case) -> set[int]:
    return {office for partner in registry.partners for office in partner.offices(case)}


def partner_link(case: Case, office_id: int) -> str:
    """The page of a partner office about this case ("" when no partner offers one)."""
    for partner in registry.partners:
        link = partner.link(case, office_id)
        if link:
            return link
    return ""
