"""Patrol tests' helpers: moments, photos, an inspection with failed items."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from huiyin.patrols import services
from huiyin.patrols.models import Result
from huiyin.privacy.validators import resident_id_check_digit
from huiyin.screening import periods
from huiyin.testing.clock import BEIJING

ID_NUMBER = "11010519900307123" + resident_id_check_digit("11010519900307123")

#: The smallest JPEG header the content check accepts, and a PNG's.
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def started(hours: int = 1) -> datetime:
    """A moment `hours` ago (never in the future, whatever the hour the suite runs)."""
    return periods.now() - timedelta(hours=hours)


def jpeg(name: str = "现场.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG_BYTES, "image/jpeg")


def inspect(actor, place, *, fail=(), deadline=None, **extra):
    """Inspect `place` against its checklist in use: the items at the positions in `fail`
    (1-based) fail, the others pass."""
    checklist = services.current_checklist(place.kind)
    items = list(checklist.items.order_by("order"))
    results = {
        item.pk: (Result.FAIL if index in fail else Result.PASS, "")
        for index, item in enumerate(items, start=1)
    }
    deadlines = {
        item.pk: deadline or periods.today() + timedelta(days=7)
        for index, item in enumerate(items, start=1)
        if index in fail
    }
    return services.record_inspection(
        actor,
        place,
        inspected_on=extra.pop("inspected_on", periods.today()),
        lead_authority=extra.pop("lead_authority", "culture"),
        inspector_signatures=extra.pop("inspector_signatures", "李检查、赵执法"),
        results=results,
        deadlines=deadlines,
        **extra,
    )
