"""Pages of the risk model: flags on a case, the office's flags, and the model cards.

Flags and scores are reached through the case (``Case.objects.visible_to``), so only the case's
officer and office supervisor see them; agency staff and employers have no way to them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analytics.forms import AcknowledgeForm, DecisionForm, OverrideForm
from analytics.models import RiskModelVersion
from analytics.selectors import acknowledgement_speed, calibration_figure_json, fairness_tables, flags_of_case, office_flags
from analytics.services import flag_acknowledge, flag_override, flag_resolve, model_approve, model_reject
from rehab.audit.models import AuditAction
from rehab.audit.services import audit_page_read, audit_record
from rehab.cases.views import case_or_404
from rehab.core.errors import ApplicationError
from rehab.core.http import attempt
from rehab.core.pagination import CappedPaginator
from rehab.reference.http import AuthenticatedRequest


@login_required
@require_POST
def flag_act(request: AuthenticatedRequest, pk: int, flag_id: int, action: str) -> HttpResponse:
    case = case_or_404(request, pk)
    flag = flags_of_case(case=case).filter(pk=flag_id).first()
    if flag is None or action not in ("acknowledge", "override", "resolve"):
        raise Http404

    def act() -> Any:
        if action == "acknowledge":
            form = AcknowledgeForm(request.POST)
            if not form.is_valid():
                raise ApplicationError(_("Choose the action taken."))
            return flag_acknowledge(
                flag_id=flag.pk, by=request.user, action=form.cleaned_data["action"], note=form.cleaned_data["note"]
            )
        if action == "override":
            override_form = OverrideForm(request.POST)
            if not override_form.is_valid():
                raise ApplicationError(_("Say why you disagree with the flag."))
            return flag_override(flag_id=flag.pk, by=request.user, reason=override_form.cleaned_data["note"])
        return flag_resolve(flag_id=flag.pk, by=request.user, note=request.POST.get("note", ""))

    if attempt(act, request=request):
        messages.success(request, _("Recorded."))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#risk")


@login_required
def office_flags_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("cases.supervise_office") or user.office_id is None:
        raise PermissionDenied
    page = CappedPaginator(office_flags(office_id=user.office_id), 25).get_page(request.GET.get("page"))
    # Each flag with the hours it took to act on it (None while it waits).
    rows = [
        (flag, round((flag.acted_at - flag.raised_at).total_seconds() / 3600, 1) if flag.acted_at else None)
        for flag in page.object_list
    ]
    audit_page_read(actor=user, page="office_flags", object_type="cases.case", ids=[flag.case_id for flag, _hours in rows])
    return render(
        request,
        "analytics/office_flags.html",
        {"page": page, "rows": rows, "speed": acknowledgement_speed(office_id=user.office_id)},
    )


@login_required
def model_list(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("analytics.read_model_card"):
        raise PermissionDenied
    versions = RiskModelVersion.objects.defer("artifact").select_related("decided_by")
    return render(request, "analytics/model_list.html", {"versions": versions})


@login_required
def model_card(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("analytics.read_model_card"):
        raise PermissionDenied
    version = RiskModelVersion.objects.defer("artifact").filter(pk=pk).first()
    if version is None:
        raise Http404
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=version)
    context = {
        "version": version,
        "figure": calibration_figure_json(version),
        "fairness": fairness_tables(version),
        # Two note fields on one page: each its own id, so that each label belongs to its own box.
        "form": DecisionForm(auto_id="id_approve_%s"),
        "reject_form": DecisionForm(auto_id="id_reject_%s"),
        "may_decide": request.user.has_perm("analytics.decide_model"),
    }
    return render(request, "analytics/model_card.html", context)


@login_required
@require_POST
def model_decide(request: AuthenticatedRequest, pk: int, decision: str) -> HttpResponse:
    if not request.user.has_perm("analytics.decide_model"):
        raise PermissionDenied
    decide = {"approve": model_approve, "reject": model_reject}.get(decision)
    if decide is None or not RiskModelVersion.objects.filter(pk=pk).exists():
        raise Http404
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if attempt(lambda: decide(version_id=pk, by=request.user, note=note), request=request):
        messages.success(request, _("Decision recorded."))
    return redirect("analytics:model_card", pk=pk)
