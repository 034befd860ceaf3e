"""Attachments: checked by their content, stored outside the web root, read through the door.

    attachment = attach(case, request.FILES["file"], actor=request.user, request=request)
    attachment, handle = open_attachment(request.user, attachment_id, request=request)
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)

The type is detected from the first bytes (and, for Office files, from the archive's entries),
never from the name or the browser's claim. Sizes are limited by settings.ATTACHMENT_MAX_BYTES
(20 MB by default).
"""

from __future__ import annotations

import hashlib
import os
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases.bounds import strip_nul
from huiyin.cases.exceptions import AttachmentRefused, TransitionRefused
from huiyin.cases.kinds import spec
from huiyin.cases.models import Attachment, Case, CaseEvent
from huiyin.cases.services import holds

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

MSG_EMPTY = _("The file is empty.")
MSG_TYPE = _(
    "This type of file is not accepted. Attach a PDF, an image (PNG or JPEG), a Word or Excel "
    "document, or plain text."
)
MSG_NO_WORK_PERM = _("Your role does not allow adding or withdrawing attachments on this matter.")
MSG_REASON = _("Please give the reason for withdrawing the attachment.")
#: A reason is a sentence or two; what is longer is cut, never stored whole.
REASON_MAX_LENGTH = 500

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC, XLS, TEXT = "application/msword", "application/vnd.ms-excel", "text/plain"

EXTENSIONS = {
    PDF: ".pdf",
    PNG: ".png",
    JPEG: ".jpg",
    DOCX: ".docx",
    XLSX: ".xlsx",
    DOC: ".doc",
    XLS: ".xls",
    TEXT: ".txt",
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SNIFF_BYTES = 64 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def detect_type(head: bytes, stream: BinaryIO | None = None) -> str | None:
    """The content type of a file from its first bytes (and the whole stream for zip files).

    Returns None for anything we do not keep: executables, archives, HTML with binary bytes...
    """
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04") and stream is not None:
        return _office_open_xml(stream)
    if head.startswith(_OLE_MAGIC):
        # The OLE directory names its streams in UTF-16: Word's and Excel's main streams.
        if "WordDocument".encode("utf-16-le") in head:
            return DOC
        if "Workbook".encode("utf-16-le") in head or "Book".encode("utf-16-le") in head:
            return XLS
        return None
    if _looks_like_text(head):
        return TEXT
    return None


def _office_open_xml(stream: BinaryIO) -> str | None:
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            # The sniffed block may end inside a multi-byte character.
            try:
                text = head[:-4].decode(encoding)
            except UnicodeDecodeError:
                continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
        return controls == 0
    return False


@dataclass(frozen=True)
class UploadFacts:
    original_name: str
    content_type: str
    size: int
    sha256: str


def inspect_upload(uploaded_file, *, allowed: Iterable[str] | None = None) -> UploadFacts:
    """Size, type (from the content, never the name) and digest of an upload, or a refusal.

    AttachmentRefused when the file is empty, larger than ATTACHMENT_MAX_BYTES, of a type we
    do not keep, or not among `allowed` content types. Leaves the file rewound.
    """
    limit = max_bytes()
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, os.SEEK_END)
        size = uploaded_file.tell()
    if size == 0:
        raise AttachmentRefused(MSG_EMPTY)
    if size > limit:
        raise AttachmentRefused(
            gettext("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}
        )
    uploaded_file.seek(0)
    content_type = detect_type(uploaded_file.read(_SNIFF_BYTES), uploaded_file)
    if content_type is None or (allowed is not None and content_type not in allowed):
        raise AttachmentRefused(MSG_TYPE)
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in iter(lambda: uploaded_file.read(1024 * 1024), b""):
        digest.update(chunk)
    uploaded_file.seek(0)
    original = os.path.basename(str(getattr(uploaded_file, "name", "") or "file"))[:200]
    return UploadFacts(original, content_type, size, digest.hexdigest())


def _may_work(user, case: Case) -> bool:
    return holds(user, case, *spec(case.kind).work_perms)


def attach(case: Case, uploaded_file, *, actor, request=None) -> Attachment:
    """Store `uploaded_file` (a Django UploadedFile or any file object with a name) on `case`.

    The actor must see the case (else Http404) and hold one of the kind's working permissions
    over it (else TransitionRefused). AttachmentRefused when the file is empty, too big or of
    a type we do not keep. One transaction: the row, a timeline event, an audit entry.
    """
    from huiyin.privacy.audit import record

    case = Case.objects.get_for_user(actor, case.pk)
    if not _may_work(actor, case):
        raise TransitionRefused(MSG_NO_WORK_PERM)

    facts = inspect_upload(uploaded_file)
    content_type, size, original = facts.content_type, facts.size, facts.original_name
    attachment = Attachment(
        case=case,
        original_name=original,
        content_type=content_type,
        size=size,
        sha256=facts.sha256,
        uploaded_by=actor,
    )
    stored_name = f"{case.pk}/{uuid.uuid4().hex}{EXTENSIONS[content_type]}"
    storage = Attachment._meta.get_field("file").storage
    saved = storage.save(stored_name, uploaded_file)
    try:
        with transaction.atomic():
            attachment.file.name = saved
            attachment.save()
            CaseEvent.objects.create(
                case=case,
                actor=actor,
                kind="attachment_added",
                data={"attachment": attachment.pk, "name": original, "type": content_type},
            )
            record(
                "object.create",
                actor=actor,
                target=attachment,
                target_label=case.number,
                diff={"type": content_type, "size": size, "sha256": attachment.sha256},
                request=request,
            )
    except BaseException:
        # No row, no file: a failed upload leaves nothing behind.
        storage.delete(saved)
        raise
    return attachment


def open_attachment(user, attachment_id: int, *, request=None) -> tuple[Attachment, BinaryIO]:
    """The attachment and an open binary handle on its content, through the case's door.

    Http404 when there is no such attachment, it was withdrawn, or its case is not visible to
    `user` (audited "access.denied" by the door). The download itself is audited "download".
    The caller closes the handle (FileResponse does).
    """
    from huiyin.privacy.audit import record

    attachment = Attachment.objects.filter(pk=attachment_id, withdrawn=False).first()
    if attachment is None:
        raise Http404
    case = Case.objects.get_for_user(user, attachment.case_id)
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    with transaction.atomic():
        record(
            "download",
            actor=user,
            target=attachment,
            target_label=case.number,
            diff={"type": attachment.content_type},
            request=request,
        )
    return attachment, handle


def withdraw_attachment(user, attachment_id: int, *, reason: str, request=None) -> Attachment:
    """Mark an attachment withdrawn (never deleted): it leaves the case page and downloads."""
    from huiyin.privacy.audit import record

    attachment = Attachment.objects.filter(pk=attachment_id, withdrawn=False).first()
    if attachment is None:
        raise Http404
    case = Case.objects.get_for_user(user, attachment.case_id)
    if not _may_work(user, case):
        raise TransitionRefused(MSG_NO_WORK_PERM)
    # Text from a form the service reads directly: no NUL (PostgreSQL refuses it), bounded.
    reason = strip_nul(reason or "").strip()[:REASON_MAX_LENGTH]
    if not reason:
        raise TransitionRefused(MSG_REASON)
    with transaction.atomic():
        Attachment.objects.filter(pk=attachment.pk).update(withdrawn=True, withdrawn_reason=reason)
        attachment.withdrawn, attachment.withdrawn_reason = True, reason
        CaseEvent.objects.create(
            case=case,
            actor=user,
            kind="attachment_withdrawn",
            note=reason,
            data={"attachment": attachment.pk, "name": attachment.original_name},
        )
        record(
            "object.update",
            actor=user,
            target=attachment,
            target_label=case.number,
            diff={"withdrawn": [False, True]},
            request=request,
        )
    return attachment
