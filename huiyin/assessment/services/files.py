"""Files the assessment keeps: signed letters' scans and manual items' evidence.

Checked like case attachments (:func:`huiyin.cases.attachments.inspect_upload`: type from the
content, never the name; empty files refused), of the types allowed here only and at most
:data:`MAX_BYTES`; stored outside the web root (``settings.ATTACHMENT_DIR``) under a random
name; read through :func:`open_stored` (audited "download"); never deleted, withdrawn with a
reason.
"""

from __future__ import annotations

import uuid
from typing import BinaryIO

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases.attachments import (
    DOCX,
    EXTENSIONS,
    JPEG,
    MSG_TYPE,
    PDF,
    PNG,
    XLSX,
    inspect_upload,
)
from huiyin.cases.exceptions import AttachmentRefused
from huiyin.privacy.audit import record

#: A signed letter is a scan.
SCAN_TYPES = (PDF, PNG, JPEG)
#: Evidence may also be a Word or Excel document.
EVIDENCE_TYPES = (PDF, PNG, JPEG, DOCX, XLSX)
#: The largest file kept here (a scan of a few pages).
MAX_BYTES = 10 * 1024 * 1024

MSG_SCAN_TYPE = _("Attach the signed letter as a PDF or an image (PNG or JPEG).")
MSG_EVIDENCE_TYPE = _("Attach the evidence as a PDF, an image, a Word or an Excel file.")
MSG_TOO_BIG = _("The file is larger than %(mb)s MB.")


def check_upload(uploaded, allowed: tuple[str, ...], key: str, errors) -> object | None:
    """The upload's facts (type, size, digest), or None with the reason added to `errors`."""
    if uploaded is None:
        errors.add(key, _("This field is required."))
        return None
    try:
        facts = inspect_upload(uploaded, allowed=allowed)
    except AttachmentRefused as refusal:
        if refusal.message == MSG_TYPE:
            errors.add(key, MSG_SCAN_TYPE if allowed == SCAN_TYPES else MSG_EVIDENCE_TYPE)
        else:
            errors.add(key, refusal.message)
        return None
    if facts.size > MAX_BYTES:
        errors.add(key, gettext(MSG_TOO_BIG) % {"mb": MAX_BYTES // (1024 * 1024)})
        return None
    return facts


def store(row, uploaded, facts, *, folder: str, actor, request=None, diff: dict | None = None):
    """Save `row` (a StoredFile not saved yet) with its file, and the audit entry; the file
    is removed again when the row cannot be written."""
    row.original_name = facts.original_name
    row.content_type = facts.content_type
    row.size = facts.size
    row.sha256 = facts.sha256
    row.uploaded_by = actor
    storage = type(row)._meta.get_field("file").storage
    saved = storage.save(f"{folder}/{uuid.uuid4().hex}{EXTENSIONS[facts.content_type]}", uploaded)
    try:
        with transaction.atomic():
            row.file.name = saved
            row.save()
            record(
                "object.create",
                actor=actor,
                target=row,
                diff={"type": facts.content_type, "size": facts.size, **(diff or {})},
                request=request,
            )
    except BaseException:
        storage.delete(saved)
        raise
    return row


def open_stored(row, *, user, request=None) -> BinaryIO:
    """An open handle on the row's file (the caller closes it); audited "download"."""
    if row is None or row.withdrawn:
        raise Http404
    try:
        handle = row.file.storage.open(row.file.name, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    with transaction.atomic():
        record("download", actor=user, target=row, diff={"type": row.content_type}, request=request)
    return handle


def withdraw(row, *, user, reason: str, request=None) -> None:
    from huiyin.assessment.services.common import AssessmentInvalid

    reason = (reason or "").strip()[:500]
    if not reason:
        raise AssessmentInvalid({"reason": [_("Please give the reason for withdrawing the file.")]})
    with transaction.atomic():
        updated = (
            type(row)
            .objects.filter(pk=row.pk, withdrawn=False)
            .update(withdrawn=True, withdrawn_reason=reason)
        )
        if not updated:
            raise AssessmentInvalid({"reason": [_("This file was already withdrawn.")]})
        record(
            "object.update",
            actor=user,
            target=row,
            diff={"withdrawn": [False, True], "reason": reason},
            request=request,
        )
