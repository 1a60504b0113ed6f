"""The feature registry: every column the risk model may learn from, by name.

A column of an episodes file (or of a feature snapshot built by the database side) is a model feature when,
and only when, its name is a key of :data:`FEATURES`. Everything else is ignored (and reported as ignored),
and a column named as an audit group is never a feature.

Each feature carries:

- ``kind``: ``numeric`` (a number; blank means unknown and is imputed with the training median),
  ``boolean`` (true/false, yes/no, 1/0) or ``categorical`` (a code; one-hot encoded, unseen codes ignored);
- ``description``: what the column means, in English (translatable), for the docs and the model card;
- ``reason``/``reason_th``: a short template that turns a person's value into a readable reason, in English
  (``gettext_lazy``, so the catalogue can translate it later) and in Thai (held here until the Thai catalogue
  has these strings). Templates use ``{value}``, ``{band}`` (the age band) and any other feature of the same
  snapshot by name (``{days_since_release}``); when a referenced value is missing the generic
  ``"{label}: {value}"`` form is used instead;
- ``transform``: ``log1p`` for counts and durations (their effect flattens as they grow);
- ``spline``: a cubic B-spline basis instead of a straight line (age and prior convictions, whose effects bend).
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

Kind = Literal["numeric", "categorical", "boolean"]
Source = Literal["case", "dynamic", "external"]
Language = Literal["en", "th"]

StrOrPromise = str | Promise


@dataclass(frozen=True)
class Feature:
    name: str
    kind: Kind
    label: StrOrPromise
    label_th: str
    description: StrOrPromise
    reason: StrOrPromise
    reason_th: str
    # For booleans: the reason when the value is false (``reason`` is the one for true).
    reason_false: StrOrPromise | None = None
    reason_false_th: str | None = None
    # For counts: the singular form used when the value is exactly 1.
    reason_one: StrOrPromise | None = None
    # Used instead of the template when a value it refers to (other than {value}) is missing.
    reason_plain: StrOrPromise | None = None
    reason_plain_th: str | None = None
    transform: Literal["none", "log1p"] = "none"
    spline: bool = False
    source: Source = "case"

    @property
    def nonnegative(self) -> bool:
        return self.transform == "log1p"


def _f(*args: Any, **kwargs: Any) -> tuple[str, Feature]:
    feature = Feature(*args, **kwargs)
    return feature.name, feature


FEATURES: dict[str, Feature] = dict(
    [
        # Static facts at release (the case).
        _f(
            "age_at_release",
            "numeric",
            _("age"),
            "อายุ",
            _("Age in whole years on the release date (for external data: at screening)."),
            _("age {band}"),
            "อายุ{band}",
            spline=True,
        ),
        _f(
            "sex",
            "categorical",
            _("sex"),
            "เพศ",
            _("Sex as recorded on the national ID card."),
            _("sex: {value}"),
            "เพศ: {value}",
        ),
        _f(
            "prior_convictions",
            "numeric",
            _("prior convictions"),
            "จำนวนครั้งที่เคยต้องโทษ",
            _("Number of earlier convictions before this case (for external data: prior adult charges)."),
            _("{value} prior convictions"),
            "เคยต้องโทษมาแล้ว {value} ครั้ง",
            reason_one=_("1 prior conviction"),
            transform="log1p",
            spline=True,
        ),
        _f(
            "sentence_months",
            "numeric",
            _("sentence length"),
            "ระยะเวลาต้องโทษ",
            _("Length of the sentence of this case, in months."),
            _("sentence of {value} months"),
            "ต้องโทษ {value} เดือน",
            transform="log1p",
        ),
        _f(
            "offence_category",
            "categorical",
            _("offence"),
            "ประเภทความผิด",
            _("Category of the offence of this case (the reference-data code)."),
            _("offence: {value}"),
            "ประเภทความผิด: {value}",
        ),
        _f(
            "release_type",
            "categorical",
            _("release type"),
            "ประเภทการปล่อยตัว",
            _("How the person was released: parole, sentence reduction, end of sentence, suspended sentence, pardon."),
            _("release type: {value}"),
            "ประเภทการปล่อยตัว: {value}",
        ),
        _f(
            "region",
            "categorical",
            _("region"),
            "ภูมิภาค",
            _("NSO statistical region of the home district."),
            _("region: {value}"),
            "ภูมิภาค: {value}",
        ),
        # Dynamic facts up to the snapshot date.
        _f(
            "days_since_release",
            "numeric",
            _("days since release"),
            "จำนวนวันหลังพ้นโทษ",
            _("Days from the release date to the snapshot date (0 for a snapshot taken at release)."),
            _("{value} days since release"),
            "พ้นโทษมาแล้ว {value} วัน",
            transform="log1p",
            source="dynamic",
        ),
        _f(
            "missed_appointments_60d",
            "numeric",
            _("missed appointments"),
            "การขาดนัด",
            _("Appointments missed in the 60 days up to and including the snapshot date."),
            _("{value} missed appointments in the last 60 days"),
            "ขาดนัด {value} ครั้งในช่วง 60 วันที่ผ่านมา",
            reason_one=_("1 missed appointment in the last 60 days"),
            transform="log1p",
            source="dynamic",
        ),
        _f(
            "attended_appointments_60d",
            "numeric",
            _("attended appointments"),
            "การมาตามนัด",
            _("Appointments attended in the 60 days up to and including the snapshot date."),
            _("{value} appointments attended in the last 60 days"),
            "มาตามนัด {value} ครั้งในช่วง 60 วันที่ผ่านมา",
            reason_one=_("1 appointment attended in the last 60 days"),
            transform="log1p",
            source="dynamic",
        ),
        _f(
            "employed",
            "boolean",
            _("employed"),
            "มีงานทำ",
            _("In work on the snapshot date (a placement in the employed state or a job recorded by the officer)."),
            _("in work"),
            "มีงานทำ",
            reason_false=_("no job {days_since_release} days after release"),
            reason_false_th="ยังไม่มีงานทำหลังพ้นโทษ {days_since_release} วัน",
            reason_plain=_("not in work"),
            reason_plain_th="ไม่มีงานทำ",
            source="dynamic",
        ),
        _f(
            "days_employed",
            "numeric",
            _("days employed"),
            "จำนวนวันที่ทำงาน",
            _("Days in work since release, up to the snapshot date."),
            _("{value} days in work since release"),
            "ทำงานมาแล้ว {value} วันหลังพ้นโทษ",
            transform="log1p",
            source="dynamic",
        ),
        _f(
            "programme_completed",
            "boolean",
            _("programme completed"),
            "ผ่านโปรแกรมฟื้นฟู",
            _("At least one rehabilitation programme completed by the snapshot date."),
            _("completed a rehabilitation programme"),
            "ผ่านโปรแกรมฟื้นฟูแล้ว",
            reason_false=_("no rehabilitation programme completed"),
            reason_false_th="ยังไม่ผ่านโปรแกรมฟื้นฟู",
            source="dynamic",
        ),
        _f(
            "handoffs_completed",
            "numeric",
            _("completed hand-offs"),
            "การส่งต่อที่เสร็จสิ้น",
            _("Hand-offs to partner agencies completed by the snapshot date."),
            _("{value} completed hand-offs to partner agencies"),
            "ได้รับบริการจากหน่วยงานภาคีครบ {value} เรื่อง",
            reason_one=_("1 completed hand-off to a partner agency"),
            transform="log1p",
            source="dynamic",
        ),
        _f(
            "needs_education",
            "boolean",
            _("education need"),
            "ความต้องการด้านการศึกษา",
            _("The latest assessment up to the snapshot date found a need in education."),
            _("needs help with education"),
            "ต้องการความช่วยเหลือด้านการศึกษา",
            reason_false=_("no education need"),
            reason_false_th="ไม่มีความต้องการด้านการศึกษา",
            source="dynamic",
        ),
        _f(
            "needs_work",
            "boolean",
            _("work need"),
            "ความต้องการด้านอาชีพ",
            _("The latest assessment up to the snapshot date found a need in work."),
            _("needs help finding work"),
            "ต้องการความช่วยเหลือด้านอาชีพ",
            reason_false=_("no work need"),
            reason_false_th="ไม่มีความต้องการด้านอาชีพ",
            source="dynamic",
        ),
        _f(
            "needs_health",
            "boolean",
            _("health and drugs need"),
            "ความต้องการด้านสุขภาพและยาเสพติด",
            _("The latest assessment up to the snapshot date found a need in health and drugs."),
            _("needs help with health or drugs"),
            "ต้องการความช่วยเหลือด้านสุขภาพหรือยาเสพติด",
            reason_false=_("no health or drugs need"),
            reason_false_th="ไม่มีความต้องการด้านสุขภาพและยาเสพติด",
            source="dynamic",
        ),
        _f(
            "needs_housing",
            "boolean",
            _("housing and welfare need"),
            "ความต้องการด้านที่อยู่อาศัยและสวัสดิการ",
            _("The latest assessment up to the snapshot date found a need in housing and welfare."),
            _("needs help with housing or welfare"),
            "ต้องการความช่วยเหลือด้านที่อยู่อาศัยหรือสวัสดิการ",
            reason_false=_("no housing or welfare need"),
            reason_false_th="ไม่มีความต้องการด้านที่อยู่อาศัยและสวัสดิการ",
            source="dynamic",
        ),
        _f(
            "needs_documents",
            "boolean",
            _("documents need"),
            "ความต้องการด้านเอกสารประจำตัว",
            _("The latest assessment up to the snapshot date found a need for identity documents."),
            _("needs identity documents"),
            "ต้องการเอกสารประจำตัว",
            reason_false=_("no documents need"),
            reason_false_th="ไม่มีความต้องการด้านเอกสารประจำตัว",
            source="dynamic",
        ),
        _f(
            "needs_legal",
            "boolean",
            _("legal aid need"),
            "ความต้องการด้านความช่วยเหลือทางกฎหมาย",
            _("The latest assessment up to the snapshot date found a need for legal aid."),
            _("needs legal aid"),
            "ต้องการความช่วยเหลือทางกฎหมาย",
            reason_false=_("no legal aid need"),
            reason_false_th="ไม่มีความต้องการด้านความช่วยเหลือทางกฎหมาย",
            source="dynamic",
        ),
        _f(
            "needs_family",
            "boolean",
            _("family need"),
            "ความต้องการด้านครอบครัว",
            _("The latest assessment up to the snapshot date found a need in family relations."),
            _("needs help with family relations"),
            "ต้องการความช่วยเหลือด้านครอบครัว",
            reason_false=_("no family need"),
            reason_false_th="ไม่มีความต้องการด้านครอบครัว",
            source="dynamic",
        ),
        # External data sets (e.g. the COMPAS benchmark).
        _f(
            "juv_fel_count",
            "numeric",
            _("juvenile felony charges"),
            "คดีอาญาร้ายแรงตอนเป็นเยาวชน",
            _("Juvenile felony charges (external data)."),
            _("{value} juvenile felony charges"),
            "เคยถูกดำเนินคดีอาญาร้ายแรงตอนเป็นเยาวชน {value} ครั้ง",
            reason_one=_("1 juvenile felony charge"),
            transform="log1p",
            source="external",
        ),
        _f(
            "juv_misd_count",
            "numeric",
            _("juvenile misdemeanour charges"),
            "คดีลหุโทษตอนเป็นเยาวชน",
            _("Juvenile misdemeanour charges (external data)."),
            _("{value} juvenile misdemeanour charges"),
            "เคยถูกดำเนินคดีลหุโทษตอนเป็นเยาวชน {value} ครั้ง",
            reason_one=_("1 juvenile misdemeanour charge"),
            transform="log1p",
            source="external",
        ),
        _f(
            "juv_other_count",
            "numeric",
            _("other juvenile charges"),
            "คดีอื่นตอนเป็นเยาวชน",
            _("Other juvenile charges (external data)."),
            _("{value} other juvenile charges"),
            "เคยถูกดำเนินคดีอื่นตอนเป็นเยาวชน {value} ครั้ง",
            reason_one=_("1 other juvenile charge"),
            transform="log1p",
            source="external",
        ),
        _f(
            "charge_degree",
            "categorical",
            _("charge degree"),
            "ระดับข้อหา",
            _("Degree of the current charge: F (felony) or M (misdemeanour) (external data)."),
            _("current charge degree: {value}"),
            "ระดับข้อหาปัจจุบัน: {value}",
            source="external",
        ),
    ]
)

# Pairs of features whose product (of standardised log values) is added to the transparent model when both
# are present: the effect of prior convictions is stronger for the young.
INTERACTIONS: tuple[tuple[str, str], ...] = (("age_at_release", "prior_convictions"),)

# Age bands for fairness tables and reasons: the bands of the ProPublica analysis, so that external
# results compare with the published ones.
AGE_BANDS: tuple[tuple[float, float, str, str], ...] = (
    (0, 25, "under 25", "ต่ำกว่า 25 ปี"),
    (25, 46, "25-45", "25-45 ปี"),
    (46, math.inf, "over 45", "มากกว่า 45 ปี"),
)


def age_band(age: Any, language: Language = "en") -> str | None:
    """The age band of an age in years (``None`` when the age is unknown)."""
    value = _number(age)
    if value is None:
        return None
    for low, high, label_en, label_th in AGE_BANDS:
        if low <= value < high:
            return label_th if language == "th" else label_en
    return None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def display_value(value: Any, kind: Kind, language: Language = "en") -> str:
    """A value as people read it: counts without ``.0``, booleans as yes/no."""
    if _is_missing(value):
        return "ไม่ทราบ" if language == "th" else "unknown"
    if kind == "boolean":
        truthy = bool(float(value)) if not isinstance(value, str) else value.strip().lower() in {"1", "true", "yes", "y"}
        if language == "th":
            return "ใช่" if truthy else "ไม่ใช่"
        return "yes" if truthy else "no"
    if kind == "numeric":
        number = _number(value)
        if number is None:
            return str(value)
        return str(round(number)) if abs(number - round(number)) < 1e-9 else f"{number:.1f}"
    return str(value)


@functools.cache
def _text(name: str, slot: str, language: Language) -> str | None:
    """A template or label of a feature in a language: English from the (lazy, translatable) source strings,
    Thai from the registry's ``*_th`` fields. Cached: evaluated once per process."""
    feature = FEATURES[name]
    if language == "th":
        value = getattr(feature, f"{slot}_th", None)
        return None if value is None else str(value)
    with override("en"):
        value = getattr(feature, slot)
        return None if value is None else str(value)


@functools.cache
def _fields_of(template: str) -> tuple[str, ...]:
    return tuple(field for _, field, _, _ in string.Formatter().parse(template) if field)


@functools.cache
def reason_row_fields(name: str) -> tuple[str, ...]:
    """The other snapshot values a feature's reason templates mention (e.g. ``days_since_release``): a reason
    sentence depends only on the feature's value and these, so callers can format each distinct one once."""
    found: set[str] = set()
    for language in ("en", "th"):
        for slot in ("reason", "reason_false", "reason_one", "reason_plain"):
            template = _text(name, slot, language)
            if template:
                found.update(field for field in _fields_of(template) if field not in {"value", "band", "label"})
    return tuple(sorted(found))


def _fill(template: str | None, value_fields: Mapping[str, str], row: Mapping[str, Any], language: Language) -> str | None:
    """The template with its fields, or ``None`` when a field it names has no value."""
    if not template:
        return None
    fields = {}
    for field in _fields_of(template):
        if field in value_fields:
            fields[field] = value_fields[field]
            continue
        raw = row.get(field)
        if _is_missing(raw):
            return None
        feature = FEATURES.get(field)
        fields[field] = display_value(raw, feature.kind if feature else "categorical", language)
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        return None


def format_reason(name: str, value: Any, row: Mapping[str, Any] | None = None, language: Language = "en") -> str:
    """The reason sentence for one feature's value, in English or Thai.

    ``row`` holds the other values of the same snapshot, so that a template can say "no job 90 days after
    release". English comes from the translatable templates (evaluated in English); Thai from ``reason_th``.
    """
    feature = FEATURES[name]
    row = row or {}
    shown = display_value(value, feature.kind, language)
    value_fields = {
        "value": shown,
        "band": age_band(value, language) or shown,
        "label": _text(name, "label", language) or name,
    }
    generic = "{label}: {value}".format(**value_fields)
    if _is_missing(value):
        return generic
    if feature.kind == "boolean" and shown in {"no", "ไม่ใช่"}:
        slot = "reason_false"
    elif feature.reason_one is not None and language == "en" and _number(value) == 1:
        slot = "reason_one"
    else:
        slot = "reason"
    for candidate in (slot, "reason_plain"):
        text = _fill(_text(name, candidate, language), value_fields, row, language)
        if text is not None:
            return text
    return generic


def feature_table(names: list[str] | None = None) -> list[dict[str, str]]:
    """The registry as rows for documentation and model cards (English)."""
    rows = []
    with override("en"):
        for name, feature in FEATURES.items():
            if names is not None and name not in names:
                continue
            rows.append(
                {
                    "name": name,
                    "kind": feature.kind,
                    "source": feature.source,
                    "transform": ("log1p " if feature.transform == "log1p" else "") + ("spline" if feature.spline else ""),
                    "description": str(feature.description),
                    "reason": str(feature.reason),
                }
            )
    return rows
