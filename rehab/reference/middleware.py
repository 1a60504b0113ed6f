from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

# When the session signed in, and when it was last used, in seconds since the epoch.
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# The last use is written at most this often: a session is not written back on every page.
LAST_SEEN_STEP = 60


def session_start(request: HttpRequest) -> None:
    """At sign-in: the session's start and last use, so its first pages need not write it."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


class SessionLifetimeMiddleware:
    """A session ends after SESSION_IDLE_SECONDS without a request (officers share machines), and after
    SESSION_ABSOLUTE_SECONDS whatever happens; the user then signs in again.

    The time of the last request is kept in the session to the minute, so a busy user's pages do not each
    write the session back (as SESSION_SAVE_EVERY_REQUEST would: three more queries a page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS or now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)  # the page asked for then sends them to the login page
            elif LAST_SEEN not in session or now - last_seen >= LAST_SEEN_STEP:
                session[LAST_SEEN] = now
        return self.get_response(request)
