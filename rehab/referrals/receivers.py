"""How referrals plug into the cases app: its receivers of case events, and what it adds to a case
(the plan panel, the timeline's stage and hand-off steps, open hand-offs as open work, the receiving
offices as partners of the case). Connected once, in ``ReferralsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import ngettext

from rehab.cases import extensions
from rehab.cases.events import case_ending
from rehab.cases.models import Case
from rehab.referrals.events import escalations_created
from rehab.referrals.selectors import (
    latest_handoff_to,
    open_handoff_count,
    plan_timeline,
    serving_office_ids,
    stages_in_plan_order,
)
from rehab.referrals.services import handoff_link, handoffs_withdraw_for_ended_case
from rehab.referrals.tasks import send_escalation_emails


def withdraw_handoffs_of_ended_case(sender: Any, *, case: Case, by: Any, reason: str, **kwargs: Any) -> None:
    handoffs_withdraw_for_ended_case(case=case, by=by, reason=reason)


def queue_escalation_emails(sender: Any, *, escalation_ids: list[int], **kwargs: Any) -> None:
    send_escalation_emails.delay(escalation_ids)


def plan_panel(request: HttpRequest, case: Case) -> dict[str, Any]:
    return {"stages": stages_in_plan_order(case)}


def partner_link(case: Case, office_id: int) -> str | None:
    handoff = latest_handoff_to(case=case, office_id=office_id)
    return handoff_link(handoff.pk) if handoff is not None else None


def open_handoffs_sentence(count: int) -> str:
    return ngettext("%(count)d hand-off is still open.", "%(count)d hand-offs are still open.", count) % {"count": count}


def connect() -> None:
    case_ending.connect(withdraw_handoffs_of_ended_case, dispatch_uid="referrals.withdraw_handoffs_of_ended_case")
    escalations_created.connect(queue_escalation_emails, dispatch_uid="referrals.queue_escalation_emails")
    extensions.add_case_panel(extensions.CasePanel("plan", 30, "referrals/_plan_panel.html", plan_panel))
    extensions.add_timeline_source(plan_timeline)
    extensions.add_open_work(extensions.OpenWork("handoffs", open_handoff_count, open_handoffs_sentence))
    extensions.add_partner(extensions.Partner("referrals", serving_office_ids, partner_link))
