"""Template filters: `display` gives what `get_FOO_display` gives, in the reader's language."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation
from django.utils.html import escape

from rehab.cases.models import Case, CaseState
from rehab.reference.models import ServiceKind
from rehab.referrals.models import Handoff, HandoffState


def test_display_is_get_foo_display_in_each_language():
    template = Template('{% load choices %}{{ case|display:"state" }}|{{ handoff|display:"service" }}')
    for language in ("th", "en"):
        with translation.override(language):
            for state in CaseState.values:
                for service in ServiceKind.values:
                    case, handoff = Case(state=state), Handoff(service=service, state=HandoffState.SENT)
                    expected = f"{escape(case.get_state_display())}|{escape(handoff.get_service_display())}"
                    assert template.render(Context({"case": case, "handoff": handoff})) == expected


def test_display_of_a_value_outside_the_choices_or_no_object():
    template = Template('{% load choices %}[{{ case|display:"state" }}][{{ missing|display:"state" }}]')
    assert template.render(Context({"case": Case(state="legacy"), "missing": None})) == "[legacy][]"
