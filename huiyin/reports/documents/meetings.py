"""The 会议纪要 (minutes of a meeting, 信访工作条例 art. 13) through the document engine.

Its subject is a :class:`~huiyin.meetings.models.Meeting` (numbered 浓洄会纪〔2026〕3号), which
the engine reads as it reads a case (``kind`` "meeting", ``number``, ``title``, ``street``); the
layout is :func:`huiyin.meetings.documents.build_document`.

    huiyin document 会议纪要 --case 浓洄会纪〔2026〕3号 --out 会议纪要.docx
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiyin.reports.documents.render import Context, DocumentSpec, register, register_subject

KIND = "meeting"


def _load(meeting):
    return meeting


def _fits(meeting, detail) -> None:
    return None


def build(ctx: Context):
    from huiyin.meetings.documents import build_document

    return build_document(ctx.detail)


MINUTES = DocumentSpec(
    name="会议纪要",
    slug="meeting-minutes",
    label=_("Minutes of the meeting"),
    kind=KIND,
    load=_load,
    check=_fits,
    build=build,
    letter=True,
    withdrawn_ok=True,
)

register(MINUTES)


def find(number: str):
    """The meeting numbered `number` (for `huiyin document --case`), or None."""
    from huiyin.meetings.models import Meeting

    return Meeting.objects.select_related("street", "chair").filter(number=number).first()


register_subject(KIND, find)
