"""What every page shares: the safe ``next`` target, and the one way a service's refusal becomes a response
(``attempt``).

A refused action loses nothing: the refusal goes next to the field it concerns (or on top of the form)
and the page is rendered again with what was typed, answering 400, or 409 when someone else changed the
record first (``rehab.core.errors.Conflict``). An action without a form (a button) gets the refusal as a
message on the page it returns to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from rehab.core.errors import ApplicationError

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a service call gave: its result, or the refusal (already shown to the user)."""

    result: T | None = None
    error: ApplicationError | None = None

    def __bool__(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        """The status of the page shown after a refusal: 400, or 409 for a conflict."""
        return 200 if self.error is None else self.error.status


def attempt(call: Callable[[], T], *, form: Any = None, request: HttpRequest | None = None) -> Outcome[T]:
    """Run one service call; the caller renders or redirects according to the outcome.

    A refusal about a field of ``form`` goes next to that field. Any other refusal goes on top of ``form``,
    or, when ``request`` is given, into the page's messages: for a form that may no longer be on the page
    it returns to (a hand-off's decline form, once the hand-off was accepted)."""
    try:
        return Outcome(result=call())
    except ApplicationError as error:
        if form is not None and error.field in form.fields:
            form.add_error(error.field, str(error.message))
        elif request is not None:
            messages.error(request, str(error.message))
        elif form is not None:
            form.add_error(None, str(error.message))
        else:
            raise
        return Outcome(error=error)


def page_status(request: HttpRequest, outcome: Outcome[Any] | None = None) -> int:
    """The status of a form page: 200 when shown, 400 when a submitted form comes back with errors, 409
    when the record changed under it."""
    if request.method != "POST":
        return 200
    return outcome.status if outcome is not None and outcome.error is not None else 400


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` the form carried, if it is a path of this site (``/cases/1/#plan``); otherwise ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    is_path = target.startswith("/") and not target.startswith("//") and "\x00" not in target
    if is_path and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default
