"""Pages of the plan and of hand-offs, for both sides of the hand-off.

The sender's side (officer, supervisor) reaches a case through ``case_or_404``; the receiving office
reaches a hand-off through ``Handoff.objects.visible_to`` and sees the person only through
``handoff_projection``: never the case itself."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rehab.audit.ledger import ledger_entries_of
from rehab.audit.models import AuditAction, AuditOutcome
from rehab.audit.services import audit_page_read, audit_record
from rehab.cases.forms import AppointmentForm
from rehab.cases.models import AppointmentKind, Case
from rehab.cases.selectors import appointments_at
from rehab.cases.views import case_or_404
from rehab.core.dates import format_date
from rehab.core.http import attempt, page_status
from rehab.core.pagination import CappedPaginator, CountedPaginator
from rehab.reference.http import AuthenticatedRequest
from rehab.reference.models import Province
from rehab.reference.selectors import partner_offices_in
from rehab.referrals.forms import (
    CompleteForm,
    ConsentForm,
    HandoffSendForm,
    ProgressForm,
    ProvinceChoiceForm,
    ReasonForm,
    StageForm,
)
from rehab.referrals.models import Handoff, HandoffState, Stage, StageDomain
from rehab.referrals.selectors import (
    INBOX_TABS,
    catalogue_for_stage,
    consents_of,
    handoff_projection,
    handoff_visible,
    handoffs_of_case,
    inbox,
    inbox_counts,
    plan_proposed_domains,
    sender_handoffs,
    stages_in_plan_order,
    stages_of_case,
)
from rehab.referrals.services import (
    REFERRABLE_STATES,
    consent_record,
    consent_withdraw,
    handoff_accept,
    handoff_appointment_schedule,
    handoff_complete,
    handoff_decline,
    handoff_progress,
    handoff_send,
    handoff_withdraw,
    plan_record_no_needs,
    stage_add,
    stage_discontinue,
)

# --- the plan ----------------------------------------------------------------------------------


def _render_plan(request: AuthenticatedRequest, case: Case, *, status: int = 200, **forms: Any) -> HttpResponse:
    proposals = plan_proposed_domains(case=case)
    context = {
        "case": case,
        "stages": stages_in_plan_order(case),
        "proposals": [(domain, StageDomain(domain).label) for domain in proposals],
        "stage_form": forms.get("stage_form") or StageForm(initial={"domain": proposals[0] if proposals else None}),
        "consent_form": forms.get("consent_form")
        or ConsentForm(offices=partner_offices_in(province_code=case.office.province_id)),
        "consents": consents_of(person_id=case.person_id),
        "may_plan": request.user.has_perm("cases.work_on_case", case),
        "may_refer": case.state in REFERRABLE_STATES,
    }
    return render(request, "referrals/plan.html", context, status=status)


def _stage_of(case: Case, stage_id: int) -> Stage:
    stage = stages_of_case(case=case).filter(pk=stage_id).first()
    if stage is None:
        raise Http404(_("No such stage in this case."))
    return stage


@login_required
def case_plan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    audit_page_read(actor=request.user, page="plan", obj=case)
    return _render_plan(request, case)


@login_required
@require_POST
def stage_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = StageForm(request.POST)
    outcome = None
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(lambda: stage_add(case=case, by=request.user, domain=data["domain"], goal=data["goal"]), form=form)
        if outcome:
            messages.success(request, _("Stage added to the plan."))
            return redirect("referrals:plan", pk=case.pk)
    return _render_plan(request, case, status=page_status(request, outcome), stage_form=form)


@login_required
@require_POST
def plan_no_needs_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    if attempt(lambda: plan_record_no_needs(case=case, by=request.user), request=request):
        messages.success(request, _("Recorded: the person has no needs that call for a stage."))
    return redirect("referrals:plan", pk=case.pk)


@login_required
@require_POST
def stage_discontinue_view(request: AuthenticatedRequest, pk: int, stage_id: int) -> HttpResponse:
    case = case_or_404(request, pk)
    stage = _stage_of(case, stage_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason: it is kept in the record."))
    elif attempt(
        lambda: stage_discontinue(stage_id=stage.pk, by=request.user, reason=form.cleaned_data["reason"]), request=request
    ):
        messages.success(request, _("Stage discontinued."))
    return redirect("referrals:plan", pk=case.pk)


@login_required
@require_POST
def consent_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = ConsentForm(request.POST, offices=partner_offices_in(province_code=case.office.province_id))
    outcome = None
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            lambda: consent_record(
                case=case,
                by=request.user,
                recipient_id=data["recipient"].pk,
                categories=data["categories"],
                given_on=data["given_on"],
            ),
            form=form,
        )
        if outcome:
            messages.success(request, _("Consent recorded."))
            return redirect("referrals:plan", pk=case.pk)
    return _render_plan(request, case, status=page_status(request, outcome), consent_form=form)


@login_required
@require_POST
def consent_withdraw_view(request: AuthenticatedRequest, pk: int, consent_id: int) -> HttpResponse:
    case = case_or_404(request, pk)
    if not consents_of(person_id=case.person_id).filter(pk=consent_id).exists():
        raise Http404
    if attempt(lambda: consent_withdraw(consent_id=consent_id, by=request.user, case=case), request=request):
        messages.success(request, _("Consent withdrawn: nothing more will be shared on its basis."))
    return redirect("referrals:plan", pk=case.pk)


# --- sending -------------------------------------------------------------------------------------


@login_required
def handoff_new(request: AuthenticatedRequest, pk: int, stage_id: int) -> HttpResponse:
    case = case_or_404(request, pk)
    stage = _stage_of(case, stage_id)
    if request.method == "GET":
        audit_page_read(actor=request.user, page="handoff_new", obj=case)
    chosen = ProvinceChoiceForm({"province": request.GET.get("province") or request.POST.get("province") or ""})
    chosen_province = chosen.cleaned_data.get("province") if chosen.is_valid() else None
    province = chosen_province.pk if chosen_province else case.office.province_id
    offers = catalogue_for_stage(stage=stage, province_code=province)
    form = HandoffSendForm(request.POST if request.method == "POST" else None, offers=offers)
    outcome = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            lambda: handoff_send(
                stage_id=stage.pk,
                offer_id=data["offer"].pk,
                by=request.user,
                request=data["request"],
                shared=data["shared"],
                respond_by=data["respond_by"],
                complete_by=data["complete_by"],
                idempotency_key=data["idempotency_key"],
            ),
            form=form,
        )
        if outcome.result is not None:  # a second identical send returns the first hand-off (see handoff_send)
            messages.success(request, _("Hand-off %(number)s sent.") % {"number": outcome.result.number})
            return redirect("referrals:handoff_detail", pk=outcome.result.pk)
    context = {
        "case": case,
        "stage": stage,
        "form": form,
        "province": province,
        "provinces": Province.objects.order_by("name_th"),
    }
    return render(request, "referrals/handoff_new.html", context, status=page_status(request, outcome))


# --- one hand-off ------------------------------------------------------------------------------

ACTION_FORMS: dict[str, type] = {
    "decline": ReasonForm,
    "withdraw": ReasonForm,
    "progress": ProgressForm,
    "complete": CompleteForm,
}


def handoff_or_404(request: AuthenticatedRequest, pk: int) -> Handoff:
    """The hand-off if the user may see it; otherwise the attempt is audited and the answer is 404."""
    handoff = handoff_visible(user=request.user, pk=pk)
    if handoff is None:
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            object_type=Handoff._meta.label_lower,
            object_id=str(pk),
            outcome=AuditOutcome.DENIED,
        )
        raise Http404(_("No such hand-off for you."))
    return handoff


def _render_handoff(request: AuthenticatedRequest, handoff: Handoff, *, status: int = 200, **forms: Any) -> HttpResponse:
    receiver = request.user.has_perm("referrals.answer_handoff", handoff)
    context: dict[str, Any] = {
        "handoff": handoff,
        "receiver": receiver,
        "notes": handoff.notes.select_related("author"),
        "appointments": appointments_at(case_id=handoff.case_id, office_id=handoff.to_office_id),
        "forms": {name: forms.get(name) or form_class() for name, form_class in ACTION_FORMS.items()},
        "appointment_form": forms.get("appointment") or AppointmentForm(initial={"kind": AppointmentKind.AGENCY}),
        "open_action": forms.get("open_action", ""),
        "overdue": handoff.overdue(),
        "appointment_marks": [("attend", _("Attended")), ("miss", _("Missed")), ("cancel", _("Cancelled"))],
    }
    if receiver:
        context["person"] = handoff_projection(handoff)
    else:
        context["case"] = handoff.case
        context["ledger"] = ledger_entries_of(handoff)
    return render(request, "referrals/handoff_detail.html", context, status=status)


@login_required
def handoff_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    handoff = handoff_or_404(request, pk)
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=handoff, detail={"case": handoff.case_id})
    return _render_handoff(request, handoff)


def _act(request: AuthenticatedRequest, handoff: Handoff, action: str, data: dict[str, Any]) -> Any:
    if action == "accept":
        return handoff_accept(handoff_id=handoff.pk, by=request.user)
    if action == "decline":
        return handoff_decline(handoff_id=handoff.pk, by=request.user, reason=data["reason"])
    if action == "withdraw":
        return handoff_withdraw(handoff_id=handoff.pk, by=request.user, reason=data["reason"])
    if action == "progress":
        return handoff_progress(handoff_id=handoff.pk, by=request.user, text=data["text"])
    return handoff_complete(handoff_id=handoff.pk, by=request.user, outcome=data["outcome"], note=data["note"])


@login_required
@require_POST
def handoff_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    handoff = handoff_or_404(request, pk)
    if action not in ("accept", *ACTION_FORMS):
        raise Http404
    form = ACTION_FORMS[action](request.POST) if action in ACTION_FORMS else None
    if form is not None and not form.is_valid():
        return _render_handoff(request, handoff, status=400, **{action: form, "open_action": action})
    data = form.cleaned_data if form is not None else {}
    outcome = attempt(lambda: _act(request, handoff, action, data), form=form, request=request)
    if not outcome:
        if form is None:
            return redirect("referrals:handoff_detail", pk=handoff.pk)
        handoff.refresh_from_db()
        return _render_handoff(request, handoff, status=outcome.status, **{action: form, "open_action": action})
    messages.success(request, _("Saved."))
    return redirect("referrals:handoff_detail", pk=handoff.pk)


@login_required
@require_POST
def handoff_appointment_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """An appointment with the person at the receiving office (its staff, or the case's officer)."""
    handoff = handoff_or_404(request, pk)
    form = AppointmentForm(request.POST)
    outcome = None
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            lambda: handoff_appointment_schedule(
                handoff_id=handoff.pk, by=request.user, kind=data["kind"], starts_at=form.starts_at(), place=data["place"]
            ),
            form=form,
        )
        if outcome:
            messages.success(request, _("Appointment scheduled."))
            return redirect(reverse("referrals:handoff_detail", args=[handoff.pk]) + "#appointments")
    return _render_handoff(request, handoff, status=page_status(request, outcome), appointment=form)


# --- lists -------------------------------------------------------------------------------------


def _inbox_tab(request: AuthenticatedRequest) -> str:
    if not request.user.has_perm("referrals.read_inbox"):
        raise PermissionDenied
    tab = request.GET.get("tab") or "new"
    return tab if tab in INBOX_TABS else "new"


@login_required
def inbox_view(request: AuthenticatedRequest) -> HttpResponse:
    tab = _inbox_tab(request)
    counts = inbox_counts(user=request.user)
    handoffs = inbox(user=request.user, tab=tab)
    # The open tabs were just counted; the done tab (every closed hand-off of the office) is not.
    paginator = CappedPaginator(handoffs, 25) if tab == "done" else CountedPaginator(handoffs, 25, count=counts[tab])
    page = paginator.get_page(request.GET.get("page"))
    audit_page_read(actor=request.user, page=f"inbox:{tab}", object_type=Handoff._meta.label_lower, ids=[h.pk for h in page])
    return render(
        request,
        "referrals/inbox.html",
        {"tab": tab, "tabs": INBOX_TABS, "page": page, "counts": counts, "today": timezone.localdate()},
    )


@login_required
def inbox_export(request: AuthenticatedRequest) -> HttpResponse:
    """The inbox as CSV: the same projection as the pages, so nothing the office may not see."""
    tab = _inbox_tab(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="inbox-{tab}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Thai text as UTF-8
    writer = csv.writer(response)
    writer.writerow([_("Hand-off"), _("Service"), _("Name"), _("State"), _("Answer by"), _("Complete by"), _("From")])
    rows = 0
    for handoff in inbox(user=request.user, tab=tab)[:5000]:
        writer.writerow(
            [
                handoff.number,
                handoff.get_service_display(),
                handoff.case.person.full_name,
                handoff.get_state_display(),
                format_date(handoff.respond_by),
                format_date(handoff.complete_by),
                handoff.from_office.name,
            ]
        )
        rows += 1
    audit_record(
        actor=request.user, action=AuditAction.EXPORT, object_type=Handoff._meta.label_lower, detail={"tab": tab, "rows": rows}
    )
    return response


@login_required
def sent_handoffs(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("cases.open_case"):
        raise PermissionDenied
    state = request.GET.get("state", "open")  # "all" or an unknown state shows every hand-off
    page = CappedPaginator(sender_handoffs(user=request.user, state=state), 25).get_page(request.GET.get("page"))
    audit_page_read(actor=request.user, page="sent_handoffs", object_type=Handoff._meta.label_lower, ids=[h.pk for h in page])
    return render(
        request,
        "referrals/handoffs.html",
        {"page": page, "state": state, "states": HandoffState.choices, "today": timezone.localdate()},
    )


@login_required
def case_handoffs_json(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """The case page polls this to show its hand-offs' states as they change."""
    case = case_or_404(request, pk)
    audit_page_read(actor=request.user, page="handoffs.json", obj=case)
    today = timezone.localdate()
    return JsonResponse(
        {
            "handoffs": [
                {"id": h.pk, "state": h.state, "label": h.get_state_display(), "overdue": h.overdue(today)}
                for h in handoffs_of_case(case=case)
            ],
            "stages": [{"id": s.pk, "state": s.state, "label": s.get_state_display()} for s in stages_of_case(case=case)],
        }
    )
