"""Photos of premises and conditions, kept the way case attachments are.

The type is read from the content (huiyin.cases.attachments.inspect_upload): only PNG and JPEG,
at most ``HUIYIN_PATROL_PHOTO_MAX_BYTES`` (8 MB by default, below the attachments' limit). The
file lies outside the web root under a random name and is read only through the page of its
patrol or inspection (the same door), each download audited. What a photo shows is the
recorder's duty — the premises or the condition, never a person — and the form says so.
"""

from __future__ import annotations

import contextlib
import uuid

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases.attachments import EXTENSIONS, JPEG, MSG_TYPE, PNG, inspect_upload
from huiyin.cases.exceptions import AttachmentRefused

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
#: The most photos one finding (or one checklist item) keeps.
MAX_PER_FINDING = 3
MAX_PER_ITEM = 1

MSG_IMAGE = _("A photo must be a JPEG or PNG image.")
HELP_PHOTO = _("A photo of the premises or the condition, never of a person.")


def max_bytes() -> int:
    value = getattr(settings, "HUIYIN_PATROL_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)
    return int(min(value, getattr(settings, "ATTACHMENT_MAX_BYTES", value)))


def check(uploaded):
    """The upload's facts, or AttachmentRefused (empty, too large, not an image)."""
    limit = max_bytes()
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise AttachmentRefused(
            gettext("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}
        )
    try:
        facts = inspect_upload(uploaded)
    except AttachmentRefused as refused:
        if refused.message is MSG_TYPE:
            raise AttachmentRefused(MSG_IMAGE) from None
        raise
    if facts.content_type not in (JPEG, PNG):
        raise AttachmentRefused(MSG_IMAGE)
    return facts


def store(model, uploaded, facts, *, actor, **owner):
    """Save the file and its row (call inside the transaction that writes the row's owner;
    the caller deletes the file if that transaction fails: see :func:`forget`)."""
    storage = model._meta.get_field("file").storage
    name = f"patrols/{uuid.uuid4().hex}{EXTENSIONS[facts.content_type]}"
    saved = storage.save(name, uploaded)
    row = model(
        original_name=facts.original_name,
        content_type=facts.content_type,
        size=facts.size,
        sha256=facts.sha256,
        uploaded_by=actor,
        **owner,
    )
    row.file.name = saved
    try:
        row.save()
    except BaseException:
        storage.delete(saved)
        raise
    return row


def forget(rows) -> None:
    """Delete the files of rows whose transaction was rolled back."""
    for row in rows:
        with contextlib.suppress(OSError):
            row.file.storage.delete(row.file.name)


def open_file(row):
    """An open binary handle on the photo (the caller checked the door and audits)."""
    return row.file.storage.open(row.file.name, "rb")
