"""Append to and verify the chained transaction record of hand-offs (see rehab.models.ledger)."""

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
from django.db import connection, transaction
from django.utils import timezone

from rehab.bulk import rows_insert
from rehab.models import Handoff, TransactionEntry

# (handoff, step, actor, payload): what a caller asks to append.
Entry = tuple[Handoff | int, str, Any, dict[str, Any]]

GENESIS = "0" * 64
# Every append takes this PostgreSQL advisory lock until its transaction ends, so two appends
# never read the same "previous" entry.
_LEDGER_LOCK = 724_001
# The canonical text an entry's hash is taken over (json.dumps with these options, one encoder for all).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=1)  # the entries of one append share their time
def _utc_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _entry_hash(
    *,
    prev_hash: str,
    handoff_id: int,
    step: str,
    actor_id: int | None,
    actor_username: str,
    at: datetime,
    payload: dict[str, Any],
) -> str:
    content = _CANONICAL.encode(
        {
            "prev": prev_hash,
            "handoff": handoff_id,
            "step": step,
            "actor": actor_id,
            "actor_username": actor_username,
            "at": _utc_text(at),
            "payload": payload,
        }
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _signing_key(actor_id: int | None) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"kkd-ledger:{actor_id or 'system'}".encode(), hashlib.sha256).digest()


def _sign(actor_id: int | None, entry_hash: str) -> str:
    """HMAC of the entry under a key derived for the acting user from the server's secret.

    This attests that the application wrote the entry for that user; it is not a personal
    digital signature (that would need certificates issued to each officer)."""
    return hmac.new(_signing_key(actor_id), entry_hash.encode(), hashlib.sha256).hexdigest()


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LEDGER_LOCK])


def _last_hash() -> str:
    return TransactionEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first() or GENESIS


# The columns of an entry, in the order _chained gives them.
_COLUMNS = ("handoff_id", "step", "actor_id", "actor_username", "at", "payload", "prev_hash", "entry_hash", "signature")


def _chained(entries: Iterable[Entry]) -> Iterator[tuple[Any, ...]]:
    """The rows of (handoff, step, actor, payload) entries, each linked to the one before it.

    Takes the advisory lock first and keeps it until the caller's transaction ends, so the last
    entry read here is still the last one when the rows are written. The rows come as plain tuples,
    one at a time, rather than model instances: an escalation run after an outage appends one entry
    per breach, 100,000s of them, and the database stores the earlier ones while later ones are hashed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger entries are appended inside the transaction of the step they record")
    _lock()
    return _linked(_last_hash(), timezone.now(), entries)


def _linked(prev: str, now: datetime, entries: Iterable[Entry]) -> Iterator[tuple[Any, ...]]:
    keys: dict[int | None, bytes] = {}
    for handoff, step, actor, payload in entries:
        handoff_id = handoff if isinstance(handoff, int) else handoff.pk
        actor_id = actor.pk if actor is not None else None
        username = actor.get_username() if actor is not None else ""
        entry_hash = _entry_hash(
            prev_hash=prev, handoff_id=handoff_id, step=step, actor_id=actor_id, actor_username=username, at=now, payload=payload
        )
        key = keys.get(actor_id) or keys.setdefault(actor_id, _signing_key(actor_id))
        signature = hmac.digest(key, entry_hash.encode(), "sha256").hex()  # what _sign gives, without deriving the key again
        yield (handoff_id, step, actor_id, username, now, payload, prev, entry_hash, signature)
        prev = entry_hash


def ledger_append_many(entries: Iterable[Entry]) -> int:
    """Append (handoff, step, actor, payload) entries in order, in the caller's transaction; return how many.

    Written with COPY on PostgreSQL (see rehab.bulk): it assigns ids in row order, and
    verification walks the chain in id order."""
    return rows_insert(TransactionEntry, _COLUMNS, _chained(entries))


def ledger_append(*, handoff: Handoff, step: str, actor: Any, payload: dict[str, Any]) -> TransactionEntry:
    [row] = _chained([(handoff, step, actor, payload)])
    return TransactionEntry.objects.bulk_create([TransactionEntry(**dict(zip(_COLUMNS, row, strict=True)))])[0]


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
        if not _content_holds(entry):
            return ChainReport(checked, entry.pk, "its content was changed after it was written")
        if not _signature_holds(entry):
            return ChainReport(checked, entry.pk, "its signature does not match")
        prev = entry.entry_hash
        checked += 1
    return ChainReport(checked)


def ledger_verify_handoff(*, handoff: Handoff) -> list[tuple[TransactionEntry, bool]]:
    """The entries of one hand-off, each with whether its own hash and signature hold (for the case page)."""
    result = []
    for entry in handoff.ledger.select_related("actor").order_by("id"):
        result.append((entry, _content_holds(entry) and _signature_holds(entry)))
    return result


def _content_holds(entry: TransactionEntry) -> bool:
    expected = _entry_hash(
        prev_hash=entry.prev_hash,
        handoff_id=entry.handoff_id,
        step=entry.step,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        at=entry.at,
        payload=entry.payload,
    )
    return expected == entry.entry_hash


def _signature_holds(entry: TransactionEntry) -> bool:
    return hmac.compare_digest(_sign(entry.actor_id, entry.entry_hash), entry.signature)
