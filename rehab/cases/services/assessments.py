"""Needs assessments: start a draft, save it by domain, finish it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.audit.models import AuditAction
from rehab.audit.services import audit_record
from rehab.cases.events import assessment_finished
from rehab.cases.models import Assessment, AssessmentNeed, Case, CaseState, NeedDomain, NeedLevel, domains_in_need
from rehab.core.errors import ApplicationError
from rehab.reference.models import User

ASSESSABLE_STATES = (CaseState.ASSESSMENT, CaseState.ACTIVE, CaseState.SUSPENDED)


@dataclass(frozen=True)
class NeedInput:
    level: str
    needs_stage: bool
    note: str = ""


def assessment_check_may_assess(*, case: Case, by: User) -> None:
    if not by.has_perm("cases.work_on_case", case):
        raise ApplicationError(_("Only the case's officer or the supervisor of its office may assess it."))
    if case.state == CaseState.INTAKE:
        raise ApplicationError(_("Start the needs assessment on the case first."))
    if case.state not in ASSESSABLE_STATES:
        raise ApplicationError(_("A case that is no longer open cannot be assessed."))


def assessment_draft_get_or_start(*, case: Case, by: User) -> Assessment:
    """The case's draft assessment, started now (every domain at "no need") if there is none."""
    assessment_check_may_assess(case=case, by=by)
    with transaction.atomic():
        draft = case.assessments.select_for_update().filter(finished_at__isnull=True).first()
        if draft is not None:
            return draft
        draft = Assessment.objects.create(case=case, author=by, assessed_on=timezone.localdate())
        AssessmentNeed.objects.bulk_create(
            AssessmentNeed(assessment=draft, domain=domain, level=NeedLevel.NONE) for domain in NeedDomain.values
        )
        audit_record(actor=by, action=AuditAction.CREATE, obj=draft, detail={"case": case.pk})
        return draft


def assessment_save(
    *,
    assessment: Assessment,
    by: User,
    assessed_on: date,
    summary: str,
    needs: dict[str, NeedInput],
    finish: bool,
) -> Assessment:
    case = assessment.case
    assessment_check_may_assess(case=case, by=by)
    if assessed_on > timezone.localdate():
        raise ApplicationError(_("The assessment date cannot be in the future."), field="assessed_on")
    if assessed_on < case.release_date - timedelta(days=365):
        raise ApplicationError(_("The assessment date is more than a year before the release."), field="assessed_on")
    unknown = set(needs) - set(NeedDomain.values)
    if unknown:
        raise ApplicationError(_("Unknown need domain."))
    for domain, need in needs.items():
        if need.level == NeedLevel.NONE and need.needs_stage:
            raise ApplicationError(
                _("%(domain)s: a domain with no need cannot need a plan stage.") % {"domain": NeedDomain(domain).label},
                field=f"{domain}-needs_stage",
            )
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.is_finished:
            raise ApplicationError(_("This assessment was already finished; it can no longer be changed."))
        locked.assessed_on = assessed_on
        locked.summary = summary.strip()
        rows = list(locked.needs.all())
        for row in rows:
            if row.domain in needs:
                typed = needs[row.domain]
                row.level, row.needs_stage, row.note = typed.level, typed.needs_stage, typed.note.strip()
                row.save(update_fields=["level", "needs_stage", "note"])
        if finish:
            locked.finished_at = timezone.now()
            locked.domains_in_need = domains_in_need((row.domain, row.level) for row in rows)
        locked.save()
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=locked,
            detail={"case": case.pk, "finished": finish, "stages_needed": sorted(d for d, n in needs.items() if n.needs_stage)},
        )
        if finish:
            assessment_finished.emit(Assessment, case_id=case.pk, assessment_id=locked.pk)
        return locked
