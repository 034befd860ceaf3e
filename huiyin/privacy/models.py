"""The audit trail: append-only, hash-chained entries. Write them with `audit.record()`."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    """An audit entry was about to be changed or deleted."""

    def __init__(self, what: str = "changed or deleted") -> None:
        super().__init__(f"audit entries are append-only: they cannot be {what}")


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("updated")

    def delete(self):
        raise AppendOnlyError("deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("updated")

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnlyError("created in bulk: use huiyin.privacy.audit.record()")

    def _raw_delete(self, using):
        raise AppendOnlyError("deleted")


class AuditEntry(models.Model):
    seq = models.BigIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("account"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    diff = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        base_manager_name = "objects"
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    # --- append only -----------------------------------------------------------------------

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("changed")
        if not self.hash or self.hash != self.compute_hash():
            raise ValueError("an audit entry is written by huiyin.privacy.audit.record()")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("deleted")

    # --- the chain -------------------------------------------------------------------------

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but `hash`, as sorted, compact JSON."""
        at = self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        content = {
            "seq": self.seq,
            "at": at,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "ip": self.ip,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_label": self.target_label,
            "diff": self.diff,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(
            content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    # --- display ---------------------------------------------------------------------------

    @property
    def action_label(self) -> str:
        from huiyin.privacy.audit import action_label

        return action_label(self.action)

    @property
    def diff_text(self) -> str:
        if not self.diff:
            return ""
        return json.dumps(self.diff, ensure_ascii=False, sort_keys=True)
