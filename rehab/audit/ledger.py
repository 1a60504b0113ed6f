"""Append to and verify the chained transaction record (see rehab.audit.models).

An entry is appended inside the transaction of the step it records: ``ledger_append`` for one step,
``ledger_append_many`` for many (an escalation run after an outage appends 100,000s, streamed into COPY).
A bulk writer that computes its rows itself (the demo seeder) uses the same ``entry_hash`` and
``entry_signature``, after ``chain_lock`` has given it the last hash under the record's lock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from rehab.audit.models import TransactionEntry
from rehab.core.bulk import rows_insert

# A subject is a saved model instance or its (label, id): ("referrals.handoff", 42).
Subject = models.Model | tuple[str, int]
# (subject, step, actor, payload): what a caller asks to append.
Entry = tuple[Subject, str, Any, dict[str, Any]]

GENESIS = "0" * 64
# Every append takes this PostgreSQL advisory lock until its transaction ends, so two appends
# never read the same "previous" entry.
LEDGER_LOCK = 724_001
# The canonical text an entry's hash is taken over (json.dumps with these options, one encoder for all).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def subject_of(subject: Subject) -> tuple[str, int]:
    if isinstance(subject, tuple):
        return subject
    return subject._meta.label_lower, int(subject.pk)


@lru_cache(maxsize=1)  # the entries of one append share their time
def _utc_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    prev_hash: str,
    subject_type: str,
    subject_id: int,
    step: str,
    actor_id: int | None,
    actor_username: str,
    at: datetime,
    payload: dict[str, Any],
) -> str:
    """The SHA-256 of an entry's canonical content, which includes the hash of the entry before it."""
    content = _CANONICAL.encode(
        {
            "prev": prev_hash,
            "subject": subject_type,
            "id": subject_id,
            "step": step,
            "actor": actor_id,
            "actor_username": actor_username,
            "at": _utc_text(at),
            "payload": payload,
        }
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _signing_key(actor_id: int | None) -> bytes:
    return _derived_key(settings.SECRET_KEY, actor_id)


@lru_cache(maxsize=4096)  # an escalation run signs 100,000s of entries for a handful of actors
def _derived_key(secret: str, actor_id: int | None) -> bytes:
    return hmac.new(secret.encode(), f"kkd-ledger:{actor_id or 'system'}".encode(), hashlib.sha256).digest()


def entry_signature(actor_id: int | None, hashed: str) -> str:
    """HMAC of the entry under a key derived for the acting user from the server's secret.

    This attests that the application wrote the entry for that user; it is not a personal
    digital signature (that would need certificates issued to each officer)."""
    return hmac.digest(_signing_key(actor_id), hashed.encode(), "sha256").hex()


def chain_lock() -> str:
    """Take the record's lock until the current transaction ends and return the last entry's hash: the
    ``prev_hash`` of the next entry. Appends are serialised by it (an advisory lock on PostgreSQL)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger entries are appended inside the transaction of the step they record")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK])
    return TransactionEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first() or GENESIS


# The columns of an entry, in the order _linked gives them.
COLUMNS = (
    "subject_type",
    "subject_id",
    "step",
    "actor_id",
    "actor_username",
    "at",
    "payload",
    "prev_hash",
    "entry_hash",
    "signature",
)


def _linked(prev: str, now: datetime, entries: Iterable[Entry]) -> Iterator[tuple[Any, ...]]:
    """The rows of the entries, each linked to the one before it. Plain tuples, one at a time, rather than
    model instances: the database stores the earlier ones of a large append while later ones are hashed."""
    for subject, step, actor, payload in entries:
        subject_type, subject_id = subject_of(subject)
        actor_id = actor.pk if actor is not None else None
        username = actor.get_username() if actor is not None else ""
        hashed = entry_hash(
            prev_hash=prev,
            subject_type=subject_type,
            subject_id=subject_id,
            step=step,
            actor_id=actor_id,
            actor_username=username,
            at=now,
            payload=payload,
        )
        yield (subject_type, subject_id, step, actor_id, username, now, payload, prev, hashed, entry_signature(actor_id, hashed))
        prev = hashed


def ledger_append_many(entries: Iterable[Entry]) -> int:
    """Append (subject, step, actor, payload) entries in order, in the caller's transaction; return how many.

    Written with COPY on PostgreSQL (see rehab.core.bulk): it assigns ids in row order, and
    verification walks the chain in id order."""
    return rows_insert(TransactionEntry, COLUMNS, _linked(chain_lock(), timezone.now(), entries))


def ledger_append(*, subject: Subject, step: str, actor: Any, payload: dict[str, Any]) -> TransactionEntry:
    [row] = _linked(chain_lock(), timezone.now(), [(subject, step, actor, payload)])
    return TransactionEntry.objects.bulk_create([TransactionEntry(**dict(zip(COLUMNS, row, strict=True)))])[0]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def ledger_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the whole record in order; report the first entry whose link, content or signature is wrong."""
    prev = GENESIS
    checked = 0
    for entry in TransactionEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.prev_hash != prev:
            return ChainReport(
                checked, entry.pk, "it does not link to the entry before it: an entry before it was deleted or changed"
            )
        if not entry_holds(entry, content_only=True):
            return ChainReport(checked, entry.pk, "its content was changed after it was written")
        if not _signature_holds(entry):
            return ChainReport(checked, entry.pk, "its signature does not match")
        prev = entry.entry_hash
        checked += 1
    return ChainReport(checked)


def ledger_entries_of(subject: Subject) -> list[tuple[TransactionEntry, bool]]:
    """The entries of one subject in order, each with whether its own hash and signature hold (the hand-off page shows them)."""
    subject_type, subject_id = subject_of(subject)
    entries = TransactionEntry.objects.filter(subject_type=subject_type, subject_id=subject_id).select_related("actor")
    return [(entry, entry_holds(entry)) for entry in entries.order_by("id")]


def entry_holds(entry: TransactionEntry, *, content_only: bool = False) -> bool:
    expected = entry_hash(
        prev_hash=entry.prev_hash,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        step=entry.step,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        at=entry.at,
        payload=entry.payload,
    )
    return expected == entry.entry_hash and (content_only or _signature_holds(entry))


def _signature_holds(entry: TransactionEntry) -> bool:
    return hmac.compare_digest(entry_signature(entry.actor_id, entry.entry_hash), entry.signature)
