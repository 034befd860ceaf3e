"""The 督办单 (信访工作条例 art. 40) through the document engine.

Its subject is a :class:`~huiyin.assessment.models.SupervisionOrder` (numbered
浓洄督〔2026〕001号), which the engine reads as it reads a case (``kind`` "supervision",
``number``, ``title``, ``street``); the layout is :func:`huiyin.assessment.documents.build_document`.

    huiyin document 督办单 --case 浓洄督〔2026〕001号 --out 督办单.docx
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiyin.reports.documents.render import Context, DocumentSpec, register, register_subject

KIND = "supervision"


def _load(order):
    return order


def _fits(order, detail) -> None:
    return None


def build(ctx: Context):
    from huiyin.assessment.documents import build_document

    return build_document(ctx.detail)


ORDER = DocumentSpec(
    name="督办单",
    slug="supervision-order",
    label=_("Supervision order"),
    kind=KIND,
    load=_load,
    check=_fits,
    build=build,
    letter=True,
    withdrawn_ok=True,
)

register(ORDER)


def find(number: str):
    """The supervision order numbered `number` (for `huiyin document --case`), or None."""
    from huiyin.assessment.models import SupervisionOrder

    return (
        SupervisionOrder.objects.select_related("leader", "community__street", "unit__street")
        .filter(number=number)
        .first()
    )


register_subject(KIND, find)
