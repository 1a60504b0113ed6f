"""Every write of the cases app: one atomic function per use case, named ``<thing>_<verb>``."""

from rehab.cases.services.appointments import appointment_mark, appointment_reminders_send, appointment_schedule
from rehab.cases.services.assessments import (
    NeedInput,
    assessment_check_may_assess,
    assessment_draft_get_or_start,
    assessment_save,
)
from rehab.cases.services.cases import (
    audited_refusal,
    case_close,
    case_lock,
    case_plan_set_no_needs,
    case_reassign,
    case_run_transition,
    case_transition,
    case_transition_options,
    case_transition_refusals,
)
from rehab.cases.services.intake import IntakeResult, case_intake
from rehab.cases.services.notes import note_add
from rehab.cases.services.reoffences import reoffence_episode, reoffence_record

__all__ = [
    "IntakeResult",
    "NeedInput",
    "appointment_mark",
    "appointment_reminders_send",
    "appointment_schedule",
    "assessment_check_may_assess",
    "assessment_draft_get_or_start",
    "assessment_save",
    "audited_refusal",
    "case_close",
    "case_intake",
    "case_lock",
    "case_plan_set_no_needs",
    "case_reassign",
    "case_run_transition",
    "case_transition",
    "case_transition_options",
    "case_transition_refusals",
    "note_add",
    "reoffence_episode",
    "reoffence_record",
]
