"""The campaign report's pieces that every kind shares: placeholders, lists, headings, the
registry of sections, and how counts, rates and dates are written.

A kind's section (``petitions.py``, ``disputes.py`` …) registers a :class:`Section`;
:mod:`huiyin.reports.word` composes every registered section into the built-in report, the
template placeholders and TEMPLATES.md. Nothing here knows a kind.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from huiyin.reports import docx_layout as gb
from huiyin.reports.stats import Period

__all__ = [
    "REPORT_PLACEHOLDERS",
    "ListSpec",
    "Part",
    "Placeholder",
    "ReportData",
    "Section",
    "chinese_count",
    "chinese_rate",
    "format_value",
    "lists",
    "placeholders",
    "register",
    "registered",
]


# ------------------------------------------------------------------------------ the pieces


@dataclass(frozen=True)
class Placeholder:
    """One figure of a template: its Chinese name, English alias, where it comes from."""

    name: str  # {{ 接访人次 }}
    path: str  # the stats key (flat), or a key of the report itself ("report.start")
    kind: str  # "int", "rate", "goal", "date" or "text"
    meaning: str  # what it is, in the words of the office

    @property
    def alias(self) -> str:
        """The English alias: the stats key with underscores ({{ petitions_batches }})."""
        return self.path.replace(".", "_")


#: A list for {% for %} rows: (Chinese name, English alias, ((Chinese key, English key,
#: meaning), …)). Each row answers to both keys.
ListSpec = tuple[str, str, tuple[tuple[str, str, str], ...]]


@dataclass(frozen=True)
class Part:
    """What a section writes under one heading of the built-in report.

    Parts of every section are written in `order`; parts with the same `heading` share it
    (a kind may add its paragraph to "总体情况"), each heading numbered 一、二、… in turn.
    `write(doc, data)` adds the paragraphs and tables (``huiyin.reports.docx_layout``).
    """

    order: int
    heading: str
    write: Callable[[Any, ReportData], None]


@dataclass(frozen=True)
class Section:
    """A kind's share of the campaign report.

    `placeholders` are its template fields (the speech's blanks), read from the statistics
    (``stats.compute``, already composed of every kind's figures); `lists` its tables for
    {% for %} rows and `rows(data)` their rows ({list name: [row dict with the English
    keys]}); `gather(period, user=, community=, today=)` what it needs beyond the figures
    (kept as ``data.found[key]``); `values(data)` the placeholders' values that are not
    statistics, by path; `parts` what it writes in the built-in report. Sections are composed
    by `order`.
    """

    key: str
    order: int
    placeholders: tuple[Placeholder, ...] = ()
    lists: tuple[ListSpec, ...] = ()
    rows: Callable[[ReportData], Mapping[str, list[dict]]] | None = None
    gather: Callable[..., dict] | None = None
    parts: tuple[Part, ...] = ()
    #: The placeholders' values that are not statistics (by path), from what it gathered.
    values: Callable[[ReportData], Mapping[str, Any]] | None = None


@dataclass
class ReportData:
    """Everything the report shows, gathered once."""

    period: Period
    figures: dict
    unit: str
    area: str
    street: str
    campaign: str
    today: date
    #: Perm.PETITIONS_VIEW (or no user: the CLI): the petitions touching a goal are listed.
    show_petitions: bool = True
    #: What each section gathered beyond the figures, by the section's key.
    found: dict[str, dict] = field(default_factory=dict)

    @property
    def period_text(self) -> str:
        return f"{gb.chinese_date(self.period.start)}至{gb.chinese_date(self.period.end)}"

    # The petitions' lists, as the report's callers have always read them.

    @property
    def communities(self) -> list[dict]:
        return self.found.get("petitions", {}).get("communities", [])

    @property
    def overdue(self) -> list[dict]:
        return self.found.get("petitions", {}).get("overdue", [])

    @property
    def overdue_more(self) -> bool:
        return self.found.get("petitions", {}).get("overdue_more", False)


#: The report's own placeholders: who writes it, for what, when. Every section's follow.
REPORT_PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder("单位名称", "report.unit", "text", "发文单位，如“浓洄街道办事处”"),
    Placeholder("统计范围", "report.area", "text", "全街道，或所选社区的名称"),
    Placeholder("开始日期", "report.start", "date", "统计时段第一天，如“2026年6月1日”"),
    Placeholder("结束日期", "report.end", "date", "统计时段最后一天（含）"),
    Placeholder("统计时段", "report.period", "text", "如“2026年6月1日至2026年9月8日”"),
    Placeholder("成文日期", "report.today", "date", "生成报告的日期"),
    Placeholder("活动名称", "report.campaign", "text", "所选活动（如百日大会战）的名称；无则为“—”"),
)


# ------------------------------------------------------------------------------ the registry

_REGISTRY: dict[str, Section] = {}
_discovered = False


def register(section: Section) -> Section:
    """Register a kind's section under its key (replacing one registered before)."""
    _REGISTRY[section.key] = section
    return section


def registered() -> list[Section]:
    """Every section, in the order the report shows them."""
    _discover()
    return sorted(_REGISTRY.values(), key=lambda section: (section.order, section.key))


def placeholders() -> tuple[Placeholder, ...]:
    """The report's placeholders, then every section's, in order."""
    return REPORT_PLACEHOLDERS + tuple(p for s in registered() for p in s.placeholders)


def lists() -> tuple[ListSpec, ...]:
    return tuple(spec for section in registered() for spec in section.lists)


def _discover() -> None:
    """Import every module of this package once: a kind's section registers itself when
    imported, so adding a kind is adding its file."""
    global _discovered
    if _discovered:
        return
    package = importlib.import_module(__name__.rpartition(".")[0])
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    _discovered = True


# ------------------------------------------------------------------------------ formatting


def chinese_count(value: int | None) -> str:
    """A count as Chinese documents write it: Arabic digits, no separators; 10万 and up in 万."""
    number = int(value or 0)
    if number >= 100_000:
        text = f"{number / 10_000:.2f}".rstrip("0").rstrip(".")
        return f"{text}万"
    return str(number)


def chinese_rate(value: float | None) -> str:
    """A rate 0..1 as a percentage with one decimal (95.2%); — when there is none."""
    if value is None:
        return "—"
    text = f"{value * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def _goal(value: bool | None) -> str:
    if value is None:
        return "—"
    return "已实现" if value else "未实现"


def format_value(kind: str, value: Any) -> Any:
    """A placeholder's value as the report writes it, by the placeholder's kind."""
    if kind == "int":
        return chinese_count(value)
    if kind == "rate":
        return chinese_rate(value)
    if kind == "goal":
        return _goal(value)
    if kind == "date":
        return gb.chinese_date(value) if isinstance(value, date) else str(value or "—")
    return str(value) if value not in (None, "") else "—"
