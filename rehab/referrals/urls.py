from __future__ import annotations

from django.urls import path

from rehab.referrals import views

app_name = "referrals"
urlpatterns = [
    path("cases/<int:pk>/plan/", views.case_plan, name="plan"),
    path("cases/<int:pk>/plan/stages/", views.stage_add_view, name="stage_add"),
    path("cases/<int:pk>/plan/no-needs/", views.plan_no_needs_view, name="plan_no_needs"),
    path("cases/<int:pk>/stages/<int:stage_id>/discontinue/", views.stage_discontinue_view, name="stage_discontinue"),
    path("cases/<int:pk>/stages/<int:stage_id>/handoff/", views.handoff_new, name="handoff_new"),
    path("cases/<int:pk>/consents/", views.consent_add_view, name="consent_add"),
    path("cases/<int:pk>/consents/<int:consent_id>/withdraw/", views.consent_withdraw_view, name="consent_withdraw"),
    path("cases/<int:pk>/handoffs.json", views.case_handoffs_json, name="case_handoffs_json"),
    path("handoffs/", views.sent_handoffs, name="sent"),
    path("handoffs/<int:pk>/", views.handoff_detail, name="handoff_detail"),
    path("handoffs/<int:pk>/appointments/", views.handoff_appointment_new, name="appointment_new"),
    path("handoffs/<int:pk>/<slug:action>/", views.handoff_act, name="handoff_act"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("inbox/export.csv", views.inbox_export, name="inbox_export"),
]
