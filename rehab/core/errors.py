"""The domain's error types. Services raise them; ``rehab.core.http.attempt`` turns them into a message
next to the field they concern (or on top of the form) and the response status, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A business rule said no. ``message`` is written for the user and already translated lazily;
    ``field`` names the form field it concerns, if any. Pages answer it with 400."""

    default_message = _("This action could not be done.")
    status = 400

    def __init__(self, message: object = None, *, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class TransitionRefused(ApplicationError):
    default_message = _("This change of state is not allowed now.")

    def __init__(self, reasons: Sequence[object]) -> None:
        self.reasons = list(reasons)
        super().__init__(" ".join(str(reason) for reason in reasons) or self.default_message)


class Conflict(ApplicationError):
    """The record changed since the user loaded it (someone else was faster). Pages answer it with 409
    and show the record as it is now, keeping what the user typed."""

    default_message = _("This record was changed by someone else while you were working on it. Reload the page and try again.")
    status = 409
