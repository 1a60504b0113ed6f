"""The chained transaction record detects a row altered or deleted behind the application's back."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from rehab.audit.ledger import ledger_verify
from rehab.audit.models import AppendOnlyError, TransactionEntry
from rehab.referrals.services import handoff_accept, handoff_progress
from tests.factories import send_to_employment

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(officer, employment_staff):
    handoff = send_to_employment(officer, shared=("contact",))
    handoff_accept(handoff_id=handoff.pk, by=employment_staff)
    handoff_progress(handoff_id=handoff.pk, by=employment_staff, text="สัมภาษณ์แล้ว")
    handoff_progress(handoff_id=handoff.pk, by=employment_staff, text="รอผล")
    return list(TransactionEntry.objects.order_by("id"))


def behind_the_back(sql: str, params: list) -> None:
    """What a person with database access could do: switch the trigger off and write."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # a superuser skipping every trigger
        cursor.execute(sql, params)


def test_an_intact_record_verifies(entries, capsys):
    assert ledger_verify().ok and ledger_verify().checked == 4
    call_command("verify_audit_chain")
    assert "4 entries verified" in capsys.readouterr().out


def test_an_edited_row_is_the_first_broken_link(entries):
    behind_the_back("UPDATE audit_transactionentry SET payload = %s WHERE id = %s", ['{"outcome": "placed"}', entries[2].pk])
    report = ledger_verify()
    assert report.broken_at == entries[2].pk and "content was changed" in report.problem
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain")


def test_a_deleted_row_breaks_the_link_of_the_next(entries):
    behind_the_back("DELETE FROM audit_transactionentry WHERE id = %s", [entries[1].pk])
    report = ledger_verify()
    assert report.broken_at == entries[2].pk and "deleted or changed" in report.problem


def test_a_recomputed_hash_without_the_key_fails_the_signature(entries):
    from rehab.audit.ledger import entry_hash

    entry = entries[3]
    forged_payload = {"note": 999, "text_sha256": "0" * 64}
    forged = entry_hash(
        prev_hash=entry.prev_hash,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        step=entry.step,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        at=entry.at,
        payload=forged_payload,
    )
    behind_the_back(
        "UPDATE audit_transactionentry SET payload = %s, entry_hash = %s WHERE id = %s",
        ['{"note": 999, "text_sha256": "' + "0" * 64 + '"}', forged, entry.pk],
    )
    report = ledger_verify()
    assert report.broken_at == entry.pk and "signature" in report.problem


def test_the_application_and_the_database_refuse_to_rewrite_entries(entries):
    with pytest.raises(AppendOnlyError):
        TransactionEntry.objects.filter(pk=entries[0].pk).update(step="declined")
    if connection.vendor == "postgresql":
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_transactionentry WHERE id = %s", [entries[0].pk])
