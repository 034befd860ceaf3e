"""The campaign's own share of the campaign report (情况通报): its commendations (the speech's
"先进单位3个和先进个人21名") and the sections the office writes, 存在问题 and 下步工作.

These are not statistics of a period but of the campaign chosen for the report: the live rows
of its 表彰通报 and 通报批评 (:mod:`huiyin.reports.commendations`) and its two written texts.
:func:`huiyin.reports.word.gather` keeps :func:`values` of the chosen campaign as
``data.found["campaign"]``; a report over dates without a campaign has 0 and "—" there, and
the built-in report leaves its 存在问题 and 下步工作 as marked gaps to fill by hand.
Registered as the section "campaign" (:mod:`huiyin.reports.sections.base`).
"""

from __future__ import annotations

from huiyin.reports import docx_layout as gb
from huiyin.reports.sections.base import (
    Part,
    Placeholder,
    ReportData,
    Section,
    chinese_count,
    register,
)

__all__ = ["PLACEHOLDERS", "SECTION", "values"]

PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder(
        "先进单位数",
        "campaign.commended_units",
        "int",
        "所选活动表彰的先进单位（社区、单位）个数，已撤回的不计；未选活动为 0",
    ),
    Placeholder(
        "先进个人数",
        "campaign.commended_staff",
        "int",
        "所选活动表彰的先进个人（工作人员）名数，已撤回的不计；未选活动为 0",
    ),
    Placeholder(
        "通报批评数",
        "campaign.criticised",
        "int",
        "所选活动通报批评的社区、单位个数，已撤回的不计；未选活动为 0",
    ),
    Placeholder(
        "承诺书份数",
        "campaign.pledges",
        "int",
        "所选活动签订的承诺书（份），已撤回的不计；未选活动为 0",
    ),
    Placeholder("存在问题", "campaign.problems", "text", "活动页上街道填写的“存在问题”；未填为“—”"),
    Placeholder(
        "下步工作", "campaign.next_steps", "text", "活动页上街道填写的“下步工作”；未填为“—”"
    ),
)


def values(campaign) -> dict:
    """The section's values for `campaign` (None: a report over dates), by placeholder path."""
    from huiyin.reports.commendations import counts

    found = counts(campaign)
    return {
        "campaign.commended_units": found["unit"],
        "campaign.commended_staff": found["staff"],
        "campaign.criticised": found["criticism"],
        "campaign.pledges": campaign.pledges.filter(withdrawn=False).count() if campaign else 0,
        "campaign.problems": campaign.problems if campaign is not None else "",
        "campaign.next_steps": campaign.next_steps if campaign is not None else "",
    }


def _found(data: ReportData) -> dict:
    return data.found.get("campaign") or values(None)


def _write_commendations(doc, data: ReportData) -> None:
    found = _found(data)
    units, staff = found["campaign.commended_units"], found["campaign.commended_staff"]
    if not data.campaign or not (units or staff):
        return
    gb.add_paragraph(
        doc,
        f"活动中，街道表彰了先进单位{chinese_count(units)}个和先进个人{chinese_count(staff)}名"
        + (
            f"，通报批评{chinese_count(found['campaign.criticised'])}个单位。"
            if found["campaign.criticised"]
            else "。"
        ),
    )


def _written(key: str):
    def write(doc, data: ReportData) -> None:
        from huiyin.reports.documents.layout import add_blank_section

        text = (_found(data).get(key) or "").strip()
        if not text:
            add_blank_section(doc, 2)
            return
        for line in text.splitlines():
            if line.strip():
                gb.add_paragraph(doc, line.strip())

    return write


SECTION = register(
    Section(
        key="campaign",
        order=90,
        placeholders=PLACEHOLDERS,
        parts=(
            Part(16, "总体情况", _write_commendations),
            Part(80, "存在问题", _written("campaign.problems")),
            Part(90, "下步工作", _written("campaign.next_steps")),
        ),
    )
)
