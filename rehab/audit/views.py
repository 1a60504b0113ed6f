"""The audit trail, for the auditor: every read of personal data and every write, filterable."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from rehab.audit.forms import AuditFilterForm
from rehab.audit.selectors import audit_events
from rehab.core.pagination import CappedPaginator
from rehab.reference.http import AuthenticatedRequest


@login_required
def audit_trail(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("audit.read_trail"):
        raise PermissionDenied
    filters = AuditFilterForm(request.GET)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    events = audit_events(object_type=wanted.get("type", ""), object_id=wanted.get("id", ""), username=wanted.get("user", ""))
    page = CappedPaginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/trail.html", {"page": page, "query": query.urlencode(), "filters": filters})
