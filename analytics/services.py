"""Every write of the risk model's governance and of flags: approve, reject, roll back; acknowledge,
override and resolve a flag. A flag never changes a case: these functions touch only flags."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.models import FlagAction, FlagState, ModelStatus, RiskFlag, RiskModelVersion
from rehab.audit.models import AuditAction
from rehab.audit.services import audit_record
from rehab.core.errors import ApplicationError
from rehab.reference.models import User


def model_approve(*, version_id: int, by: User, note: str = "") -> RiskModelVersion:
    """Put a candidate (or a retired version: a roll-back) into service; the one in service retires."""
    if not by.has_perm("analytics.decide_model"):
        raise ApplicationError(_("Only a manager may approve a risk model."))
    with transaction.atomic():
        version = RiskModelVersion.objects.select_for_update().get(pk=version_id)
        if version.status not in (ModelStatus.CANDIDATE, ModelStatus.RETIRED):
            raise ApplicationError(_("Only a candidate or a retired version can be approved."))
        if version.quality_failures:
            raise ApplicationError(
                _("This model fails its minimum quality checks and cannot be approved: %(failures)s")
                % {"failures": "; ".join(version.quality_failures_for_reader)}
            )
        for current in RiskModelVersion.objects.select_for_update().filter(status=ModelStatus.APPROVED).exclude(pk=version.pk):
            current.retire(by=by, description=f"replaced by v{version.version}")
            current.save()
        version.approve(by=by, description=note)
        version.decided_by, version.decided_at, version.decision_note = by, timezone.now(), note
        version.save()
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=version, detail={"transition": "approve"})
    return version


def model_reject(*, version_id: int, by: User, note: str) -> RiskModelVersion:
    if not by.has_perm("analytics.decide_model"):
        raise ApplicationError(_("Only a manager may reject a risk model."))
    if not note.strip():
        raise ApplicationError(_("Say why the model is rejected."), field="note")
    with transaction.atomic():
        version = RiskModelVersion.objects.select_for_update().get(pk=version_id)
        if version.status != ModelStatus.CANDIDATE:
            raise ApplicationError(_("Only a candidate can be rejected."))
        version.reject(by=by, description=note.strip())
        version.decided_by, version.decided_at, version.decision_note = by, timezone.now(), note.strip()
        version.save()
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=version, detail={"transition": "reject"})
    return version


def model_in_service() -> RiskModelVersion | None:
    return RiskModelVersion.objects.filter(status=ModelStatus.APPROVED).first()


def _lock_flag(*, flag_id: int, by: User) -> RiskFlag:
    flag = RiskFlag.objects.select_for_update(of=("self",)).select_related("case").get(pk=flag_id)
    if not by.has_perm("cases.work_on_case", flag.case):
        raise ApplicationError(_("Only the case's officer or the supervisor of its office may act on its flag."))
    return flag


def flag_acknowledge(*, flag_id: int, by: User, action: str, note: str = "") -> RiskFlag:
    if action not in FlagAction.values:
        raise ApplicationError(_("Choose the action taken."), field="action")
    if action == FlagAction.NO_ACTION and not note.strip():
        raise ApplicationError(_("Say why no action is taken."), field="note")
    with transaction.atomic():
        flag = _lock_flag(flag_id=flag_id, by=by)
        if flag.state != FlagState.RAISED:
            raise ApplicationError(_("This flag was already dealt with."))
        flag.acknowledge(by=by, description=note.strip())
        flag.action, flag.note, flag.acted_by, flag.acted_at = action, note.strip(), by, timezone.now()
        flag.save()
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=flag, detail={"transition": "acknowledge", "action": action})
    return flag


def flag_override(*, flag_id: int, by: User, reason: str) -> RiskFlag:
    if not reason.strip():
        raise ApplicationError(_("Say why you disagree with the flag."), field="note")
    with transaction.atomic():
        flag = _lock_flag(flag_id=flag_id, by=by)
        if flag.state != FlagState.RAISED:
            raise ApplicationError(_("This flag was already dealt with."))
        flag.override(by=by, description=reason.strip())
        flag.note, flag.acted_by, flag.acted_at = reason.strip(), by, timezone.now()
        flag.save()
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=flag, detail={"transition": "override"})
    return flag


def flag_resolve(*, flag_id: int, by: User, note: str = "") -> RiskFlag:
    with transaction.atomic():
        flag = _lock_flag(flag_id=flag_id, by=by)
        if flag.state != FlagState.ACKNOWLEDGED:
            raise ApplicationError(_("Only an acknowledged flag can be resolved."))
        flag.resolve(by=by, description=note.strip())
        flag.save()
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=flag, detail={"transition": "resolve"})
    return flag
