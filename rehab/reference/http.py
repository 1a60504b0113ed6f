"""The request every signed-in page receives."""

from __future__ import annotations

from django.http import HttpRequest

from rehab.reference.models import User


class AuthenticatedRequest(HttpRequest):
    """What a view behind @login_required receives: the user is one of ours, never anonymous."""

    user: User
