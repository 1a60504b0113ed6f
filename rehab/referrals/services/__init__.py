"""Every write of the referrals app: the plan, consents, hand-offs and their deadlines."""

from rehab.referrals.services.consents import consent_record, consent_withdraw
from rehab.referrals.services.escalation import escalation_emails_send, handoffs_escalate_chunk, handoffs_escalate_overdue
from rehab.referrals.services.handoffs import (
    handoff_accept,
    handoff_appointment_schedule,
    handoff_complete,
    handoff_decline,
    handoff_link,
    handoff_progress,
    handoff_send,
    handoff_withdraw,
    handoffs_withdraw_for_ended_case,
)
from rehab.referrals.services.plan import (
    PLANNABLE_STATES,
    REFERRABLE_STATES,
    plan_check_may_change,
    plan_record_no_needs,
    stage_add,
    stage_discontinue,
)

__all__ = [
    "PLANNABLE_STATES",
    "REFERRABLE_STATES",
    "consent_record",
    "consent_withdraw",
    "escalation_emails_send",
    "handoff_accept",
    "handoff_appointment_schedule",
    "handoff_complete",
    "handoff_decline",
    "handoff_link",
    "handoff_progress",
    "handoff_send",
    "handoff_withdraw",
    "handoffs_escalate_chunk",
    "handoffs_escalate_overdue",
    "handoffs_withdraw_for_ended_case",
    "plan_check_may_change",
    "plan_record_no_needs",
    "stage_add",
    "stage_discontinue",
]
