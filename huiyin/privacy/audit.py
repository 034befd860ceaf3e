"""The audit trail: who did what to which record, when and from where. One entry per event.

    from huiyin.privacy import audit

    with transaction.atomic():
        case.save(update_fields=[...])
        audit.record("object.update", request=request, target=case,
                     diff=audit.changes(before, after))

`record()` writes in the caller's transaction, so the entry exists exactly when the change
does. Entries form a hash chain: each stores the SHA-256 of its own content and of the entry
before it, so `verify()` (and `huiyin audit verify`) finds an edited, deleted or reordered
entry. `diff` and `target_label` are shown to auditors and kept forever: never put personal
data in them in plaintext; pass masked values (huiyin.privacy.masking) or field names.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.privacy.client import client_address
from huiyin.privacy.models import GENESIS_HASH, AuditEntry

# What each action means, for the auditor's page. Apps add their own with register_action().
ACTION_LABELS: dict[str, Promise | str] = {
    "auth.login": _("Signed in"),
    "auth.login_failed": _("Failed sign-in"),
    "auth.logout": _("Signed out"),
    "object.create": _("Created"),
    "object.update": _("Changed"),
    "case.transition": _("Case status changed"),
    "case.transition_refused": _("Case status change refused"),
    "identity.view": _("Viewed a full identity"),
    "export": _("Exported"),
    "download": _("Downloaded"),
    "access.denied": _("Access denied"),
    "data_key.rotate": _("Data key rotated"),
}

# Any constant will do, as long as nothing else in the database takes the same advisory lock.
_PG_LOCK_ID = 0x48594155  # "HYAU"


def register_action(code: str, label: Promise | str) -> None:
    """Give an action code of your app a readable label on the audit page."""
    ACTION_LABELS.setdefault(code, label)


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def target_type_label(label: str) -> str:
    """A target type such as cases.case as the model's translated name (事项); else as is."""
    from django.apps import apps
    from django.utils.text import capfirst

    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(capfirst(model._meta.verbose_name))


def _plain(value):
    """JSON-ready, and stable through a database round trip (floats become text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float | Decimal | Promise):
        return str(value)
    if hasattr(value, "_meta") and hasattr(value, "pk"):
        return value.pk
    return str(value)


def _clean_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip.strip()).compressed
    except ValueError:
        return None


def _cut(text: str, length: int) -> str:
    text = str(text or "")
    return text if len(text) <= length else text[: length - 1] + "…"


def changes(before: Mapping, after: Mapping) -> dict:
    """{field: [old, new]} for the keys whose value differs. Mask personal data first."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    action: str,
    *,
    actor=None,
    target=None,
    target_label: str = "",
    diff: dict | None = None,
    request=None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail, in the caller's transaction (or its own).

    `actor` defaults to request.user, the address to the client's (`client.client_address`,
    which behind the proxy is the one nginx saw, not nginx's own). `target` is
    a model instance; its label is `target_label`, or `target.audit_label()` when the model
    defines one (never str(target), which may carry personal data).
    """
    if not action:
        raise ValueError("record() needs an action, e.g. 'object.update'")
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if ip is None and request is not None:
        ip = client_address(request)
    target_type = target_id = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = "" if target.pk is None else str(target.pk)
        if not target_label and hasattr(target, "audit_label"):
            target_label = target.audit_label()

    entry = AuditEntry(
        actor=actor,
        actor_label=_cut(actor.get_username() if actor is not None else "", 150),
        ip=_clean_ip(ip),
        action=_cut(action, 64),
        target_type=_cut(target_type, 100),
        target_id=_cut(target_id, 64),
        target_label=_cut(target_label, 200),
        diff=_plain(diff or {}),
    )
    using = router.db_for_write(AuditEntry)
    with transaction.atomic(using=using):
        _serialise_writers(using)
        last = (
            AuditEntry.objects.using(using)
            .select_for_update()
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        entry.seq, entry.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        entry.at = timezone.now()
        entry.hash = entry.compute_hash()
        entry.save(using=using)
    return entry


def _serialise_writers(using: str) -> None:
    """Make appends one at a time, so that reading the last entry and writing the next is safe.

    PostgreSQL: a transaction-level advisory lock, released at commit or rollback. (The
    select_for_update() in record() alone would not do: with no entry yet there is no row to
    lock.) SQLite: nothing to do here, because settings open every transaction with
    BEGIN IMMEDIATE (`transaction_mode`), which takes the database's single write lock at the
    start; two writers are therefore already in line before either reads the last entry.
    Either way the unique `seq` refuses a second entry with the same number.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_ID])


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int  # entries found intact (all of them when ok)
    first_bad_seq: int | None = None
    reason: str = ""
    code: str = ""  # "missing", "out_of_chain" or "altered" when not ok


def verify() -> VerifyResult:
    """Walk the chain in `seq` order and report the first entry that breaks it.

    A deleted entry leaves a gap in the numbers; a reordered or substituted one no longer
    names the hash of the entry before it; an edited one no longer matches its own hash.
    (Entries cut off at the very end leave no trace in the chain itself: the triggers and
    backups guard against that.)
    """
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            reason = gettext("the entries before it are missing (expected number %(seq)d)") % {
                "seq": expected_seq
            }
            return VerifyResult(False, checked, entry.seq, reason, "missing")
        if entry.prev_hash != prev_hash:
            reason = gettext(
                "it does not follow the entry before it (the previous hash does not match)"
            )
            return VerifyResult(False, checked, entry.seq, reason, "out_of_chain")
        if entry.hash != entry.compute_hash():
            reason = gettext("its content was altered (its hash does not match)")
            return VerifyResult(False, checked, entry.seq, reason, "altered")
        checked += 1
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    return VerifyResult(True, checked)
