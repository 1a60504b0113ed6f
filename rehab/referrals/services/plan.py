"""The plan of a case: one stage per domain of need, which its hand-offs then drive."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rehab.audit.models import AuditAction
from rehab.audit.services import audit_record
from rehab.cases.models import Case, CaseState
from rehab.cases.services import case_plan_set_no_needs
from rehab.core.errors import ApplicationError
from rehab.reference.models import User
from rehab.referrals.models import OPEN_HANDOFF_STATES, Stage, StageDomain, StageState

PLANNABLE_STATES = (CaseState.ASSESSMENT, CaseState.ACTIVE, CaseState.SUSPENDED)
REFERRABLE_STATES = (CaseState.ASSESSMENT, CaseState.ACTIVE)


def plan_check_may_change(*, case: Case, by: User) -> None:
    if not by.has_perm("cases.work_on_case", case):
        raise ApplicationError(_("Only the case's officer or the supervisor of its office may change its plan."))
    if case.state not in PLANNABLE_STATES:
        raise ApplicationError(_("The plan can be changed once the needs assessment has started and while the case is open."))


def stage_add(*, case: Case, by: User, domain: str, goal: str) -> Stage:
    plan_check_may_change(case=case, by=by)
    if domain not in StageDomain.values:
        raise ApplicationError(_("Choose the domain of the stage."), field="domain")
    if not goal.strip():
        raise ApplicationError(_("Write the goal of this stage."), field="goal")
    with transaction.atomic():
        if case.stages.filter(domain=domain).exists():
            raise ApplicationError(_("The plan already has a stage for this domain."), field="domain")
        stage = Stage.objects.create(case=case, domain=domain, goal=goal.strip(), created_by=by)
        if case.plan_no_needs:
            case_plan_set_no_needs(case=case, no_needs=False)
        audit_record(actor=by, action=AuditAction.CREATE, obj=stage, detail={"case": case.pk, "domain": domain})
    return stage


def plan_record_no_needs(*, case: Case, by: User) -> None:
    plan_check_may_change(case=case, by=by)
    if case.stages.exclude(state=StageState.DISCONTINUED).exists():
        raise ApplicationError(_("The plan has stages: discontinue them before recording that there are no needs."))
    case_plan_set_no_needs(case=case, no_needs=True)
    audit_record(actor=by, action=AuditAction.UPDATE, obj=case, detail={"change": "plan_no_needs"})


def stage_discontinue(*, stage_id: int, by: User, reason: str) -> Stage:
    if not reason.strip():
        raise ApplicationError(_("Give a reason: it is kept in the case's history."), field="reason")
    with transaction.atomic():
        stage = Stage.objects.select_for_update(of=("self",)).select_related("case").get(pk=stage_id)
        plan_check_may_change(case=stage.case, by=by)
        if stage.handoffs.filter(state__in=OPEN_HANDOFF_STATES).exists():
            raise ApplicationError(_("Withdraw the open hand-off of this stage first."))
        if not stage.is_open:
            raise ApplicationError(_("This stage is already finished."))
        stage.discontinue(by=by, description=reason.strip())
        stage.save()
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=stage, detail={"transition": "discontinue"})
    return stage
