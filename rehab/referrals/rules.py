"""Who may do what to a hand-off: the sender's side works on the case; the receiving office answers it."""

from __future__ import annotations

from typing import Any

import rules

from rehab.cases.rules import works_on_case
from rehab.reference.rules import is_agency_staff


@rules.predicate
def is_receiving_office(user: Any, handoff: Any) -> bool:
    return handoff is not None and handoff.to_office_id == user.office_id


@rules.predicate
def works_on_handoff_case(user: Any, handoff: Any) -> bool:
    return handoff is not None and bool(works_on_case.test(user, handoff.case))


rules.add_perm("referrals.answer_handoff", is_agency_staff & is_receiving_office)
rules.add_perm("referrals.send_handoff", works_on_handoff_case)
rules.add_perm("referrals.read_inbox", is_agency_staff)
