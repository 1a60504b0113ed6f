"""Forms: they read and check what was typed, then hand clean values to a service.

Dates accept both eras (see rehab.core.dates); a rejected form is rendered again with everything
typed and an error next to each field.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.cases.extensions import registry
from rehab.cases.models import (
    AppointmentKind,
    CaseState,
    ClosureReason,
    ContactKind,
    NeedDomain,
    NeedLevel,
    OffenceCategory,
    ReleaseType,
    ReoffenceSource,
    Sex,
)
from rehab.core.forms import EraDateField
from rehab.core.validators import normalize_national_id, validate_name, validate_national_id, validate_phone
from rehab.reference.models import District, User


class NationalIdField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("National ID"))
        kwargs.setdefault("help_text", _("13 digits; dashes and spaces are ignored."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value: Any) -> str:
        cleaned = super().clean(value)
        if not cleaned:
            return cleaned
        validate_national_id(cleaned)
        return normalize_national_id(cleaned)


class IntakeForm(forms.Form):
    national_id = NationalIdField()
    first_name_th = forms.CharField(label=_("First name (Thai)"), max_length=100, validators=[validate_name])
    last_name_th = forms.CharField(label=_("Last name (Thai)"), max_length=100, validators=[validate_name])
    first_name_en = forms.CharField(
        label=_("First name (Latin script)"), max_length=100, required=False, validators=[validate_name]
    )
    last_name_en = forms.CharField(
        label=_("Last name (Latin script)"), max_length=100, required=False, validators=[validate_name]
    )
    date_of_birth = EraDateField(label=_("Date of birth"))
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices])
    nationality = forms.RegexField(
        label=_("Nationality"),
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        initial="TH",
        required=False,
        help_text=_("Two-letter country code: TH for Thai; MM, LA, KH for Myanmar, Laos, Cambodia."),
        error_messages={"invalid": _("Enter a two-letter country code, for example TH.")},
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, validators=[validate_phone], help_text=_("For example 081-234-5678.")
    )
    home_district = forms.ModelChoiceField(
        label=_("Home district"),
        queryset=District.objects.select_related("province").order_by("province__name_th", "name_th"),
        required=False,
    )
    release_type = forms.ChoiceField(label=_("Release type"), choices=[("", "—"), *ReleaseType.choices])
    # Released people come to probation within years of their release, not decades.
    release_date = EraDateField(label=_("Release date"), earliest=lambda: timezone.localdate() - timedelta(days=20 * 365))
    facility = forms.CharField(label=_("Released from (facility)"), max_length=200, required=False)
    offence_category = forms.ChoiceField(label=_("Offence category"), choices=[("", "—"), *OffenceCategory.choices])
    sentence_months = forms.IntegerField(label=_("Sentence (months)"), min_value=0, max_value=1200)
    prior_convictions = forms.IntegerField(label=_("Prior convictions"), min_value=0, max_value=200, initial=0)
    # Probation and parole run for years, not decades: 31/12/9999 is a typo, not an end.
    supervision_end_date = EraDateField(
        label=_("Supervision ends"), required=False, latest=lambda: timezone.localdate() + timedelta(days=25 * 365)
    )

    PERSON_FIELDS = (
        "national_id",
        "first_name_th",
        "last_name_th",
        "first_name_en",
        "last_name_en",
        "date_of_birth",
        "sex",
        "nationality",
        "phone",
        "home_district",
    )

    def clean_nationality(self) -> str:
        """Thai unless another country's code is typed."""
        return str(self.cleaned_data["nationality"] or "TH").upper()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_district"].label_from_instance = lambda d: f"{d.province.name} – {d.name}"  # type: ignore[attr-defined]

    def clean_date_of_birth(self) -> date:
        born: date = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if today.year - born.year < 7:
            raise forms.ValidationError(_("The person would be under 7 years old: check the year (Buddhist or Common Era?)."))
        if today.year - born.year > 110:
            raise forms.ValidationError(_("The person would be over 110 years old: check the year."))
        return born

    def clean_release_date(self) -> date:
        released: date = self.cleaned_data["release_date"]
        if released > timezone.localdate() + timedelta(days=90):
            raise forms.ValidationError(_("The release date is more than 90 days ahead: record the intake nearer the release."))
        return released

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        born, released, ends = data.get("date_of_birth"), data.get("release_date"), data.get("supervision_end_date")
        if born and released and released <= born:
            self.add_error("release_date", _("The release date must be after the date of birth."))
        if released and ends and ends < released:
            self.add_error("supervision_end_date", _("Supervision cannot end before the release date."))
        return data

    def person_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.PERSON_FIELDS}

    def case_data(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name not in self.PERSON_FIELDS}


class VersionedForm(forms.Form):
    """Carries the case version the user saw, for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TransitionForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    def __init__(self, *args: Any, reason_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        self.fields["reason"].error_messages["required"] = _("Give a reason: it is kept in the case's history.")


class CloseForm(TransitionForm):
    closure_reason = forms.ChoiceField(label=_("Why is the case closed?"), choices=[("", "—"), *ClosureReason.choices])


class ReoffenceForm(TransitionForm):
    offence_date = EraDateField(label=_("Date of the new offence"))
    source = forms.ChoiceField(label=_("Confirmed by"), choices=ReoffenceSource.choices)
    offence_category = forms.ChoiceField(label=_("Offence category"), choices=OffenceCategory.choices)


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {"close": CloseForm, "reoffend": ReoffenceForm}


class ReassignForm(VersionedForm):
    officer = forms.ModelChoiceField(label=_("New officer"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args: Any, officers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if officers is not None:
            self.fields["officer"].queryset = officers  # type: ignore[attr-defined]


class ContactNoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of contact"), choices=ContactKind.choices)
    # Notes are written within days of the contact; a year back allows for a backlog, not for 0001 or 1857.
    contacted_on = EraDateField(label=_("Date"), earliest=lambda: timezone.localdate() - timedelta(days=366))
    contacted_time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)

    @classmethod
    def fresh(cls) -> ContactNoteForm:
        now = timezone.localtime()
        return cls(initial={"contacted_on": now.date(), "contacted_time": now.time().replace(second=0, microsecond=0)})

    def contacted_at(self) -> datetime:
        moment = datetime.combine(self.cleaned_data["contacted_on"], self.cleaned_data["contacted_time"] or time())
        return timezone.make_aware(moment)


class AssessmentForm(forms.Form):
    assessed_on = EraDateField(label=_("Assessed on"))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for domain, label in NeedDomain.choices:
            self.fields[f"{domain}-level"] = forms.ChoiceField(label=label, choices=NeedLevel.choices, widget=forms.RadioSelect)
            self.fields[f"{domain}-needs_stage"] = forms.BooleanField(label=_("needs a plan stage"), required=False)
            self.fields[f"{domain}-note"] = forms.CharField(
                label=_("note"),
                required=False,
                max_length=2000,
                widget=forms.TextInput(attrs={"placeholder": _("note (optional)")}),
            )

    def domain_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "domain": domain,
                "label": label,
                "level": self[f"{domain}-level"],
                "needs_stage": self[f"{domain}-needs_stage"],
                "note": self[f"{domain}-note"],
            }
            for domain, label in NeedDomain.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for domain, label in NeedDomain.choices:
            if data.get(f"{domain}-level") == NeedLevel.NONE and data.get(f"{domain}-needs_stage"):
                self.add_error(
                    f"{domain}-needs_stage", _("%(domain)s: a domain with no need cannot need a plan stage.") % {"domain": label}
                )
        return data


class CaseloadFilterForm(forms.Form):
    SORTS = [
        ("-release_date", _("Newest release first")),
        ("release_date", _("Oldest release first")),
        ("last_contact", _("Longest without contact first")),
        ("name", _("Name")),
        ("state", _("State")),
    ]
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Other apps' columns bring their sorts (the risk model: highest risk first).
        extra = [(key, label) for column in registry.caseload_columns for key, label, _order in column.sorts]
        self.fields["sort"].choices = [*self.SORTS, *extra]  # type: ignore[attr-defined]
        self.fields["state"].choices = [("open", _("Open cases")), ("", _("All states")), *CaseState.choices]  # type: ignore[attr-defined]


class AppointmentForm(forms.Form):
    # Its own prefix: it shares pages with the contact-note form, whose fields have the same names.
    prefix = "appointment"

    kind = forms.ChoiceField(label=_("Kind"), choices=AppointmentKind.choices)
    starts_on = EraDateField(label=_("Date"))
    starts_time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)

    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["starts_on"], self.cleaned_data["starts_time"]))
