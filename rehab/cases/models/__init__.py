"""People and their cases: the case machine, assessments, contact notes, appointments, reoffences."""

from rehab.cases.models.appointments import APPOINTMENT_TRANSITIONS, Appointment, AppointmentKind, AppointmentState
from rehab.cases.models.assessments import Assessment, AssessmentNeed, NeedDomain, NeedLevel, domains_in_need
from rehab.cases.models.cases import (
    CASE_TRANSITIONS,
    OPEN_STATES,
    Case,
    CaseChanged,
    CaseState,
    ClosureReason,
    OffenceCategory,
    ReleaseType,
    Reoffence,
    ReoffenceSource,
)
from rehab.cases.models.contacts import ContactKind, ContactNote
from rehab.cases.models.people import Person, Sex

__all__ = [
    "APPOINTMENT_TRANSITIONS",
    "CASE_TRANSITIONS",
    "OPEN_STATES",
    "Appointment",
    "AppointmentKind",
    "AppointmentState",
    "Assessment",
    "AssessmentNeed",
    "Case",
    "CaseChanged",
    "CaseState",
    "ClosureReason",
    "ContactKind",
    "ContactNote",
    "NeedDomain",
    "NeedLevel",
    "OffenceCategory",
    "Person",
    "ReleaseType",
    "Reoffence",
    "ReoffenceSource",
    "Sex",
    "domains_in_need",
]
