"""The risk model in a real browser: a manager reads a candidate's model card and approves it, the nightly
scoring raises a flag, the officer finds the person at the top of the caseload sorted by risk and
acknowledges the flag with the action taken, and the supervisor sees how fast it was dealt with. Then a
look at every risk page in both languages at desktop and phone width (screenshots land in
test-artifacts/screenshots/).

As in test_officer_journey, elements are found by name, id and form action, never by their label.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from analytics.models import CaseRisk, FlagAction, FlagState, ModelStatus, RiskFlag, RiskModelVersion, RiskScore
from analytics.risk.episodes import episodes_from_frame
from analytics.risk.explain import reason_text
from analytics.risk.pipeline import train
from analytics.risk.synthetic import make_episodes
from analytics.scoring import score_open_cases
from analytics.services import flag_acknowledge, model_approve
from rehab.cases.models import Appointment, CaseState
from rehab.core.dates import format_datetime
from rehab.reference.models import Role
from tests.factories import make_case, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THAI = re.compile(r"[\u0e00-\u0e7f]")
TIER_RANK = {"low": 0, "medium": 1, "high": 2}


@pytest.fixture(scope="module")
def trained():
    """A small model trained on synthetic episodes (no database), as in tests/analytics/test_scoring.py.

    This toy model passes its quality gate as trained (seed 3), so its quality failures are kept as they are:
    the manager approves it through the real gate."""
    return train(episodes_from_frame(make_episodes(1500, seed=3), 365), split="stratified", n_folds=3, seed=3)


def register(trained, version: int) -> RiskModelVersion:
    return RiskModelVersion.objects.create(version=version, trained_on_synthetic_data=True, **trained.registry_fields())


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def caseload(officer):
    """Three active cases of the officer, released three months ago. The first is a young man with prior
    convictions who missed five appointments in the last 60 days (his risk is the highest); the two others
    attended theirs and were contacted recently."""
    today = timezone.localdate()
    people = [
        ("ธนพล", "ใจกล้า", "Thanaphon", "Jaikla", date(today.year - 20, 2, 1), "male", 4),
        ("มาลี", "ศรีสุข", "Malee", "Srisuk", date(1972, 3, 15), "female", 0),
        ("อรุณี", "แสงทอง", "Arunee", "Saengthong", date(1985, 8, 20), "female", 1),
    ]
    cases = []
    for first_th, last_th, first_en, last_en, born, sex, priors in people:
        person = make_person(
            first_name_th=first_th,
            last_name_th=last_th,
            first_name_en=first_en,
            last_name_en=last_en,
            date_of_birth=born,
            sex=sex,
        )
        cases.append(
            make_case(
                officer=officer,
                person=person,
                state=CaseState.ACTIVE,
                release_date=today - timedelta(days=90),
                prior_convictions=priors,
                offence_category="property" if priors else "drugs",
            )
        )
    risky, *calm = cases
    for days in (4, 11, 18, 25, 32):
        Appointment.objects.create(
            case=risky,
            office=risky.office,
            kind="report_in",
            starts_at=at(today - timedelta(days=days)),
            created_by=officer,
            state="missed",
        )
    for case in calm:
        for days in (9, 23, 37):
            Appointment.objects.create(
                case=case,
                office=case.office,
                kind="report_in",
                starts_at=at(today - timedelta(days=days)),
                created_by=officer,
                state="attended",
            )
        case.last_contact_at = timezone.now() - timedelta(days=2)
        case.save(update_fields=["last_contact_at"])
    return cases


def open_flag_on(case) -> RiskFlag:
    """The case's open flag: the one scoring raised, or, if the toy model's thresholds raised none, one made
    here with the case's latest score (a flag the officer must deal with either way)."""
    flag = RiskFlag.objects.filter(case=case, state=FlagState.RAISED).first()
    if flag is None:
        latest = RiskScore.objects.filter(case=case).first()
        assert latest is not None
        flag = RiskFlag.objects.create(case=case, score=latest, previous_tier="low" if latest.tier != "low" else "")
    return flag


def tier_of(css_class: str | None) -> str:
    """The tier a badge's class names (``tier tier-high``)."""
    found = re.search(r"tier-(\w+)", css_class or "")
    assert found, css_class
    return found[1]


def duplicate_ids(tab, within: str = "main") -> list[str]:
    """The ids of elements in ``within`` that are used more than once on the page (a label then names the
    wrong box)."""
    return tab.page.evaluate(
        """(within) => {
            const seen = {};
            document.querySelectorAll("[id]").forEach((node) => { seen[node.id] = (seen[node.id] || 0) + 1; });
            const mine = Array.from(document.querySelectorAll(within + " [id]"), (node) => node.id);
            return [...new Set(mine.filter((id) => seen[id] > 1))];
        }""",
        within,
    )


def thai(text) -> str:
    """A (lazy) translatable text as a Thai reader sees it."""
    with translation.override("th"):
        return str(text)


def test_the_manager_approves_the_model_and_the_officer_acts_on_its_flag(
    visit, trained, officer, supervisor, other_roles, employment_staff
):
    manager = other_roles[Role.MANAGER]
    candidate = register(trained, 1)
    assert candidate.quality_failures == []
    risky, *calm = caseload(officer)

    # The manager finds the candidate among the versions and opens its model card.
    boss = visit()
    boss.login(manager.username)
    boss.follow("nav.mainnav a[href$='/models/']")
    assert boss.page.url.endswith("/models/")
    row = boss.page.locator("table.cases tbody tr", has=boss.page.locator(f"a[href$='/models/{candidate.pk}/']"))
    assert "model-candidate" in row.locator(".state").get_attribute("class")
    boss.follow(f"table.cases a[href$='/models/{candidate.pk}/']")
    assert boss.page.url.endswith(f"/models/{candidate.pk}/")
    assert "model-candidate" in boss.page.locator(".pagehead .state").get_attribute("class")

    # Metrics, fairness tables (one per group column, one row per group) and the calibration plot.
    card = boss.page.locator("main").inner_text()
    for value in (candidate.metrics["auc"], candidate.metrics["brier"], candidate.calibration["ece"]):
        assert f"{value:.3f}" in card, value
    tables = boss.page.locator("#fairness table.fairness")
    assert tables.count() == len(candidate.fairness) == 3
    assert tables.locator("tbody tr").count() == sum(len(rows) for rows in candidate.fairness.values())
    boss.page.wait_for_selector("#calibration svg.main-svg")
    assert boss.page.locator("#calibration .scatterlayer .trace").count() == 2, "the diagonal and the model's curve"
    assert boss.page.locator("#calibration .scatterlayer .trace .point").count() == len(candidate.calibration["curve"])

    # Approved: it is the version in service now.
    boss.page.fill(f"form[action$='/models/{candidate.pk}/approve/'] textarea[name=note]", "ตรวจการ์ดแบบจำลองแล้ว")
    boss.submit(f"form[action$='/models/{candidate.pk}/approve/']")
    assert boss.page.url.endswith(f"/models/{candidate.pk}/")
    assert boss.page.locator(".messages .msg-success").is_visible()
    assert "model-approved" in boss.page.locator(".pagehead .state").get_attribute("class")
    assert boss.page.locator(".pagehead .state").inner_text() == thai(ModelStatus.APPROVED.label)
    assert boss.page.locator("form[action$='/approve/']").count() == 0
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by, candidate.decision_note) == (
        ModelStatus.APPROVED,
        manager,
        "ตรวจการ์ดแบบจำลองแล้ว",
    )

    # The nightly scoring, then the flag the officer must deal with.
    report = score_open_cases()
    assert (report.version, report.scored) == (1, 3)
    risks = {risk.case_id: risk for risk in CaseRisk.objects.all()}
    assert all(risks[risky.pk].probability > risks[case.pk].probability for case in calm), risks
    latest = RiskScore.objects.filter(case=risky).first()
    flag = open_flag_on(risky)
    assert flag.score == latest

    # The officer's caseload shows a tier for everyone; sorted by risk, the risky person comes first.
    tab = visit()
    tab.login(officer.username)
    assert tab.page.url.endswith("/cases/")
    table = tab.page.locator("table.cases")
    assert table.locator("tbody tr .tier").count() == 3
    rows = table.locator("tbody tr")
    assert rows.first.locator(f"a[href$='/cases/{risky.pk}/']").count() == 0, "newest release first: the risky case is not"
    tab.page.select_option("form.filters select[name=sort]", "risk")
    tab.submit("form.filters")
    assert "sort=risk" in tab.page.url
    assert rows.first.locator(f"a[href$='/cases/{risky.pk}/']").count() == 2
    shown = [tier_of(rows.nth(i).locator(".tier").get_attribute("class")) for i in range(3)]
    assert shown[0] == latest.tier
    assert [TIER_RANK[tier] for tier in shown] == sorted((TIER_RANK[tier] for tier in shown), reverse=True), shown
    if latest.tier == "high":  # high risk and never contacted: the row stands out
        assert "attention" in (rows.first.get_attribute("class") or "")

    # The case page: probability, tier, the reasons in Thai, and the open flag.
    tab.follow(f"table.cases a[href$='/cases/{risky.pk}/']")
    panel = tab.page.locator("#risk")
    assert panel.locator(".risk-percent").inner_text() == f"{latest.probability_percent}%"
    assert f"tier-{latest.tier}" in panel.locator(".risk-head .tier").get_attribute("class")
    reasons = panel.locator("ul.reasons li").all_inner_texts()
    assert len(reasons) == len(latest.reasons) > 0
    for reason, shown_text in zip(latest.reasons, reasons, strict=True):
        assert shown_text.startswith(reason_text(reason, "th")), (reason, shown_text)
    assert any(r["feature"] == "missed_appointments_60d" and r["direction"] == "raises" for r in latest.reasons), latest.reasons
    assert f"v{candidate.version}" in panel.inner_text()
    assert tab.page.locator("#open-flag").is_visible()
    tab.assert_thai_in_sarabun("#open-flag")

    # "No action" without saying why is refused: a message, and nothing changes.
    acknowledge = f"form[action$='/cases/{risky.pk}/flags/{flag.pk}/acknowledge/']"
    tab.page.select_option(f"{acknowledge} select[name=action]", FlagAction.NO_ACTION)
    tab.submit(acknowledge)
    assert tab.page.url.endswith(f"/cases/{risky.pk}/#risk")
    assert tab.page.locator(".messages .msg-error").inner_text() == thai(gettext_lazy("Say why no action is taken."))
    assert tab.page.locator("#open-flag").is_visible()
    flag.refresh_from_db()
    assert (flag.state, flag.action, flag.acted_at) == (FlagState.RAISED, "", None)

    # Acknowledged with the action taken.
    tab.page.select_option(f"{acknowledge} select[name=action]", FlagAction.CONTACT)
    tab.page.fill(f"{acknowledge} textarea[name=note]", "โทรคุยแล้ว นัดรายงานตัวพรุ่งนี้")
    tab.submit(acknowledge)
    assert tab.page.locator(".messages .msg-success").is_visible()
    assert tab.page.locator("#open-flag").count() == 0
    past = tab.page.locator("#risk .past-flag").first.inner_text()
    assert thai(FlagState.ACKNOWLEDGED.label) in past and thai(FlagAction.CONTACT.label) in past
    assert "โทรคุยแล้ว นัดรายงานตัวพรุ่งนี้" in past
    tab.shoot("case-risk-acknowledged")
    flag.refresh_from_db()
    assert (flag.state, flag.action, flag.acted_by) == (FlagState.ACKNOWLEDGED, FlagAction.CONTACT, officer)

    # The supervisor sees the office's flag and when it was acted on.
    boss_office = visit()
    boss_office.login(supervisor.username)
    boss_office.follow("nav.mainnav a[href$='/office/flags/']")
    row = boss_office.page.locator("table.cases tbody tr", has=boss_office.page.locator(f"a[href$='/cases/{risky.pk}/#risk']"))
    cells = row.locator("td").all_inner_texts()
    assert flag.acted_at is not None
    with translation.override("th"):
        acted = format_datetime(flag.acted_at)
        raised = format_datetime(flag.raised_at)
        took = gettext("%(hours)s hours") % {"hours": round((flag.acted_at - flag.raised_at).total_seconds() / 3600, 1)}
    assert raised in cells and f"{acted} ({took})" in cells, cells
    assert thai(FlagState.ACKNOWLEDGED.label) in cells
    speed = boss_office.page.locator("#flag-speed dd").all_inner_texts()
    assert speed[0] == str(RiskFlag.objects.filter(state=FlagState.RAISED).count()), speed
    assert speed[3] == "1", speed

    # Agency staff and employers never reach a score; the officer is no reader of model cards.
    for user in (employment_staff, other_roles[Role.EMPLOYER]):
        stranger = visit()
        stranger.login(user.username)
        response = stranger.goto(f"/cases/{risky.pk}/")
        assert response.status == 404
        assert stranger.page.locator("#risk").count() == 0 and stranger.page.locator(".tier").count() == 0
        assert stranger.page.locator("main section.card.narrow h1").is_visible()
    response = tab.goto("/models/")
    assert response.status == 403
    assert tab.page.locator("main section.card.narrow h1").is_visible()
    assert tab.page.locator("table.cases").count() == 0
    assert tab.goto(f"/models/{candidate.pk}/").status == 403


def test_the_risk_pages_read_well_in_thai_and_english_on_desktop_and_phone(visit, trained, officer, supervisor, other_roles):
    manager = other_roles[Role.MANAGER]
    in_service = register(trained, 1)
    model_approve(version_id=in_service.pk, by=manager, note="ผ่านการตรวจสอบ")
    candidate = register(trained, 2)
    risky, _calm, steady = caseload(officer)
    # Scored four weeks ago (when only one of the five missed appointments had happened) and tonight: the
    # case page shows how the score moved.
    score_open_cases(as_of=timezone.localdate() - timedelta(days=28))
    score_open_cases()
    flag = open_flag_on(risky)
    # One flag already dealt with, so the office sees how fast.
    handled = RiskFlag.objects.create(case=steady, score=RiskScore.objects.filter(case=steady).first(), previous_tier="low")
    flag_acknowledge(flag_id=handled.pk, by=officer, action=FlagAction.HOME_VISIT, note="เยี่ยมบ้านแล้ว ครอบครัวให้การดูแล")

    for language in ("th", "en"):
        boss = visit()
        boss.login(manager.username)
        if language == "en":
            boss.switch_language()
        assert boss.language == language
        boss.goto("/models/")
        assert boss.page.locator("table.cases tbody tr").count() == 2
        boss.shoot("risk-models")
        boss.goto(f"/models/{candidate.pk}/")
        boss.page.wait_for_selector("#calibration svg.main-svg")
        assert duplicate_ids(boss) == []
        boss.shoot("model-card")
        if language == "th":
            boss.assert_thai_in_sarabun("#fairness h3")
            # The chart's axis titles are Thai too, drawn in Sarabun (SVG text: no inner_text).
            assert THAI.search(boss.page.locator("#calibration .xtitle").text_content())
            assert set(boss.fonts_of("#calibration .xtitle")) == {"Sarabun"}
        with boss.phone():
            boss.wait_for_charts()
            chart = boss.page.locator("#calibration svg.main-svg").first.bounding_box()
            assert chart["x"] >= 0 and chart["x"] + chart["width"] <= 390, chart
            # The fairness tables stay tables, and fit the card without scrolling sideways.
            assert boss.page.locator("#fairness thead").first.is_visible()
            widths = boss.page.locator("#fairness .table-scroll").evaluate_all(
                "nodes => nodes.map(n => n.scrollWidth - n.clientWidth)"
            )
            assert widths and max(widths) <= 0, widths

        tab = visit()
        tab.login(officer.username)
        if language == "en":
            tab.switch_language()
        tab.goto("/cases/?sort=risk")
        assert tab.page.locator("table.cases tbody tr").first.locator(f"a[href$='/cases/{risky.pk}/']").count() == 2
        assert tab.page.locator("table.cases tbody tr .tier").count() == 3
        tab.shoot("caseload-risk")
        tab.goto(f"/cases/{risky.pk}/")
        assert tab.page.locator("#open-flag").is_visible()
        assert tab.page.locator("#risk .score-history li").count() == 2
        if language == "th":
            tab.assert_thai_in_sarabun("#risk ul.reasons li")
        assert duplicate_ids(tab, "#risk") == []
        tab.shoot("case-risk")

        office = visit()
        office.login(supervisor.username)
        if language == "en":
            office.switch_language()
        office.goto("/office/flags/")
        assert office.page.locator(f"table.cases a[href$='/cases/{flag.case_id}/#risk']").count() == 1
        assert office.page.locator(f"table.cases a[href$='/cases/{handled.case_id}/#risk']").count() == 1
        office.shoot("office-flags")
