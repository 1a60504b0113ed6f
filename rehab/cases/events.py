"""What happens to cases, for other apps to react to (see rehab.core.events).

Facts are ids and codes. Delivered after commit, except ``case_ending``, which runs inside the
transaction that ends the case (referrals withdraw its open hand-offs with it).
"""

from __future__ import annotations

from rehab.core.events import DomainEvent, Hook

# case_id, transition, source, target
case_state_changed = DomainEvent("case_state_changed")
# case_id, assessment_id
assessment_finished = DomainEvent("assessment_finished")
# case_id, appointment_id, state
appointment_marked = DomainEvent("appointment_marked")
# person_id, case_id, reoffence_id, ended_case
reoffence_recorded = DomainEvent("reoffence_recorded")

# Inside the transaction: case (locked), by, reason. A receiver's error undoes the transition.
case_ending = Hook("case_ending")
