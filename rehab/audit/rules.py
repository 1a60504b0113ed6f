"""Who may read the audit trail: the auditor (data protection officer) and the administrator."""

from __future__ import annotations

import rules

from rehab.reference.rules import is_admin, is_auditor

rules.add_perm("audit.read_trail", is_auditor | is_admin)
