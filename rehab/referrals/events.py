"""What happens to hand-offs, for other apps to react to (see rehab.core.events). Delivered after commit."""

from __future__ import annotations

from rehab.core.events import DomainEvent

# handoff_id, case_id, step (a LedgerStep), service, outcome ("" until completed)
handoff_stepped = DomainEvent("handoff_stepped")
# escalation_ids: the escalations one run created (their e-mails go out from a task)
escalations_created = DomainEvent("escalations_created")
