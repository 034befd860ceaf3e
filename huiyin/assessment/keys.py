"""The statistics a target or a scoring rule may read: handling quality, never head-counts.

Every key is a dotted key of the statistics layer (``flat(compute(...))``, see
:mod:`huiyin.reports.stats`), or a rate derived here from two of its keys. A rule or a target
may name only a key of :data:`CATALOGUE` — each one judges how matters were HANDLED: answered
on time, answered with their legal basis, to the petitioner's satisfaction, resolved at the
lowest tier, reported on time, rectified, a supervision order answered.

Raw counts of petitions, their headcount and the level at which they were lodged (越级, 进京,
赴省, 到市) are refused with :data:`MSG_HEAD_COUNT` (the design's principle 5: scoring them
rewards keeping people from petitioning; an over-level petition leads to a review of the
matter's first handling, not to points). :func:`refusal` says why a key is refused.

A key whose kind is not installed (its module is not registered with the statistics engine
yet) is "not available": :func:`value` returns :data:`MISSING`, the rule gives no points and
its maximum is left out of the total, for every body alike.

One key is not a statistic of the matters: ``assurances.completeness_rate``, the share of the
five assurances (五个落实) in place with evidence for the year the period ends in, kept by the
assessment itself (:func:`huiyin.assessment.services.assurances.figures`). It measures whether
a body has taken on its responsibility (a leader, a team, a venue, funding, the work), not how
matters were handled, so the built-in scheme leaves it out; an office may add it as a rule of
its own scheme, published before its period like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

RATE = "rate"  # a fraction 0..1, higher is better
COUNT = "count"  # a number of matters handled badly, lower is better

MSG_HEAD_COUNT = _(
    "A rule or target may not score the number of petitions, their headcount or the level at "
    "which they were lodged (over-level, to Beijing, to the province or the city): assessment "
    "judges how matters were handled, never how many people petitioned or where."
)
MSG_UNKNOWN = _(
    "“%(key)s” is not a statistic of handling quality that a rule or target may use. "
    "Choose one of the list."
)

#: Segments of a key that make it a head-count or level figure, in any section.
_FORBIDDEN_SEGMENTS = frozenset(
    {
        "batches",
        "headcount",
        "total",
        "by_level",
        "visits_by_level",
        "by_level_channel",
        "by_channel",
        "over_level",
        "upward",
        "collective",
        "repeat",
        "first",
        "national",
        "province",
        "city",
        "district",
        "level",
        "levels",
        "counts",
        "breaches",
    }
)
#: Sections whose keys are all about petitioning itself (counts, receptions, the 三零 goals).
_FORBIDDEN_SECTIONS = frozenset({"receptions", "goals"})


@dataclass(frozen=True)
class KeyInfo:
    key: str
    label: Promise
    unit: str  # RATE or COUNT
    section: str  # the statistics section it comes from


def _k(key: str, label, unit: str) -> KeyInfo:
    return KeyInfo(key, label, unit, key.split(".", 1)[0])


#: The handling-quality statistics rules and targets may read, in the order of the editor.
CATALOGUE: dict[str, KeyInfo] = {
    k.key: k
    for k in (
        _k("petitions.on_time_rate", _("Petitions answered on time (rate)"), RATE),
        _k("petitions.on_time.late", _("Petitions answered late"), COUNT),
        _k("petitions.on_time.overdue", _("Petitions overdue and unanswered"), COUNT),
        _k("petitions.overdue_open", _("Petitions with a step overdue"), COUNT),
        _k("replies.with_basis_rate", _("Written replies stating their legal basis (rate)"), RATE),
        _k("replies.without_basis", _("Written replies without a legal basis"), COUNT),
        _k("petitions.satisfaction_rate", _("Petitioners satisfied (rate)"), RATE),
        _k("petitions.satisfaction.dissatisfied", _("Petitions rated dissatisfied"), COUNT),
        _k("disputes.resolution_rate", _("Disputes resolved (rate)"), RATE),
        _k(
            "disputes.community_share",
            _("Disputes resolved in the grid or community (rate)"),
            RATE,
        ),
        _k("screening.on_time_rate", _("Screening reports filed on time (rate)"), RATE),
        _k("screening.missing", _("Screening reports missing"), COUNT),
        _k("screening.late", _("Screening reports filed late"), COUNT),
        _k("incidents.reporting_on_time_rate", _("Incidents reported upward on time (rate)"), RATE),
        _k("rectifications.done_rate", _("Rectifications done (rate)"), RATE),
        _k("rectifications.overdue", _("Rectifications overdue"), COUNT),
        _k("supervision.on_time_rate", _("Supervision orders answered on time (rate)"), RATE),
        _k("supervision.overdue", _("Supervision orders overdue without feedback"), COUNT),
        _k("supervision.answered_late", _("Supervision orders answered late"), COUNT),
        _k(
            "assurances.completeness_rate",
            _("Five assurances in place with evidence (rate)"),
            RATE,
        ),
    )
}


def _rate(numerator, denominator) -> float | None:
    if not isinstance(numerator, int | float) or not isinstance(denominator, int | float):
        return None
    return round(numerator / denominator, 4) if denominator else None


#: Rates derived from two figures of the statistics layer: key -> (numerator, denominator).
DERIVED: dict[str, tuple[str, str]] = {
    "screening.on_time_rate": ("screening.on_time", "screening.expected"),
}


class _Missing:
    """The key's statistic is not computed by this installation (its kind is not installed)."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()


def refusal(key: str) -> Promise | str | None:
    """Why `key` may not be used by a rule or target (a sentence), or None when it may."""
    from django.utils.translation import gettext

    key = (key or "").strip()
    if key in CATALOGUE:
        return None
    parts = [p for p in key.lower().split(".") if p]
    if not parts:
        return gettext(MSG_UNKNOWN) % {"key": key[:60]}
    head_count = (
        parts[0] in _FORBIDDEN_SECTIONS
        or parts[0].startswith("petition")
        or "petition" in key.lower()
        or any(p in _FORBIDDEN_SEGMENTS for p in parts)
        or any(p.startswith(("over_level", "upward", "visit")) for p in parts)
    )
    if head_count:
        return MSG_HEAD_COUNT
    return gettext(MSG_UNKNOWN) % {"key": key[:60]}


def sections_of(keys) -> set[str]:
    """The statistics sections the keys read (a derived key reads its figures' sections)."""
    out: set[str] = set()
    for key in keys:
        if key in DERIVED:
            out |= {k.split(".", 1)[0] for k in DERIVED[key]}
        elif key:
            out.add(key.split(".", 1)[0])
    return out


def value(figures: Mapping[str, object], key: str):
    """The key's value in the flat figures: a number, None ("no matter to judge") or
    :data:`MISSING` (not computed here)."""
    if key in DERIVED:
        numerator, denominator = DERIVED[key]
        if numerator not in figures or denominator not in figures:
            return MISSING
        return _rate(figures[numerator], figures[denominator])
    if key not in figures:
        return MISSING
    found = figures[key]
    if found is None or isinstance(found, bool):
        return None if found is None else MISSING
    return found if isinstance(found, int | float) else MISSING


def label(key: str) -> str:
    info = CATALOGUE.get(key)
    return str(info.label) if info else key


def unit_of(key: str) -> str | None:
    info = CATALOGUE.get(key)
    return info.unit if info else None


def choices() -> list[tuple[str, str]]:
    return [(k, str(info.label)) for k, info in CATALOGUE.items()]


def display(key: str, number) -> str:
    """A value as shown: rates in per cent with one decimal, counts as integers."""
    if number is None or number is MISSING:
        return "—"
    if unit_of(key) == RATE:
        return f"{float(number) * 100:.1f}%"
    if isinstance(number, float) and not number.is_integer():
        return f"{number:.2f}"
    return str(int(number))
