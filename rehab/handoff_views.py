"""Pages of the plan and of hand-offs, for both sides of the hand-off.

The sender's side (officer, supervisor) reaches a case through ``Case.objects.visible_to``; the
receiving office reaches a hand-off through ``Handoff.objects.visible_to`` and sees the person
only through ``handoff_projection``: never the case itself."""

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

from rehab.dates import format_date
from rehab.exceptions import ApplicationError
from rehab.forms_handoffs import (
    AppointmentForm,
    CompleteForm,
    ConsentForm,
    HandoffSendForm,
    ProgressForm,
    ReasonForm,
    StageForm,
)
from rehab.models import (
    AuditAction,
    AuditOutcome,
    Handoff,
    HandoffState,
    Notification,
    Office,
    Province,
    Role,
    Stage,
    StageDomain,
)
from rehab.pagination import CappedPaginator, CountedPaginator
from rehab.selectors import stages_in_plan_order
from rehab.selectors_handoffs import (
    INBOX_TABS,
    catalogue_for_stage,
    handoff_projection,
    inbox,
    inbox_counts,
    sender_handoffs,
)
from rehab.services.appointments import appointment_mark, appointment_schedule
from rehab.services.audit import audit_record
from rehab.services.handoffs import (
    REFERRABLE_STATES,
    consent_record,
    consent_withdraw,
    handoff_accept,
    handoff_complete,
    handoff_decline,
    handoff_progress,
    handoff_send,
    handoff_withdraw,
    plan_proposed_domains,
    plan_record_no_needs,
    stage_add,
    stage_discontinue,
)
from rehab.services.ledger import ledger_verify_handoff
from rehab.views import AuthenticatedRequest, _apply_error, _case_or_404, _render_case, safe_next

# --- the plan ----------------------------------------------------------------------------------


def _render_plan(request: AuthenticatedRequest, case: Any, *, status: int = 200, **forms: Any) -> HttpResponse:
    proposals = plan_proposed_domains(case=case)
    context = {
        "case": case,
        "stages": stages_in_plan_order(case),
        "proposals": [(domain, StageDomain(domain).label) for domain in proposals],
        "stage_form": forms.get("stage_form") or StageForm(initial={"domain": proposals[0] if proposals else None}),
        "consent_form": forms.get("consent_form") or ConsentForm(offices=_consent_offices(case)),
        "consents": case.person.consents.select_related("recipient").all(),
        "may_plan": request.user.has_perm("rehab.work_on_case", case),
        "may_refer": case.state in REFERRABLE_STATES,
    }
    return render(request, "rehab/plan.html", context, status=status)


def _consent_offices(case: Any) -> Any:
    return Office.objects.filter(province_id=case.office.province_id).exclude(unit_id="probation").order_by("unit_id")


@login_required
def case_plan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _render_plan(request, case)


@login_required
@require_POST
def stage_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            stage_add(case=case, by=request.user, domain=form.cleaned_data["domain"], goal=form.cleaned_data["goal"])
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Stage added to the plan."))
            return redirect("case_plan", pk=case.pk)
    return _render_plan(request, case, status=400, stage_form=form)


@login_required
@require_POST
def plan_no_needs_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    try:
        plan_record_no_needs(case=case, by=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Recorded: the person has no needs that call for a stage."))
    return redirect("case_plan", pk=case.pk)


@login_required
@require_POST
def stage_discontinue_view(request: AuthenticatedRequest, pk: int, stage_id: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason: it is kept in the record."))
        return redirect("case_plan", pk=case.pk)
    try:
        stage_discontinue(stage_id=_stage_of(case, stage_id).pk, by=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Stage discontinued."))
    return redirect("case_plan", pk=case.pk)


def _stage_of(case: Any, stage_id: int) -> Stage:
    stage = case.stages.filter(pk=stage_id).first()
    if stage is None:
        raise Http404(_("No such stage in this case."))
    return stage


@login_required
@require_POST
def consent_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = ConsentForm(request.POST, offices=_consent_offices(case))
    if form.is_valid():
        try:
            consent_record(
                case=case,
                by=request.user,
                recipient_id=form.cleaned_data["recipient"].pk,
                categories=form.cleaned_data["categories"],
                given_on=form.cleaned_data["given_on"],
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("case_plan", pk=case.pk)
    return _render_plan(request, case, status=400, consent_form=form)


@login_required
@require_POST
def consent_withdraw_view(request: AuthenticatedRequest, pk: int, consent_id: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    try:
        consent_withdraw(consent_id=consent_id, by=request.user, case=case)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    except case.person.consents.model.DoesNotExist as missing:
        raise Http404 from missing
    else:
        messages.success(request, _("Consent withdrawn: nothing more will be shared on its basis."))
    return redirect("case_plan", pk=case.pk)


# --- sending -------------------------------------------------------------------------------------


@login_required
def handoff_new(request: AuthenticatedRequest, pk: int, stage_id: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    stage = _stage_of(case, stage_id)
    province = request.GET.get("province") or request.POST.get("province") or case.office.province_id
    offers = catalogue_for_stage(stage=stage, province_code=province)
    form = HandoffSendForm(request.POST if request.method == "POST" else None, offers=offers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            handoff = handoff_send(
                stage_id=stage.pk,
                offer_id=data["offer"].pk,
                by=request.user,
                request=data["request"],
                shared=data["shared"],
                respond_by=data["respond_by"],
                complete_by=data["complete_by"],
                idempotency_key=data["idempotency_key"],
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:  # a second identical send returns the first hand-off (see handoff_send)
            messages.success(request, _("Hand-off %(number)s sent.") % {"number": handoff.number})
            return redirect("handoff_detail", pk=handoff.pk)
    context = {
        "case": case,
        "stage": stage,
        "form": form,
        "province": province,
        "provinces": Province.objects.order_by("name_th"),
    }
    return render(request, "rehab/handoff_new.html", context, status=400 if request.method == "POST" else 200)


# --- one hand-off ------------------------------------------------------------------------------

ACTION_FORMS: dict[str, type] = {
    "decline": ReasonForm,
    "withdraw": ReasonForm,
    "progress": ProgressForm,
    "complete": CompleteForm,
}


def _handoff_or_404(request: AuthenticatedRequest, pk: int) -> Handoff:
    handoff = (
        Handoff.objects.visible_to(request.user)
        .select_related("case__person__home_district", "case__office", "stage", "to_office", "from_office", "sender", "consent")
        .filter(pk=pk)
        .first()
    )
    if handoff is None:
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            object_type="rehab.handoff",
            object_id=str(pk),
            outcome=AuditOutcome.DENIED,
        )
        raise Http404(_("No such hand-off for you."))
    return handoff


def _is_receiver(user: Any, handoff: Handoff) -> bool:
    return bool(user.role == Role.AGENCY_STAFF and user.office_id == handoff.to_office_id)


def _render_handoff(request: AuthenticatedRequest, handoff: Handoff, *, status: int = 200, **forms: Any) -> HttpResponse:
    receiver = _is_receiver(request.user, handoff)
    context: dict[str, Any] = {
        "handoff": handoff,
        "receiver": receiver,
        "notes": handoff.notes.select_related("author"),
        "appointments": handoff.appointments.all(),
        "forms": {name: forms.get(name) or form_class() for name, form_class in ACTION_FORMS.items()},
        "appointment_form": forms.get("appointment") or AppointmentForm(initial={"kind": "agency"}),
        "open_action": forms.get("open_action", ""),
        "overdue": handoff.overdue(),
    }
    if receiver:
        context["person"] = handoff_projection(handoff)
    else:
        context["case"] = handoff.case
        context["ledger"] = ledger_verify_handoff(handoff=handoff)
    return render(request, "rehab/handoff_detail.html", context, status=status)


@login_required
def handoff_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    handoff = _handoff_or_404(request, pk)
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=handoff, detail={"case": handoff.case_id})
    return _render_handoff(request, handoff)


@login_required
@require_POST
def handoff_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    handoff = _handoff_or_404(request, pk)
    form = ACTION_FORMS[action](request.POST) if action in ACTION_FORMS else None
    if action not in ("accept", *ACTION_FORMS):
        raise Http404
    if form is not None and not form.is_valid():
        return _render_handoff(request, handoff, status=400, **{action: form, "open_action": action})
    data = form.cleaned_data if form is not None else {}
    try:
        if action == "accept":
            handoff_accept(handoff_id=handoff.pk, by=request.user)
        elif action == "decline":
            handoff_decline(handoff_id=handoff.pk, by=request.user, reason=data["reason"])
        elif action == "withdraw":
            handoff_withdraw(handoff_id=handoff.pk, by=request.user, reason=data["reason"])
        elif action == "progress":
            handoff_progress(handoff_id=handoff.pk, by=request.user, text=data["text"])
        else:
            handoff_complete(handoff_id=handoff.pk, by=request.user, outcome=data["outcome"], note=data["note"])
    except ApplicationError as error:
        if form is None:
            messages.error(request, str(error.message))
            return redirect("handoff_detail", pk=handoff.pk)
        if error.field in form.fields:
            form.add_error(error.field, str(error.message))
        else:  # about the hand-off itself (e.g. already completed): its form may no longer be on the page
            messages.error(request, str(error.message))
        handoff.refresh_from_db()
        return _render_handoff(request, handoff, status=409, **{action: form, "open_action": action})
    messages.success(request, _("Saved."))
    return redirect("handoff_detail", pk=handoff.pk)


# --- lists -------------------------------------------------------------------------------------


@login_required
def inbox_view(request: AuthenticatedRequest) -> HttpResponse:
    if request.user.role != Role.AGENCY_STAFF or request.user.office_id is None:
        raise PermissionDenied
    tab = request.GET.get("tab") or "new"
    tab = tab if tab in INBOX_TABS else "new"
    counts = inbox_counts(user=request.user)
    handoffs = inbox(user=request.user, tab=tab)
    # The open tabs were just counted; the done tab (every closed hand-off of the office) is not.
    paginator = CappedPaginator(handoffs, 25) if tab == "done" else CountedPaginator(handoffs, 25, count=counts[tab])
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "rehab/inbox.html",
        {"tab": tab, "tabs": INBOX_TABS, "page": page, "counts": counts, "today": timezone.localdate()},
    )


@login_required
def inbox_export(request: AuthenticatedRequest) -> HttpResponse:
    """The inbox as CSV: the same projection as the pages, so nothing the office may not see."""
    if request.user.role != Role.AGENCY_STAFF or request.user.office_id is None:
        raise PermissionDenied
    tab = request.GET.get("tab") or "new"
    tab = tab if tab in INBOX_TABS else "new"
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
    audit_record(actor=request.user, action=AuditAction.EXPORT, object_type="rehab.handoff", detail={"tab": tab, "rows": rows})
    return response


@login_required
def my_handoffs(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("rehab.open_case"):
        raise PermissionDenied
    state = request.GET.get("state", "open")  # "all" or an unknown state shows every hand-off
    page = CappedPaginator(sender_handoffs(user=request.user, state=state), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "rehab/handoffs.html",
        {"page": page, "state": state, "states": HandoffState.choices, "today": timezone.localdate()},
    )


@login_required
def case_handoffs_json(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """The case page polls this to show its hand-offs' states as they change."""
    case = _case_or_404(request, pk)
    today = timezone.localdate()
    return JsonResponse(
        {
            "handoffs": [
                {"id": h.pk, "state": h.state, "label": h.get_state_display(), "overdue": h.overdue(today)}
                for h in case.handoffs.all()
            ],
            "stages": [{"id": s.pk, "state": s.state, "label": s.get_state_display()} for s in case.stages.all()],
        }
    )


@login_required
def notifications_view(request: AuthenticatedRequest) -> HttpResponse:
    notes = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        notes.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications")
    page = CappedPaginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "rehab/notifications.html", {"page": page})


# --- appointments --------------------------------------------------------------------------------


@login_required
@require_POST
def appointment_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Schedule on a case (its officer) or on a hand-off (``?handoff=`` — the receiving office too)."""
    handoff = None
    if request.GET.get("handoff"):
        handoff = _handoff_or_404(request, int(request.GET["handoff"]))
        case = handoff.case
        if case.pk != pk:
            raise Http404
    else:
        case = _case_or_404(request, pk)
    form = AppointmentForm(request.POST)
    back = reverse("handoff_detail", args=[handoff.pk]) if handoff else reverse("case_detail", args=[case.pk])
    if form.is_valid():
        try:
            appointment_schedule(
                case=case,
                by=request.user,
                kind=form.cleaned_data["kind"],
                starts_at=form.starts_at(),
                place=form.cleaned_data["place"],
                handoff=handoff,
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Appointment scheduled."))
            return redirect(back)
    # Shown again with what was typed and the errors next to the fields.
    if handoff is not None:
        return _render_handoff(request, handoff, status=400, appointment=form)
    return _render_case(request, case, status=400, appointment_form=form, open_appointment=True)


@login_required
@require_POST
def appointment_mark_view(request: AuthenticatedRequest, pk: int, mark: str) -> HttpResponse:
    from rehab.models import Appointment

    appointment = Appointment.objects.select_related("case", "handoff").filter(pk=pk).first()
    visible = appointment is not None and (
        request.user.has_perm("rehab.read_case", appointment.case)
        or (appointment.handoff is not None and _is_receiver(request.user, appointment.handoff))
    )
    if not visible:
        raise Http404
    try:
        appointment_mark(appointment_id=pk, by=request.user, mark=mark, note=request.POST.get("note", ""))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Appointment updated."))
    return redirect(safe_next(request, reverse("case_detail", args=[appointment.case_id])))  # type: ignore[union-attr]
