"""The domain's error types. Services raise them; views turn them into a message on the page."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A business rule said no. ``message`` is written for the user and already translated lazily."""

    default_message = _("This action could not be done.")

    def __init__(self, message: object = None, *, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class TransitionRefused(ApplicationError):
    default_message = _("This change of state is not allowed now.")

    def __init__(self, reasons: Sequence[object]) -> None:
        self.reasons = list(reasons)
        super().__init__(" ".join(str(reason) for reason in reasons) or self.default_message)


class CaseChanged(ApplicationError):
    default_message = _(
        "This case was changed by someone else while you were working on it. Reload the page to see the changes, then try again."
    )
