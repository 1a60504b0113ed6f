"""Pages of the officer's and supervisor's work on cases. Thin: check access, validate a form, call one
service through ``attempt``, then redirect or render.

Every case is looked up through ``case_or_404`` (``Case.objects.visible_to``), so a case someone has no
business with answers 404, and the attempt is audited. Other apps add their sections to the case page
(``rehab.cases.extensions``): the case page renders them without knowing them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rehab.audit.models import AuditAction, AuditOutcome
from rehab.audit.services import audit_page_read, audit_record
from rehab.cases.extensions import registry
from rehab.cases.forms import (
    TRANSITION_FORMS,
    AppointmentForm,
    AssessmentForm,
    CaseloadFilterForm,
    ContactNoteForm,
    IntakeForm,
    ReassignForm,
    ReoffenceForm,
    TransitionForm,
)
from rehab.cases.models import OPEN_STATES, Appointment, AppointmentKind, AppointmentState, Case, NeedDomain, NeedLevel
from rehab.cases.selectors import (
    appointments_for_case_page,
    assessment_current,
    assessment_draft,
    case_timeline,
    case_visible,
    caseload,
    caseload_annotate,
    office_officer_loads,
    office_officers,
    reoffences_of,
)
from rehab.cases.services import (
    NeedInput,
    appointment_mark,
    appointment_schedule,
    assessment_check_may_assess,
    assessment_draft_get_or_start,
    assessment_save,
    case_close,
    case_intake,
    case_reassign,
    case_transition,
    case_transition_options,
    note_add,
    reoffence_record,
)
from rehab.core.http import attempt, page_status, safe_next
from rehab.core.pagination import CappedPaginator
from rehab.reference.http import AuthenticatedRequest


def case_or_404(request: AuthenticatedRequest, pk: int) -> Case:
    """The case if the user may see it; otherwise the attempt is audited and the answer is 404."""
    case = case_visible(user=request.user, pk=pk)
    if case is None:
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            object_type=Case._meta.label_lower,
            object_id=str(pk),
            outcome=AuditOutcome.DENIED,
        )
        raise Http404(_("No such case in your caseload."))
    return case


def _case_list(request: AuthenticatedRequest) -> dict[str, Any]:
    """The searched, filtered, sorted and paginated cases the user may see, for a list page."""
    # Open cases unless the user asks for another state or for all ("state=").
    filters = CaseloadFilterForm(request.GET if "state" in request.GET else {**request.GET.dict(), "state": "open"})
    params = filters.cleaned_data if filters.is_valid() else {}
    cases = caseload(user=request.user, query=params.get("q", ""), state=params.get("state", ""), sort=params.get("sort", ""))
    page = CappedPaginator(cases, settings.CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = caseload_annotate(list(page.object_list))
    if params.get("q"):
        audit_record(
            actor=request.user,
            action=AuditAction.SEARCH,
            object_type=Case._meta.label_lower,
            detail={"results": page.paginator.count},
        )
    query = request.GET.copy()
    query.pop("page", None)
    return {"filters": filters, "page": page, "query": query.urlencode(), "columns": registry.caseload_columns}


@login_required
def caseload_view(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("cases.open_case"):
        raise PermissionDenied
    context = _case_list(request)
    _audit_list(request, "caseload", context)
    return render(request, "cases/caseload.html", context)


def _audit_list(request: AuthenticatedRequest, page: str, context: dict[str, Any]) -> None:
    """A list of cases shows people's names: which ones, to whom."""
    shown = [case.pk for case in context["page"].object_list]
    audit_page_read(actor=request.user, page=page, object_type=Case._meta.label_lower, ids=shown)


@login_required
def case_intake_view(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("cases.open_case"):
        raise PermissionDenied
    form = IntakeForm(request.POST if request.method == "POST" else None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        try:
            outcome = attempt(
                lambda: case_intake(by=request.user, person_data=form.person_data(), case_data=form.case_data()), form=form
            )
        except ValidationError as error:  # a model check the form does not repeat
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        if outcome and outcome.result is not None:
            result = outcome.result
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
            return redirect("cases:detail", pk=result.case.pk)
    return render(request, "cases/intake.html", {"form": form}, status=page_status(request, outcome))


def _panels(request: AuthenticatedRequest, case: Case) -> list[SafeString]:
    """The sections other apps add to the case page, rendered in their order."""
    return [
        mark_safe(render_to_string(panel.template, {"case": case, **panel.context(request, case)}, request=request))  # noqa: S308 - our own templates
        for panel in registry.panels
    ]


def render_case(request: AuthenticatedRequest, case: Case, *, status: int = 200, **forms: Any) -> HttpResponse:
    """The case page, with the forms given (kept as typed, with their errors) and fresh ones for the rest."""
    options = case_transition_options(case=case, user=request.user)
    transition_forms = []
    for option in options:
        form = forms.pop(f"transition_{option.name}", None)
        if form is None:
            form_class = TRANSITION_FORMS.get(option.name, TransitionForm)
            form = form_class(initial={"version": case.version}, reason_required=option.reason_required, prefix=option.name)
        transition_forms.append((option, form))
    may_work = request.user.has_perm("cases.work_on_case", case)
    context = {
        "case": case,
        "person": case.person,
        "assessment": assessment_current(case=case),
        "timeline": case_timeline(case=case),
        "transitions": transition_forms,
        "note_form": forms.pop("note_form", None) or ContactNoteForm.fresh(),
        "may_work": may_work,
        "open_transition": forms.pop("open_transition", ""),
        "appointments": appointments_for_case_page(case),
        "appointment_form": forms.pop("appointment_form", None) or AppointmentForm(initial={"kind": AppointmentKind.REPORT_IN}),
        "open_appointment": forms.pop("open_appointment", False),
        "appointment_marks": [("attend", _("Attended")), ("miss", _("Missed")), ("cancel", _("Cancelled"))],
        "reoffences": list(reoffences_of(person_id=case.person_id)),
        # An ended case still takes a new offence reported later: it goes on the person's history.
        "reoffence_form": (forms.pop("reoffence_form", None) or ReoffenceForm(prefix="later", initial={"version": case.version}))
        if may_work and not case.is_open
        else None,
        "panels": _panels(request, case),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
def case_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    audit_record(actor=request.user, action=AuditAction.VIEW, obj=case, detail={"person": case.person_id})
    return render_case(request, case)


def _transition_call(request: AuthenticatedRequest, case: Case, name: str, data: dict[str, Any]) -> Any:
    if name == "close":
        return lambda: case_close(
            case_id=case.pk,
            by=request.user,
            closure_reason=data["closure_reason"],
            reason=data["reason"],
            expected_version=data["version"],
        )
    if name == "reoffend":
        return lambda: reoffence_record(
            person_id=case.person_id,
            case_id=case.pk,
            by=request.user,
            offence_date=data["offence_date"],
            source=data["source"],
            offence_category=data["offence_category"],
            reason=data["reason"],
            expected_version=data["version"],
        )
    return lambda: case_transition(
        case_id=case.pk, name=name, by=request.user, reason=data["reason"], expected_version=data["version"]
    )


@login_required
@require_POST
def case_transition_view(request: AuthenticatedRequest, pk: int, name: str) -> HttpResponse:
    case = case_or_404(request, pk)
    option = next((o for o in case_transition_options(case=case, user=request.user) if o.name == name), None)
    if option is None:
        messages.error(request, _("You cannot make this change to the case now."))
        return redirect("cases:detail", pk=case.pk)
    form = TRANSITION_FORMS.get(name, TransitionForm)(request.POST, reason_required=option.reason_required, prefix=name)
    outcome = None
    if form.is_valid():
        outcome = attempt(_transition_call(request, case, name, form.cleaned_data), form=form)
        if outcome:
            case.refresh_from_db()
            messages.success(request, _("The case is now: %(state)s.") % {"state": case.get_state_display()})
            return redirect("cases:detail", pk=case.pk)
        case.refresh_from_db()  # a conflict shows the case as it is now, with what was typed
    return render_case(
        request, case, status=page_status(request, outcome), **{f"transition_{name}": form, "open_transition": name}
    )


@login_required
@require_POST
def reoffence_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A new offence reported after the case ended: recorded on the person's history, the case unchanged."""
    case = case_or_404(request, pk)
    if case.is_open:  # an open case takes it through its "reoffend" transition
        return redirect("cases:detail", pk=case.pk)
    form = ReoffenceForm(request.POST, prefix="later")
    outcome = None
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            lambda: reoffence_record(
                person_id=case.person_id,
                case_id=case.pk,
                by=request.user,
                offence_date=data["offence_date"],
                source=data["source"],
                offence_category=data["offence_category"],
            ),
            form=form,
        )
        if outcome:
            messages.success(request, _("The new offence is recorded on the person's history."))
            return redirect(reverse("cases:detail", args=[case.pk]) + "#reoffences")
    return render_case(request, case, status=page_status(request, outcome), reoffence_form=form)


@login_required
@require_POST
def note_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = ContactNoteForm(request.POST)
    outcome = None
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            lambda: note_add(case=case, by=request.user, kind=data["kind"], contacted_at=form.contacted_at(), text=data["text"]),
            form=form,
        )
        if outcome:
            messages.success(request, _("Contact note saved."))
            return redirect(reverse("cases:detail", args=[case.pk]) + "#timeline")
    return render_case(request, case, status=page_status(request, outcome), note_form=form)


@login_required
def assessment_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    if not attempt(lambda: assessment_check_may_assess(case=case, by=request.user), request=request):
        return redirect("cases:detail", pk=case.pk)
    # Opening the page writes no assessment (the draft is created by the first save), only the read: the
    # page shows the health and drug notes.
    if request.method == "GET":
        audit_page_read(actor=request.user, page="assessment", obj=case)
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
    outcome = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        needs = {
            domain: NeedInput(
                level=data[f"{domain}-level"], needs_stage=data[f"{domain}-needs_stage"], note=data[f"{domain}-note"]
            )
            for domain in NeedDomain.values
        }
        finish = "finish" in request.POST

        def save() -> Any:
            started = assessment_draft_get_or_start(case=case, by=request.user)
            return assessment_save(
                assessment=started,
                by=request.user,
                assessed_on=data["assessed_on"],
                summary=data["summary"],
                needs=needs,
                finish=finish,
            )

        outcome = attempt(save, form=form)
        if outcome:
            messages.success(request, _("Assessment finished.") if finish else _("Assessment saved as a draft."))
            return redirect("cases:detail", pk=case.pk) if finish else redirect("cases:assessment", pk=case.pk)
    context = {"case": case, "form": form, "assessment": draft}
    return render(request, "cases/assessment.html", context, status=page_status(request, outcome))


@login_required
def office_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("cases.supervise_office") or user.office_id is None:
        raise PermissionDenied
    loads = office_officer_loads(office_id=user.office_id)
    context = {
        **_case_list(request),
        "loads": loads,
        "officers": [load["officer"] for load in loads],
        "open_states": OPEN_STATES,
    }
    _audit_list(request, "office", context)
    return render(request, "cases/office.html", context)


@login_required
@require_POST
def case_reassign_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    if not request.user.has_perm("cases.supervise_case", case):
        raise Http404(_("No such case in your office."))
    form = ReassignForm(request.POST, officers=office_officers(office_id=case.office_id))
    if form.is_valid():
        data = form.cleaned_data
        done = attempt(
            lambda: case_reassign(
                case_id=case.pk, officer=data["officer"], by=request.user, reason=data["reason"], expected_version=data["version"]
            ),
            request=request,
        )
        if done:
            messages.success(
                request, _("Case %(number)s is now with %(officer)s.") % {"number": case.number, "officer": data["officer"]}
            )
    else:
        messages.error(request, _("Choose an active officer of this case's office."))
    return redirect(safe_next(request, reverse("cases:office")))


# --- appointments ----------------------------------------------------------------------------------


@login_required
@require_POST
def appointment_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Schedule an appointment at the case's office (a partner office schedules on its hand-off's page)."""
    case = case_or_404(request, pk)
    form = AppointmentForm(request.POST)
    outcome = None
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            lambda: appointment_schedule(
                case=case, by=request.user, kind=data["kind"], starts_at=form.starts_at(), place=data["place"]
            ),
            form=form,
        )
        if outcome:
            messages.success(request, _("Appointment scheduled."))
            return redirect(reverse("cases:detail", args=[case.pk]) + "#appointments")
    # Shown again with what was typed and the errors next to the fields.
    return render_case(request, case, status=page_status(request, outcome), appointment_form=form, open_appointment=True)


@login_required
@require_POST
def appointment_mark_view(request: AuthenticatedRequest, pk: int, mark: str) -> HttpResponse:
    """Mark an appointment attended, missed or cancelled: by the case's officer or supervisor, or by the
    staff of the partner office that holds it."""
    appointment = Appointment.objects.select_related("case").filter(pk=pk, state__in=AppointmentState.values).first()
    if appointment is None or not (
        request.user.has_perm("cases.read_case", appointment.case)
        or request.user.has_perm("cases.manage_appointment", appointment)
    ):
        raise Http404
    if attempt(
        lambda: appointment_mark(appointment_id=pk, by=request.user, mark=mark, note=request.POST.get("note", "")),
        request=request,
    ):
        messages.success(request, _("Appointment updated."))
    default = (
        reverse("cases:detail", args=[appointment.case_id]) + "#appointments"
        if request.user.has_perm("cases.read_case", appointment.case)
        else reverse("home")
    )
    return redirect(safe_next(request, default))
