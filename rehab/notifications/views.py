from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from rehab.core.pagination import CappedPaginator
from rehab.notifications.selectors import notifications_of
from rehab.notifications.services import notifications_mark_read
from rehab.reference.http import AuthenticatedRequest


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    """The user's own notifications, newest first; a POST marks them all read."""
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("notifications:list")
    page = CappedPaginator(notifications_of(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})
