"""The 社会稳定风险评估报告 (重大行政决策程序暂行条例 art. 23) through the document engine.

Its subject is a :class:`~huiyin.riskassessments.models.RiskAssessment` (numbered
浓洄稳评〔2026〕001号), which the engine reads as it reads a case (``kind`` "riskassessment",
``number``, ``title``, ``street``, ``status_label``); the layout is
:func:`huiyin.riskassessments.documents.build_document`. A draft prints too, its later parts
marked as gaps to fill.

    huiyin document 社会稳定风险评估报告 --case 浓洄稳评〔2026〕001号 --out 报告.docx
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiyin.reports.documents.render import Context, DocumentSpec, register, register_subject

KIND = "riskassessment"


def _load(assessment):
    return assessment


def _fits(assessment, detail) -> None:
    return None


def build(ctx: Context):
    from huiyin.riskassessments.documents import build_document

    return build_document(ctx.detail, day=ctx.today)


REPORT = DocumentSpec(
    name="社会稳定风险评估报告",
    slug="risk-assessment-report",
    label=_("Decision risk assessment report"),
    kind=KIND,
    load=_load,
    check=_fits,
    build=build,
    withdrawn_ok=True,
)

register(REPORT)


def find(number: str):
    """The risk assessment numbered `number` (for `huiyin document --case`), or None."""
    from huiyin.riskassessments.models import RiskAssessment

    return (
        RiskAssessment.objects.select_related("street", "leader", "unit")
        .filter(number=number)
        .first()
    )


register_subject(KIND, find)
