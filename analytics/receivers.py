"""How analytics plugs into the cases app: it rescores a case when something its features read changes
(events of cases and referrals), and adds the risk panel to the case page and the risk column to the
caseload (rehab.cases.extensions). Connected once, in ``AnalyticsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics.forms import AcknowledgeForm, OverrideForm
from analytics.models import RiskTier
from analytics.selectors import case_risk_panel
from analytics.tasks import rescore_case_task
from rehab.cases import extensions
from rehab.cases.events import appointment_marked, assessment_finished
from rehab.cases.models import Case
from rehab.referrals.events import handoff_stepped
from rehab.referrals.models import LedgerStep

# A high-risk person without contact for this many days stands out on the caseload.
ATTENTION_AFTER_DAYS = 14


def rescore(sender: Any, *, case_id: int, **facts: Any) -> None:
    """A finished assessment or a marked appointment feeds the case's features: score it again."""
    rescore_case_task.delay(case_id)


def rescore_after_handoff(sender: Any, *, case_id: int, step: str, **facts: Any) -> None:
    """A completed hand-off (a placement, a programme) feeds the features; the other steps do not."""
    if step == LedgerStep.COMPLETED:
        rescore_case_task.delay(case_id)


def risk_panel(request: HttpRequest, case: Case) -> dict[str, Any]:
    return {
        "risk": case_risk_panel(case=case),
        "flag_forms": {"acknowledge": AcknowledgeForm(), "override": OverrideForm()},
        "may_work": request.user.has_perm("cases.work_on_case", case),
    }


def mark_attention(cases: list[Case]) -> None:
    """High risk and no contact for two weeks: the caseload makes such a person stand out. The risk rows
    came with the page's query (``select_related("risk")``): no query here."""
    now = timezone.now()
    reason = gettext("no contact for 2 weeks")
    for case in cases:
        risk = getattr(case, "risk", None)
        out_of_touch = case.last_contact_at is None or (now - case.last_contact_at).days >= ATTENTION_AFTER_DAYS
        if risk is not None and risk.tier == RiskTier.HIGH and out_of_touch:
            case.attention = reason  # type: ignore[attr-defined]


def connect() -> None:
    assessment_finished.connect(rescore, dispatch_uid="analytics.rescore.assessment_finished")
    appointment_marked.connect(rescore, dispatch_uid="analytics.rescore.appointment_marked")
    handoff_stepped.connect(rescore_after_handoff, dispatch_uid="analytics.rescore.handoff_stepped")
    extensions.add_case_panel(extensions.CasePanel("risk", 20, "analytics/_risk_panel.html", risk_panel))
    extensions.add_caseload_column(
        extensions.CaseloadColumn(
            name="risk",
            label=_("Risk"),
            cell_template="analytics/_risk_cell.html",
            select_related=("risk",),
            sorts=(
                (
                    "risk",
                    _("Highest risk first"),
                    (F("risk__tier_rank").desc(nulls_last=True), F("risk__probability").desc(nulls_last=True), "id"),
                ),
            ),
            annotate=mark_attention,
        )
    )
