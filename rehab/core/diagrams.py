"""State diagrams generated from the code's state machines, as Mermaid (rendered by GitHub and
most Markdown viewers). ``python manage.py state_diagrams`` rewrites docs/state-machines.md; a
test fails when the committed page no longer matches the code."""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django_fsm import FSMFieldMixin


def machines() -> list[tuple[type[models.Model], str, str]]:
    """Every state machine of the installed apps: (model, field, who acts when its transitions carry no
    permission of their own, from the model's ``MACHINE_ACTORS``), in the order of INSTALLED_APPS."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FSMFieldMixin) and model.__module__.split(".")[0] != "django_fsm_log":
                found.append((model, field.name, str(getattr(model, "MACHINE_ACTORS", ""))))
    return found


def _edges(model: type[models.Model], field_name: str) -> list[tuple[str, str, str]]:
    field = model._meta.get_field(field_name)
    assert isinstance(field, FSMFieldMixin)
    edges = set()
    for transition in field.get_all_transitions(model):
        edges.add((str(transition.source), str(transition.target), transition.name))
    return sorted(edges)


def mermaid(model: type[models.Model], field_name: str) -> str:
    field = model._meta.get_field(field_name)
    assert isinstance(field, FSMFieldMixin) and isinstance(field, models.Field)
    labels = dict(field.choices or [])
    lines = ["stateDiagram-v2"]
    initial = field.default
    lines.append(f"    [*] --> {initial}")
    for value, label in labels.items():
        lines.append(f"    {value}: {label}")
    targets = {target for _, target, _ in _edges(model, field_name)}
    sources = {source for source, _, _ in _edges(model, field_name)}
    for source, target, name in _edges(model, field_name):
        lines.append(f"    {source} --> {target}: {name}")
    for final in sorted(targets - sources):
        lines.append(f"    {final} --> [*]")
    return "\n".join(lines)


def state_machines_page() -> str:
    with translation.override("en"):
        parts = [
            "# State machines",
            "",
            "Generated from the code by `python manage.py state_diagrams`; do not edit by hand",
            "(a test fails when this page and the code disagree).",
        ]
        for model, field_name, actors in machines():
            label = model._meta.label
            parts += [
                "",
                f"## {str(model._meta.verbose_name).capitalize()} (`{label}.{field_name}`)",
                "",
                "```mermaid",
                mermaid(model, field_name),
                "```",
            ]
            parts += ["", "| transition | from | to | who may take it | condition |", "|---|---|---|---|---|"]
            field = model._meta.get_field(field_name)
            assert isinstance(field, FSMFieldMixin)
            by_name: dict[str, list[str]] = {}
            details = {}
            for transition in field.get_all_transitions(model):
                by_name.setdefault(transition.name, []).append(str(transition.source))
                details[transition.name] = transition
            for name in sorted(by_name):
                transition = details[name]
                refusal = getattr(transition.permission, "refusal", None)
                if callable(refusal):  # a refusal worked out per case: the permission's docstring says the rule
                    who = (transition.permission.__doc__ or "").strip()
                else:
                    who = str(refusal or actors).removeprefix("Only ").removesuffix(" may do this.")
                conditions = "; ".join(str(getattr(check, "refusal", check.__name__)) for check in transition.conditions) or "—"
                parts.append(f"| `{name}` | {', '.join(sorted(by_name[name]))} | {transition.target} | {who} | {conditions} |")
        return "\n".join(parts) + "\n"
