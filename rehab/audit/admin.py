"""The audit trail and the transaction record, read-only: both are append-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rehab.audit.models import AuditEvent, TransactionEntry


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_username", "action", "object_type", "object_id", "ip_address", "outcome")
    list_filter = ("action", "outcome")
    search_fields = ("actor_username", "object_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TransactionEntry)
class TransactionEntryAdmin(admin.ModelAdmin):
    """Read-only: the record is append-only and chained (python manage.py verify_audit_chain)."""

    list_display = ("id", "subject_type", "subject_id", "step", "actor_username", "at", "entry_hash")
    list_filter = ("subject_type", "step")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
