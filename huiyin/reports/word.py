"""The campaign report (情况通报) in Word: built in, or an office's own docxtpl template.

    period = stats.Period(date(2026, 6, 1), date(2026, 9, 8))
    campaign_report(out, period=period, user=request.user)                  # built in
    campaign_report(out, period=period, template="通报模板.docx")            # the office's own

Every number comes from :func:`huiyin.reports.stats.compute` (and each section's lists);
nothing is counted here. The report is composed of the sections each kind of case registers
(:mod:`huiyin.reports.sections`: ``petitions.py`` …): their headings and tables in the
built-in report, their placeholders and lists in a template. The built-in report is laid out
by :mod:`huiyin.reports.docx_layout` (GB/T 9704: A4, the margins, 方正小标宋简体 二号 title,
仿宋_GB2312 三号 body, page numbers "— 1 —"). A template gets every figure as a placeholder
named in :data:`PLACEHOLDERS` — the same table generates huiyin/reports/TEMPLATES.md
(``placeholders_markdown()``; a test keeps the two equal) — and is checked and filled in a
sandbox (:mod:`huiyin.reports.word_template`).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from datetime import date
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.reports import docx_layout as gb
from huiyin.reports import stats
from huiyin.reports.documents.layout import office_name
from huiyin.reports.sections import base as sections
from huiyin.reports.sections import campaign as campaign_section
from huiyin.reports.sections.base import (
    Placeholder,
    ReportData,
    chinese_count,
    chinese_rate,
)
from huiyin.reports.sections.base import format_value as _format
from huiyin.reports.sections.petitions import OVERDUE_ROWS
from huiyin.reports.sections.petitions import may_see_petitions as _may_see_petitions
from huiyin.reports.word_template import (
    _FOOTNOTES,
    MSG_TEMPLATE_FORBIDDEN,
    TEMPLATE_FILTERS,
    TEMPLATE_MAX_BYTES,
    TEMPLATE_MAX_PARTS,
    TEMPLATE_MAX_UNPACKED,
    ReportTemplateError,
    TemplateSandbox,
    check_template,
    known_names,
    plain,
    render_template,
)

# PLACEHOLDERS and LISTS are module attributes too (see __getattr__).
__all__ = [
    "OVERDUE_ROWS",
    "MSG_TEMPLATE_FORBIDDEN",
    "TEMPLATE_FILTERS",
    "TEMPLATE_MAX_BYTES",
    "TEMPLATE_MAX_PARTS",
    "TEMPLATE_MAX_UNPACKED",
    "_FOOTNOTES",
    "Placeholder",
    "ReportData",
    "ReportTemplateError",
    "TemplateSandbox",
    "build_context",
    "build_document",
    "campaign_report",
    "check_template",
    "chinese_count",
    "chinese_rate",
    "gather",
    "known_names",
    "placeholders_markdown",
    "plain",
    "render_template",
]

Progress = Callable[..., None]

MSG_STEP_COUNT = _("Counting the figures")
MSG_STEP_LISTS = _("Listing communities and overdue matters")
MSG_STEP_WRITE = _("Writing the document")


def __getattr__(name: str) -> Any:
    """PLACEHOLDERS and LISTS: every registered section's, composed when asked."""
    if name == "PLACEHOLDERS":
        return sections.placeholders()
    if name == "LISTS":
        return sections.lists()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------------------ gathering


def gather(
    period: stats.Period,
    *,
    user=None,
    community=None,
    campaign=None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ReportData:
    """The figures (stats.compute) and what each section lists besides (the petitions:
    the per-community rows and the overdue list)."""
    today = today or timezone.localdate()
    scope = stats.Scope(community_id=community.pk) if community is not None else None
    if progress:
        progress(0, 3, MSG_STEP_COUNT, force=True)
    figures = stats.compute(period, user=user, scope=scope)
    if progress:
        progress(1, 3, MSG_STEP_LISTS)
    found = {
        section.key: section.gather(period, user=user, community=community, today=today)
        for section in sections.registered()
        if section.gather is not None
    }
    # The chosen campaign's own: its commendations and the sections the office wrote.
    found["campaign"] = campaign_section.values(campaign)
    chosen = [community.street] if community is not None else _streets_of(user)
    street_name = "、".join(s.name for s in chosen)
    return ReportData(
        period=period,
        figures=figures,
        unit="、".join(office_name(s) for s in chosen),
        area=community.name if community is not None else "全街道",
        street=street_name,
        campaign=campaign.name if campaign is not None else "",
        today=today,
        show_petitions=_may_see_petitions(user),
        found=found,
    )


def _streets_of(user) -> list:
    """The streets a report is of: the one `user` works in; a district officer's several
    (their figures are those streets' together); else the first street."""
    from huiyin.org import streets
    from huiyin.org.models import Street

    found = streets.street_of(user) if user is not None else streets.only_street()
    if found is not None:
        return [found]
    if user is not None:
        several = list(Street.objects.filter(pk__in=streets.street_ids_of(user)).order_by("pk"))
        if several:
            return several
    first = Street.objects.order_by("id").first()
    return [first] if first is not None else []


def build_context(data: ReportData) -> dict[str, Any]:
    """The template context: Chinese names, English aliases, `stats` nested, and the lists."""
    values = stats.flat(data.figures)
    values.update(
        {
            "report.unit": data.unit,
            "report.area": data.area,
            "report.start": data.period.start,
            "report.end": data.period.end,
            "report.period": data.period_text,
            "report.today": data.today,
            "report.campaign": data.campaign,
        }
    )
    values.update(data.found.get("campaign") or campaign_section.values(None))
    for section in sections.registered():
        if section.values is not None:
            values.update(section.values(data))
    context: dict[str, Any] = {"stats": data.figures}
    for placeholder in sections.placeholders():
        shown = _format(placeholder.kind, values.get(placeholder.path))
        context[placeholder.name] = shown
        context[placeholder.alias] = shown
    lists: dict[str, list[dict]] = {}
    for section in sections.registered():
        if section.rows is not None:
            lists.update(section.rows(data))
    for name, alias, keys in sections.lists():
        rows = []
        for row in lists[name]:
            # Each row answers to the Chinese keys and to the English ones.
            rows.append({**row, **{zh: row[en] for zh, en, _meaning in keys}})
        context[name] = rows
        context[alias] = rows
    return context


# ------------------------------------------------------------------------------ built in


def build_document(data: ReportData):
    """The built-in report: title, opening line, every section's parts under numbered
    headings (parts of one heading together, in order), signature."""
    doc = gb.new_document()
    prefix = data.street + (data.area if data.area != "全街道" else "")
    gb.add_title(doc, f"{prefix}维稳综治暨信访工作情况通报")
    campaign = f"“{data.campaign}”期间（{data.period_text}）" if data.campaign else data.period_text
    gb.add_paragraph(doc, f"现将{campaign}{data.area}维稳综治暨信访工作情况通报如下。")

    parts = sorted(
        (part for section in sections.registered() for part in section.parts),
        key=lambda part: part.order,
    )
    headings: dict[str, list] = {}
    for part in parts:
        headings.setdefault(part.heading, []).append(part.write)
    for number, (heading, writers) in enumerate(headings.items(), start=1):
        gb.add_heading(doc, gb.heading_number(1, number) + heading, 1)
        for write in writers:
            write(doc, data)

    gb.add_signature(doc, data.unit or data.street, data.today)
    return doc


# ------------------------------------------------------------------------------ the report


def campaign_report(
    out: str | os.PathLike | IO[bytes],
    *,
    period: stats.Period,
    user=None,
    community=None,
    campaign=None,
    template: str | os.PathLike | IO[bytes] | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    style: str = "report",
) -> ReportData:
    """Write the report for `period` to `out` (built in, or filled into `template`).

    `style` chooses the built-in document: "report" the 情况通报, "speech" the 总结会 speech
    draft (:mod:`huiyin.reports.speech`) with the same figures.

    `user` limits the figures to what that person may see (None: everything, the CLI);
    `community` limits them to one community. Returns the data shown.
    """
    data = gather(
        period, user=user, community=community, campaign=campaign, today=today, progress=progress
    )
    if progress:
        progress(2, 3, MSG_STEP_WRITE)
    if template is not None:
        render_template(template, build_context(data), out)
    elif style == "speech":
        from huiyin.reports.speech import build_speech

        build_speech(data, build_context(data)).save(out)
    else:
        build_document(data).save(out)
    if progress:
        progress(3, 3, MSG_STEP_WRITE, force=True)
    return data


# ------------------------------------------------------------------------------ documentation


def placeholders_markdown() -> str:
    """TEMPLATES.md, from the tables above."""
    lines = [
        "# Word templates: the placeholders",
        "",
        "An office can keep its own wording of the campaign report (情况通报) and let Huiyin fill",
        "in the numbers: write the document in Word with placeholders such as `{{ 接访人次 }}`",
        "where the figures go, and give it to `huiyin report campaign --template T.docx` or to",
        "the report page (“Use my own template”). Templates are filled with",
        "[docxtpl](https://docxtpl.readthedocs.io/) (Jinja2 inside Word).",
        "",
        "Every figure comes from the statistics layer (`huiyin.reports.stats`), the same as",
        "`huiyin stats` and the dashboard. Each has a Chinese name and an English alias (the",
        "statistics key with underscores); `{{ stats.petitions.batches }}` reaches the raw",
        "numbers (rates as fractions) by their keys. Counts are written as Chinese documents",
        "write them (`1234`, `12.5万` from 100,000), rates as percentages with one decimal",
        "(`95.2%`), dates as `2026年9月8日`; a rate with nothing to count is `—`.",
        "",
        "A placeholder that is not in these tables stops the report with a message naming it;",
        "so does a template with a syntax error.",
        "",
        "## What a template may use",
        "",
        "A template is run on the server, so it is checked when it is uploaded and filled in a",
        "sandbox (Jinja2's `ImmutableSandboxedEnvironment`) on plain data only: texts, numbers,",
        "lists and tables of them. Handing in a template of one's own needs the permission",
        "`reports.templates` (综治办 governance staff); other roles get the built-in report.",
        "",
        "- **Names**: the placeholders and lists below, and `stats`; the names a template sets",
        "  itself (`{% for 行 in 社区情况 %}`, `{% set %}`) and `loop` (`loop.index`,",
        "  `loop.first`, `loop.last`, `loop.length`...).",
        "- **Tags**: `{{ }}`, `{% if %}`, `{% for %}`, `{% set %}`, `{% macro %}`, comments, and",
        "  docxtpl's `{%p %}`, `{%tr %}`, `{%tc %}`, `{%r %}` forms.",
        '- **Keys**: `行.社区`, `stats.petitions.batches`, `stats["petitions"]`; of a table',
        "  also `.items()`, `.keys()`, `.values()`, `.get(key)`.",
        *textwrap.wrap(
            "- **Filters**: " + ", ".join(f"`{name}`" for name in TEMPLATE_FILTERS) + ".",
            width=88,
            subsequent_indent="  ",
        ),
        "  `format` takes `%` conversions only, with a width and precision of at most two",
        '  digits: `{{ "%.1f"|format(stats.petitions.batches / 2) }}`; so does the `%` operator.',
        "- **Refused**, with a message and no report: any name or attribute starting with `_`,",
        '  other attributes and methods (`"…".format`, `.join`, `.pop`...), Jinja\'s globals',
        "  (`range`, `lipsum`, `cycler`, `joiner`, `namespace`, `dict`), `self`, `config`,",
        "  `request`, the filters not listed (`attr`, `map`, `pprint`...), `{% include %}`,",
        "  `{% import %}`, `{% extends %}`, and arithmetic that builds huge numbers or texts.",
        "- **Size**: at most "
        + f"{TEMPLATE_MAX_BYTES // (1024 * 1024)} MB as uploaded and "
        + f"{TEMPLATE_MAX_UNPACKED // (1024 * 1024)} MB once unpacked.",
        "",
        "This file is generated from `huiyin.reports.word.PLACEHOLDERS` and `LISTS`",
        "(`placeholders_markdown()`); a test checks that it matches.",
        "",
        "## Figures",
        "",
        "| 占位符 | English alias | statistics key | 说明 |",
        "|---|---|---|---|",
    ]
    for p in sections.placeholders():
        lines.append(f"| `{{{{ {p.name} }}}}` | `{{{{ {p.alias} }}}}` | `{p.path}` | {p.meaning} |")
    lines += [
        "",
        "## Lists",
        "",
        "Rows for tables, with docxtpl's row tags, e.g. in a table row:",
        "`{%tr for 行 in 社区情况 %}` … `{{ 行.社区 }}` … `{%tr endfor %}`.",
        "Each row answers to the Chinese keys and the English ones.",
        "",
    ]
    for name, alias, keys in sections.lists():
        lines += [
            f"### `{name}` (alias `{alias}`)",
            "",
            "| key | English key | 说明 |",
            "|---|---|---|",
        ]
        for zh, en, meaning in keys:
            lines.append(f"| `{zh}` | `{en}` | {meaning} |")
        lines.append("")
    return "\n".join(lines)
