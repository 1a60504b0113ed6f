"""The two pages that belong to no domain: the home page, which sends each role to its work, and the
health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rehab.reference.http import AuthenticatedRequest
from rehab.reference.models import Role

# Where each role's work starts.
START_PAGE = {
    Role.OFFICER: "cases:caseload",
    Role.SUPERVISOR: "cases:office",
    Role.AUDITOR: "audit:trail",
    Role.ADMIN: "audit:trail",
    Role.MANAGER: "analytics:model_list",
}


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    role = request.user.role
    if role == Role.AGENCY_STAFF and request.user.office_id:
        return redirect("referrals:inbox")
    if role in START_PAGE:
        return redirect(START_PAGE[Role(role)])
    return render(request, "home.html")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
