from __future__ import annotations

from django.urls import path

from rehab.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
]
