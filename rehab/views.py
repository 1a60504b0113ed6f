"""Pages of the officer's and supervisor's work. Thin: check access, validate a form, call one
service, then redirect or render. Every case is looked up through ``Case.objects.visible_to``,
so a case someone has no business with answers 404 (and the attempt is audited)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analytics.forms import AcknowledgeForm, OverrideForm
from analytics.selectors import case_risk_panel
from rehab.exceptions import ApplicationError, CaseChanged
from rehab.forms import (
    TRANSITION_FORMS,
    AssessmentForm,
    CaseloadFilterForm,
    ContactNoteForm,
    IntakeForm,
    ReassignForm,
    TransitionForm,
)
from rehab.forms_handoffs import AppointmentForm
from rehab.models import OPEN_STATES, AuditAction, AuditEvent, AuditOutcome, Case, NeedDomain, NeedLevel, Role, User
from rehab.pagination import CappedPaginator
from rehab.selectors import (
    appointments_for_case_page,
    case_timeline,
    caseload,
    mark_missed_recently,
    office_officer_loads,
    office_officers,
    stages_in_plan_order,
)
from rehab.services.assessments import (
    NeedInput,
    assessment_check_may_assess,
    assessment_current,
    assessment_draft,
    assessment_draft_get_or_start,
    assessment_save,
)
from rehab.services.audit import audit_record
from rehab.services.cases import (
    case_close,
    case_intake,
    case_reassign,
    case_record_reoffence,
    case_transition,
    case_transition_options,
)
from rehab.services.notes import note_add


class AuthenticatedRequest(HttpRequest):
    """What a view behind @login_required receives: the user is one of ours, never anonymous."""

    user: User


def _case_or_404(request: AuthenticatedRequest, pk: int, *, for_update: bool = False) -> Case:
    case = (
        Case.objects.visible_to(request.user)
        .select_related("person", "office", "officer", "person__home_district__province")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        audit_record(
            actor=request.user, action=AuditAction.VIEW, object_type="rehab.case", object_id=str(pk), outcome=AuditOutcome.DENIED
        )
        raise Http404(_("No such case in your caseload."))
    return case


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` the form carried, if it points back into this site; otherwise ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _apply_error(form: Any, error: ApplicationError) -> None:
    """Put a service's refusal next to the field it concerns, or at the top of the form."""
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, str(error.message))


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    role = request.user.role
    if role == Role.OFFICER:
        return redirect("caseload")
    if role == Role.SUPERVISOR:
        return redirect("office")
    if role in (Role.AUDITOR, Role.ADMIN):
        return redirect("audit_trail")
    if role == Role.AGENCY_STAFF and request.user.office_id:
        return redirect("inbox")
    return render(request, "rehab/home.html")


def _case_list(request: AuthenticatedRequest) -> dict[str, Any]:
    """The searched, filtered, sorted and paginated cases the user may see, for a list page."""
    # Open cases unless the user asks for another state or for all ("state=").
    filters = CaseloadFilterForm(request.GET if "state" in request.GET else {**request.GET.dict(), "state": "open"})
    params = filters.cleaned_data if filters.is_valid() else {}
    cases = caseload(user=request.user, query=params.get("q", ""), state=params.get("state", ""), sort=params.get("sort", ""))
    page = CappedPaginator(cases, settings.CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = mark_missed_recently(list(page.object_list))
    if params.get("q"):
        audit_record(
            actor=request.user, action=AuditAction.SEARCH, object_type="rehab.case", detail={"results": page.paginator.count}
        )
    query = request.GET.copy()
    query.pop("page", None)
    return {"filters": filters, "page": page, "query": query.urlencode()}


@login_required
def caseload_view(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("rehab.open_case"):
        raise PermissionDenied
    return render(request, "rehab/caseload.html", _case_list(request))


@login_required
def case_intake_view(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("rehab.open_case"):
        raise PermissionDenied
    form = IntakeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = case_intake(by=request.user, person_data=form.person_data(), case_data=form.case_data())
        except ApplicationError as error:
            _apply_error(form, error)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if result.person_existed:
                messages.info(
                    request,
                    _("This national ID was already registered: the new case was opened on the existing person's record."),
                )
            for other in result.same_name_and_birth:
                messages.warning(
                    request,
                    _(
                        "Another registered person has the same name and date of birth "
                        "(national ID ending %(last4)s). Check that this is not the same person."
                    )
                    % {"last4": other.national_id[-4:]},
                )
            messages.success(request, _("Case %(number)s opened.") % {"number": result.case.number})
            return redirect("case_detail", pk=result.case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "rehab/intake.html", {"form": form}, status=status)


def _render_case(request: AuthenticatedRequest, case: Case, *, status: int = 200, **forms: Any) -> HttpResponse:
    options = case_transition_options(case=case, user=request.user)
    transition_forms = []
    for option in options:
        form = forms.pop(f"transition_{option.name}", None)
        if form is None:
            form_class = TRANSITION_FORMS.get(option.name, TransitionForm)
            form = form_class(initial={"version": case.version}, reason_required=option.reason_required, prefix=option.name)
        transition_forms.append((option, form))
    context = {
        "case": case,
        "person": case.person,
        "assessment": assessment_current(case=case),
        "timeline": case_timeline(case=case),
        "transitions": transition_forms,
        "note_form": forms.pop("note_form", None) or ContactNoteForm.fresh(),
        "may_work": request.user.has_perm("rehab.work_on_case", case),
        "open_transition": forms.pop("open_transition", ""),
        "stages": stages_in_plan_order(case),
        "appointments": appointments_for_case_page(case),
        "appointment_form": forms.pop("appointment_form", None) or AppointmentForm(initial={"kind": "report_in"}),
        "open_appointment": forms.pop("open_appointment", False),
        "risk": case_risk_panel(case=case),
        "flag_forms": {"acknowledge": AcknowledgeForm(), "override": OverrideForm()},
        "appointment_marks": [("attend", _("Attended")), ("miss", _("Missed")), ("cancel", _("Cancelled"))],
    }
    return render(request, "rehab/case_detail.html", context, status=status)


@login_required
def case_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=case, detail={"person": case.person_id})
    return _render_case(request, case)


@login_required
@require_POST
def case_transition_view(request: AuthenticatedRequest, pk: int, name: str) -> HttpResponse:
    case = _case_or_404(request, pk)
    option = next((o for o in case_transition_options(case=case, user=request.user) if o.name == name), None)
    form_class = TRANSITION_FORMS.get(name, TransitionForm)
    form = form_class(request.POST, reason_required=bool(option and option.reason_required), prefix=name)
    if option is None:
        messages.error(request, _("You cannot make this change to the case now."))
        return redirect("case_detail", pk=case.pk)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if name == "close":
                case_close(
                    case_id=case.pk,
                    by=request.user,
                    closure_reason=data["closure_reason"],
                    reason=data["reason"],
                    expected_version=data["version"],
                )
            elif name == "reoffend":
                case_record_reoffence(
                    case_id=case.pk,
                    by=request.user,
                    offence_date=data["offence_date"],
                    source=data["source"],
                    offence_category=data["offence_category"],
                    reason=data["reason"],
                    expected_version=data["version"],
                )
            else:
                case_transition(
                    case_id=case.pk, name=name, by=request.user, reason=data["reason"], expected_version=data["version"]
                )
        except CaseChanged as error:
            messages.error(request, str(error.message))
            case.refresh_from_db()
            return _render_case(request, case, status=409, **{f"transition_{name}": form, "open_transition": name})
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            case.refresh_from_db()
            messages.success(request, _("The case is now: %(state)s.") % {"state": case.get_state_display()})
            return redirect("case_detail", pk=case.pk)
    return _render_case(request, case, status=400, **{f"transition_{name}": form, "open_transition": name})


@login_required
@require_POST
def note_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = ContactNoteForm(request.POST)
    if form.is_valid():
        try:
            note_add(
                case=case,
                by=request.user,
                kind=form.cleaned_data["kind"],
                contacted_at=form.contacted_at(),
                text=form.cleaned_data["text"],
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Contact note saved."))
            return redirect(reverse("case_detail", kwargs={"pk": case.pk}) + "#timeline")
    return _render_case(request, case, status=400, note_form=form)


@login_required
def assessment_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    try:
        assessment_check_may_assess(case=case, by=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("case_detail", pk=case.pk)
    # Opening the page writes nothing: the draft is created by the first save.
    draft = assessment_draft(case=case)
    initial: dict[str, Any] = {
        "assessed_on": timezone.localdate(),
        **{f"{domain}-level": NeedLevel.NONE for domain in NeedDomain.values},
    }
    if draft is not None:
        initial.update({"assessed_on": draft.assessed_on, "summary": draft.summary})
        for need in draft.needs.all():
            initial.update(
                {
                    f"{need.domain}-level": need.level,
                    f"{need.domain}-needs_stage": need.needs_stage,
                    f"{need.domain}-note": need.note,
                }
            )
    form = AssessmentForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = assessment_draft_get_or_start(case=case, by=request.user)
        needs = {
            domain: NeedInput(
                level=data[f"{domain}-level"], needs_stage=data[f"{domain}-needs_stage"], note=data[f"{domain}-note"]
            )
            for domain in NeedDomain.values
        }
        finish = "finish" in request.POST
        try:
            assessment_save(
                assessment=draft,
                by=request.user,
                assessed_on=data["assessed_on"],
                summary=data["summary"],
                needs=needs,
                finish=finish,
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Assessment finished.") if finish else _("Assessment saved as a draft."))
            return redirect("case_detail", pk=case.pk) if finish else redirect("case_assessment", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "rehab/assessment.html", {"case": case, "form": form, "assessment": draft}, status=status)


@login_required
def office_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("rehab.supervise_office") or user.office_id is None:
        raise PermissionDenied
    loads = office_officer_loads(office_id=user.office_id)
    context = {
        **_case_list(request),
        "loads": loads,
        "officers": [load["officer"] for load in loads],
        "open_states": OPEN_STATES,
    }
    return render(request, "rehab/office.html", context)


@login_required
@require_POST
def case_reassign_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    if not request.user.has_perm("rehab.supervise_case", case):
        raise Http404(_("No such case in your office."))
    form = ReassignForm(request.POST, officers=office_officers(office_id=case.office_id))
    if form.is_valid():
        try:
            case_reassign(
                case_id=case.pk,
                officer=form.cleaned_data["officer"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("Case %(number)s is now with %(officer)s.") % {"number": case.number, "officer": form.cleaned_data["officer"]},
            )
    else:
        messages.error(request, _("Choose an active officer of this case's office."))
    return redirect(safe_next(request, reverse("office")))


@login_required
def audit_trail_view(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("rehab.read_audit_trail"):
        raise PermissionDenied
    events = AuditEvent.objects.select_related("actor")
    object_type, object_id = request.GET.get("type", ""), request.GET.get("id", "")
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if request.GET.get("user"):
        events = events.filter(actor_username=request.GET["user"])
    page = CappedPaginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "rehab/audit_trail.html", {"page": page, "query": query.urlencode()})
