from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

# When the session signed in, in seconds since the epoch (set at the first request after a login).
SIGNED_IN_AT = "signed_in_at"


class SessionLifetimeMiddleware:
    """A session lasts a working day at most (SESSION_ABSOLUTE_SECONDS), however busy: after it the user signs
    in again. The idle timeout is the session cookie's age, renewed on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.setdefault(SIGNED_IN_AT, int(time.time()))
            if time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)  # the page asked for then sends them to the login page
        return self.get_response(request)
