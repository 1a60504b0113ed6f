"""Who may see and decide what about the risk model. Scores and flags are read through the case
(``Case.objects.visible_to``): agency staff and employers never reach them."""

from __future__ import annotations

import rules

from rehab.reference.rules import is_admin, is_auditor, is_manager

rules.add_perm("analytics.read_model_card", is_manager | is_auditor | is_admin)
rules.add_perm("analytics.decide_model", is_manager)
