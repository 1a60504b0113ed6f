"""Consent of the person to share categories of their data with one recipient office (PDPA). It can be
withdrawn; the pages stop showing what it allowed at once."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.audit.models import AuditAction
from rehab.audit.services import audit_record
from rehab.cases.models import Case
from rehab.core.errors import ApplicationError
from rehab.reference.models import User
from rehab.referrals.models import Consent, ShareCategory


def consent_record(*, case: Case, by: User, recipient_id: int, categories: list[str], given_on: date) -> Consent:
    if not by.has_perm("cases.work_on_case", case):
        raise ApplicationError(_("Only the case's officer or the supervisor of its office may record a consent."))
    unknown = set(categories) - set(ShareCategory.values)
    if unknown or not categories:
        raise ApplicationError(_("Choose what the person agreed to share."), field="categories")
    if given_on > timezone.localdate():
        raise ApplicationError(_("A consent cannot be dated in the future."), field="given_on")
    consent = Consent.objects.create(
        person_id=case.person_id, recipient_id=recipient_id, categories=sorted(categories), given_on=given_on, recorded_by=by
    )
    audit_record(actor=by, action=AuditAction.CREATE, obj=consent, detail={"case": case.pk, "categories": sorted(categories)})
    return consent


def consent_withdraw(*, consent_id: int, by: User, case: Case) -> Consent:
    if not by.has_perm("cases.work_on_case", case):
        raise ApplicationError(_("Only the case's officer or the supervisor of its office may record a withdrawal."))
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent_id, person_id=case.person_id)
        if consent.withdrawn_at is None:
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])
            audit_record(actor=by, action=AuditAction.UPDATE, obj=consent, detail={"change": "withdrawn"})
    return consent
