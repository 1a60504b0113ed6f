"""Scoring on the database: features known on a date only, idempotent nightly runs, flags on entering the
high tier or rising a tier, and nobody but the case's officer and supervisor sees a score."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.models import CaseRisk, FlagState, RiskFlag, RiskModelVersion, RiskScore
from analytics.risk.episodes import episodes_from_frame
from analytics.risk.explain import explain, reason_text, reasons_json
from analytics.risk.pipeline import train
from analytics.risk.synthetic import make_episodes
from analytics.scoring import model_train_from_cases, score_open_cases
from analytics.services import model_approve
from analytics.snapshots import case_histories, snapshot_frame, training_rows
from rehab.cases.models import OPEN_STATES, Appointment, Assessment, AssessmentNeed, Case, CaseState
from rehab.reference.models import Role
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def trained():
    """A small model trained on synthetic episodes (no database), reused by every test here."""
    return train(episodes_from_frame(make_episodes(1500, seed=3), 365), split="stratified", n_folds=3, seed=3)


@pytest.fixture
def in_service(trained):
    version = RiskModelVersion.objects.create(version=1, trained_on_synthetic_data=True, **trained.registry_fields())
    RiskModelVersion.objects.filter(pk=version.pk).update(quality_failures=[])  # a toy model: its gate is not the point here
    model_approve(version_id=version.pk, by=make_user(Role.MANAGER))
    return RiskModelVersion.objects.get(pk=version.pk)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


class TestSnapshots:
    @settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    @given(
        later=st.lists(st.tuples(st.integers(min_value=1, max_value=400), st.sampled_from(["attended", "missed"])), max_size=6)
    )
    def test_nothing_dated_after_the_snapshot_changes_it(self, officer, later):
        released = timezone.localdate() - timedelta(days=500)
        as_of = released + timedelta(days=60)
        case = make_case(officer=officer, state=CaseState.ACTIVE, release_date=released)
        Appointment.objects.create(
            case=case,
            office=case.office,
            kind="report_in",
            starts_at=at(released + timedelta(days=20)),
            created_by=officer,
            state="missed",
        )
        before = case_histories([case.pk])[case.pk].snapshot(as_of)
        for offset, state in later:
            Appointment.objects.create(
                case=case,
                office=case.office,
                kind="report_in",
                starts_at=at(as_of + timedelta(days=offset)),
                created_by=officer,
                state=state,
            )
        assessment = Assessment.objects.create(
            case=case, author=officer, assessed_on=as_of, finished_at=at(as_of + timedelta(days=1))
        )
        AssessmentNeed.objects.create(assessment=assessment, domain="work", level="urgent", needs_stage=True)
        assert case_histories([case.pk])[case.pk].snapshot(as_of) == before
        assert snapshot_frame([case.pk], as_of).loc[case.pk].to_dict() == before
        assert before["missed_appointments_60d"] == 1

    def test_the_snapshot_reads_the_case_facts(self, officer):
        case = make_case(officer=officer, state=CaseState.ACTIVE, prior_convictions=3, offence_category="drugs")
        snapshot = case_histories([case.pk])[case.pk].snapshot(timezone.localdate())
        assert (snapshot["prior_convictions"], snapshot["offence_category"], snapshot["region"]) == (3, "drugs", "BKK")
        assert snapshot["days_since_release"] == case.days_since_release


class TestSetBasedSnapshots:
    """Scoring reads features with aggregate queries (snapshot_frame); training reads each case's events
    (case_histories). On generated data with appointments, hand-offs and assessments they agree."""

    @pytest.fixture
    def demo(self, monkeypatch):
        monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
        call_command("seed_demo", people=400, seed=11, stdout=StringIO())

    def test_the_set_based_snapshot_equals_the_event_by_event_one(self, demo):
        today = timezone.localdate()
        for as_of in (today, today - timedelta(days=45), today - timedelta(days=400)):
            ids = list(Case.objects.filter(release_date__lte=as_of).values_list("pk", flat=True))
            frame = snapshot_frame(ids, as_of)
            histories = case_histories(ids)
            assert len(frame) == len(ids) > 100
            for case_id in ids:
                assert frame.loc[case_id].to_dict() == histories[case_id].snapshot(as_of), case_id
        open_ids = list(Case.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True))
        frame = snapshot_frame(open_ids, today)
        assert frame["missed_appointments_60d"].sum() > 0 and frame["handoffs_completed"].sum() > 0
        assert frame["employed"].any() and frame["needs_work"].notna().any()

    def test_reasons_for_many_rows_equal_the_reasons_row_by_row(self, demo, trained):
        ids = list(Case.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True))
        frame = snapshot_frame(ids, timezone.localdate())
        many = [
            [(r["feature"], r["direction"], reason_text(r, "en"), reason_text(r, "th")) for r in json.loads(text)]
            for text in reasons_json(trained, frame, top=3)
        ]
        one_by_one = [
            [(r.feature, r.direction, r.text_en, r.text_th) for r in explanation.reasons]
            for explanation in explain(trained, frame.reset_index(drop=True), top=3)
        ]
        assert many == one_by_one and sum(map(len, many)) > len(ids)

    def test_training_rows_stop_at_the_new_offence_and_can_be_sampled(self, demo):
        today = timezone.localdate()
        since = today - timedelta(days=365 * 6)
        rows = list(training_rows(released_from=since, released_to=today, today=today))
        assert rows and all(row["as_of"] <= row["followed_until"] for row in rows)
        assert all(row["reoffended_on"] is None or row["as_of"] < row["reoffended_on"] for row in rows)
        episodes = {(row["person_id"], row["released_on"]) for row in rows}
        sampled = {
            (row["person_id"], row["released_on"])
            for row in training_rows(released_from=since, released_to=today, today=today, max_cases=50)
        }
        assert 25 <= len(sampled) <= 50 and sampled < episodes

    def test_a_candidate_trained_on_the_demo_cases_is_registered_with_its_card(self, demo):
        version = model_train_from_cases(seed=1)
        assert version.status == "candidate" and version.trained_on_synthetic_data
        assert version.rows > 500 and 0.5 < version.metrics["auc"] <= 1 and version.fairness


class TestScoring:
    def test_a_second_run_the_same_night_writes_nothing(self, in_service, officer):
        for _ in range(3):
            make_case(officer=officer, state=CaseState.ACTIVE)
        make_case(officer=officer, state=CaseState.COMPLETED)
        first = score_open_cases()
        assert (first.considered, first.scored) == (3, 3)
        assert RiskScore.objects.count() == 3 and CaseRisk.objects.count() == 3
        second = score_open_cases()
        assert (second.scored, second.unchanged) == (0, 3)
        assert RiskScore.objects.count() == 3

    def test_the_stored_probability_is_the_models_and_its_tier_follows_the_thresholds(self, in_service, trained, officer):
        cases = [make_case(officer=officer, state=CaseState.ACTIVE) for _ in range(4)]
        for days in (3, 9):
            Appointment.objects.create(
                case=cases[0],
                office=cases[0].office,
                kind="report_in",
                starts_at=at(timezone.localdate() - timedelta(days=days)),
                created_by=officer,
                state="missed",
            )
        score_open_cases()
        snapshots = snapshot_frame([case.pk for case in cases], timezone.localdate())
        expected = dict(zip(snapshots.index, trained.predict_proba(snapshots.reset_index(drop=True)), strict=True))
        for latest in CaseRisk.objects.filter(case__in=cases):
            assert latest.probability == pytest.approx(expected[latest.case_id], abs=1e-9)
            assert latest.tier == trained.tier(latest.probability)

    def test_a_change_in_the_features_rescores_and_rising_a_tier_raises_one_flag(self, in_service, officer):
        case = make_case(
            officer=officer, state=CaseState.ACTIVE, prior_convictions=0, release_date=timezone.localdate() - timedelta(days=30)
        )
        score_open_cases()
        low = CaseRisk.objects.get(case=case)
        for days in (5, 10, 15, 20, 25):
            Appointment.objects.create(
                case=case,
                office=case.office,
                kind="report_in",
                starts_at=at(timezone.localdate() - timedelta(days=days)),
                created_by=officer,
                state="missed",
            )
        report = score_open_cases()
        high = CaseRisk.objects.get(case=case)
        assert report.scored == 1 and high.probability > low.probability
        if high.tier_rank > low.tier_rank:
            flag = RiskFlag.objects.get(case=case)
            assert flag.state == FlagState.RAISED and flag.previous_tier == low.tier
        else:  # the toy model's thresholds did not move this person a tier: no flag
            assert not RiskFlag.objects.exists()
        latest = RiskScore.objects.filter(case=case).first()
        assert latest is not None
        reasons = latest.reasons
        assert any(r["feature"] == "missed_appointments_60d" and r["direction"] == "raises" for r in reasons)

    def test_without_an_approved_model_nobody_is_scored(self, trained, officer):
        RiskModelVersion.objects.create(version=1, **trained.registry_fields())
        make_case(officer=officer, state=CaseState.ACTIVE)
        assert score_open_cases().scored == 0 and not RiskScore.objects.exists()


class TestAccess:
    def test_only_the_cases_officer_and_supervisor_see_its_risk(
        self, client, in_service, officer, colleague, supervisor, other_roles, employment_staff
    ):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        score_open_cases()
        client.force_login(officer)
        assert 'id="risk"' in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        for user in (colleague, employment_staff, other_roles[Role.EMPLOYER], other_roles[Role.MANAGER]):
            client.force_login(user)
            assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
        client.force_login(supervisor)
        assert client.get(reverse("analytics:office_flags")).status_code == 200

    def test_model_cards_are_for_managers_and_auditors(self, client, in_service, officer, employment_staff, other_roles):
        url = reverse("analytics:model_card", args=[in_service.pk])
        for user in (officer, employment_staff, other_roles[Role.EMPLOYER]):
            client.force_login(user)
            assert client.get(url).status_code == 403
            assert client.post(reverse("analytics:model_decide", args=[in_service.pk, "approve"])).status_code == 403
        client.force_login(other_roles[Role.MANAGER])
        page = client.get(url)
        assert page.status_code == 200 and "js/plotly/plotly.min.js" in page.content.decode()

    def test_fairness_tables_name_the_groups_in_the_readers_language_and_order_the_ages(
        self, client, in_service, other_roles, settings
    ):
        row = {"n": 120, "flag_rate": 0.2, "fpr": 0.1, "fnr": 0.3, "mean_predicted": 0.2, "observed": 0.2}
        fairness = {
            "age_band": [{**row, "group": "over 45"}, {**row, "group": "under 25"}, {**row, "group": "25-45"}],
            "region": [{**row, "group": "NEA"}],
            "sex": [{**row, "group": "F"}],
        }
        RiskModelVersion.objects.filter(pk=in_service.pk).update(fairness=fairness)
        client.force_login(other_roles[Role.MANAGER])
        english = client.get(reverse("analytics:model_card", args=[in_service.pk])).content.decode()
        assert english.index("under 25") < english.index("25-45") < english.index("over 45")
        assert "Northeast" in english and ">Female<" in english
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
        thai = client.get(reverse("analytics:model_card", args=[in_service.pk])).content.decode()
        assert thai.index("ต่ำกว่า 25 ปี") < thai.index("25-45 ปี") < thai.index("มากกว่า 45 ปี")
        assert "ภาคตะวันออกเฉียงเหนือ" in thai

    def test_the_officer_acknowledges_a_flag_from_the_case_page(self, client, in_service, officer):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        score_open_cases()
        flag = RiskFlag.objects.create(case=case, score=RiskScore.objects.get(case=case), previous_tier="low")
        client.force_login(officer)
        assert "open-flag" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        client.post(reverse("analytics:flag_act", args=[case.pk, flag.pk, "acknowledge"]), {"action": "no_action", "note": ""})
        assert RiskFlag.objects.get(pk=flag.pk).state == FlagState.RAISED  # no action needs a reason
        client.post(
            reverse("analytics:flag_act", args=[case.pk, flag.pk, "acknowledge"]), {"action": "contact", "note": "โทรแล้ว"}
        )
        assert RiskFlag.objects.get(pk=flag.pk).state == FlagState.ACKNOWLEDGED
