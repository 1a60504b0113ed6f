from __future__ import annotations

from django.urls import path

from rehab.audit import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.audit_trail, name="trail"),
]
