"""Reads of the risk model for pages: a case's risk panel, the office's flags, the model cards."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from analytics.models import FlagState, RiskFlag, RiskModelVersion, RiskScore


@dataclass
class RiskPanel:
    latest: RiskScore | None
    history: list[RiskScore]
    open_flag: RiskFlag | None
    past_flags: list[RiskFlag]


def case_risk_panel(*, case: Any) -> RiskPanel:
    history = list(RiskScore.objects.filter(case=case).select_related("model_version").order_by("-as_of", "-id")[:12])
    flags = list(RiskFlag.objects.filter(case=case).select_related("acted_by", "score").order_by("-raised_at")[:10])
    open_flag = next((flag for flag in flags if flag.state == FlagState.RAISED), None)
    return RiskPanel(
        latest=history[0] if history else None,
        history=history[::-1],
        open_flag=open_flag,
        past_flags=[flag for flag in flags if flag is not open_flag],
    )


def flags_of_case(*, case: Any) -> QuerySet[RiskFlag]:
    return RiskFlag.objects.filter(case=case)


def office_flags(*, office_id: int) -> QuerySet[RiskFlag]:
    return (
        RiskFlag.objects.filter(case__office_id=office_id)
        .select_related("case__person", "case__officer", "score")
        .order_by(F("acted_at").desc(nulls_first=True), "-raised_at")
    )


def acknowledgement_speed(*, office_id: int, last: int = 500) -> dict[str, Any]:
    """How fast the office dealt with its recent flags: median and 90th percentile hours, and how many wait."""
    acted = RiskFlag.objects.filter(case__office_id=office_id, acted_at__isnull=False).order_by("-acted_at")[:last]
    hours = sorted((flag.acted_at - flag.raised_at).total_seconds() / 3600 for flag in acted)  # type: ignore[operator]
    waiting = RiskFlag.objects.filter(case__office_id=office_id, state=FlagState.RAISED).count()
    if not hours:
        return {"count": 0, "median_hours": None, "p90_hours": None, "waiting": waiting}
    return {
        "count": len(hours),
        "median_hours": round(statistics.median(hours), 1),
        "p90_hours": round(hours[max(0, int(len(hours) * 0.9) - 1)], 1),
        "waiting": waiting,
    }


def calibration_figure_json(version: RiskModelVersion) -> str:
    """The calibration plot of a model card, as Plotly JSON (drawn by the locally served plotly.min.js)."""
    import plotly.graph_objects as go

    points = version.calibration.get("curve", [])
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", hoverinfo="skip", line={"dash": "dot", "color": "#999"}))
    figure.add_trace(
        go.Scatter(
            x=[p["mean_predicted"] for p in points],
            y=[p["observed"] for p in points],
            mode="lines+markers",
            name=f"v{version.version}",
            text=[f"n={p.get('n', '')}" for p in points],
        )
    )
    figure.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=320,
        # The axes in the reader's language (the page's labels of the fairness tables).
        xaxis={"title": str(_("Predicted")), "range": [0, 1], "automargin": True},
        yaxis={"title": str(_("Observed")), "range": [0, 1], "automargin": True},
        font={"family": "Sarabun, sans-serif"},
        showlegend=False,
    )
    return json.dumps(json.loads(figure.to_json()))


def fairness_tables(version: RiskModelVersion) -> list[dict[str, Any]]:
    """The model card's fairness tables with titles and group names in the reader's language, age bands
    in age order (stored: group codes such as ``F``, ``NE``, ``under 25``, as the metrics computed them)."""
    from django.utils import translation

    from analytics.risk.features import AGE_BANDS
    from rehab.reference.models import Region

    thai = translation.get_language() != "en"
    titles = {"sex": _("Sex"), "age_band": _("age"), "region": _("region")}
    names: dict[str, dict[str, str]] = {
        "sex": {"F": str(_("Female")), "M": str(_("Male"))},
        "age_band": {en: th if thai else en for _low, _high, en, th in AGE_BANDS},
        "region": {region.code: region.name for region in Region.objects.all()},
    }
    order = {"age_band": {en: position for position, (_low, _high, en, _th) in enumerate(AGE_BANDS)}}
    tables = []
    for column, rows in (version.fairness or {}).items():
        labelled = [{**row, "label": names.get(column, {}).get(str(row["group"]), str(row["group"]))} for row in rows]
        ranks = order.get(column)
        if ranks is not None:
            labelled.sort(key=lambda row: ranks.get(str(row["group"]), len(ranks)))
        tables.append({"column": column, "title": titles.get(column, column), "rows": labelled})
    return tables
