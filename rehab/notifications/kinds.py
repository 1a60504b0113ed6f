"""The kinds of notification, registered by the apps that send them.

A kind has a sentence with ``%(name)s`` placeholders and, for the parameters stored as codes, how to
show them (a choice's label, a date in the reader's era). ``render`` writes the sentence in the active
language when a notification is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NotificationKind:
    code: str
    label: Promise
    text: Promise
    # How to show a parameter kept as a code: {"outcome": lambda code: HandoffOutcome(code).label}.
    shown_as: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)


_KINDS: dict[str, NotificationKind] = {}


def register(*kinds: NotificationKind) -> None:
    for kind in kinds:
        if kind.code in _KINDS and _KINDS[kind.code] != kind:
            raise ValueError(f"notification kind {kind.code!r} is registered twice")
        _KINDS[kind.code] = kind


def kind_of(code: str) -> NotificationKind | None:
    return _KINDS.get(code)


def render(code: str, params: Mapping[str, Any]) -> str:
    kind = _KINDS.get(code)
    if kind is None:  # a kind whose app was removed: say what we can
        return str(_("Notification (%(kind)s)") % {"kind": code})
    shown = {name: kind.shown_as[name](value) if name in kind.shown_as else value for name, value in params.items()}
    try:
        return str(kind.text % shown)
    except (KeyError, ValueError, TypeError):
        return str(kind.label)
