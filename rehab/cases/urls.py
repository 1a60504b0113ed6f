from __future__ import annotations

from django.urls import path

from rehab.cases import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.caseload_view, name="caseload"),
    path("cases/new/", views.case_intake_view, name="intake"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("cases/<int:pk>/assessment/", views.assessment_view, name="assessment"),
    path("cases/<int:pk>/notes/", views.note_add_view, name="note_add"),
    path("cases/<int:pk>/transitions/<slug:name>/", views.case_transition_view, name="transition"),
    path("cases/<int:pk>/reoffences/", views.reoffence_add_view, name="reoffence_add"),
    path("cases/<int:pk>/reassign/", views.case_reassign_view, name="reassign"),
    path("cases/<int:pk>/appointments/", views.appointment_new, name="appointment_new"),
    path("appointments/<int:pk>/<slug:mark>/", views.appointment_mark_view, name="appointment_mark"),
    path("office/", views.office_view, name="office"),
]
