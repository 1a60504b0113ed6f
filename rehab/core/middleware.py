from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ThaiFirstMiddleware:
    """Thai unless the user chose English with the header button (the language cookie).

    The browser's own language preference is ignored: the service is Thai first, whatever the
    machine an officer borrows is set to. Sits before django.middleware.locale.LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
