"""Domain events: how an app lets others react to what happened without knowing them.

An app declares its events (``rehab/cases/events.py``: ``assessment_finished``, ``case_state_changed``…)
and sends them from its services; other apps connect receivers in their ``AppConfig.ready`` (analytics
rescores a case, programmes and employment follow the plan). The sender imports none of them, as the
core of pretix knows no plugin.

``DomainEvent.emit`` delivers after the transaction that caused the event commits, so a receiver never
sees a change that is then rolled back, and a receiver that fails is logged without undoing the change it
reacts to. The facts are ids and codes, never a person's details: receivers read what they need.

A ``Hook`` is the other kind: sent inside the transaction, for a receiver whose work must succeed or fail
with the change (referrals withdraw the hand-offs of a case that ends in the same transaction).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)


class DomainEvent(Signal):
    """A fact other apps may react to, delivered once the transaction that caused it has committed."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __repr__(self) -> str:
        return f"<DomainEvent {self.name}>"

    def emit(self, sender: Any, **facts: Any) -> None:
        """Deliver after commit (at once outside a transaction). Receivers get ``sender`` and the facts."""
        transaction.on_commit(partial(self.deliver, sender, facts), robust=True)

    def deliver(self, sender: Any, facts: dict[str, Any]) -> None:
        for receiver, result in self.send_robust(sender, **facts):
            if isinstance(result, Exception):
                logger.error("receiver %s of %s failed", getattr(receiver, "__qualname__", receiver), self.name, exc_info=result)


class Hook(Signal):
    """Sent inside the caller's transaction: a receiver's exception rolls the whole change back."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"
