"""Responsibility letters (目标责任书): their targets, the signed scan, progress.

* Holders of ``assessment.manage`` make a letter for a community or a unit and a year (one
  per body and year), add targets — a handling-quality statistic (:mod:`huiyin.assessment.keys`),
  at least / at most a threshold, a weight — and keep the signed scan.
* Once a live scan is kept the targets are fixed (:data:`MSG_SIGNED`): withdraw the scan with
  a reason to change them.
* :func:`progress` reads each target's statistic for the body from the statistics layer, for
  the year up to today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from huiyin.assessment import keys
from huiyin.assessment.bodies import Body, body_fields, of_streets
from huiyin.assessment.models import Comparison, Letter, LetterScan, Target
from huiyin.assessment.services import files
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    MSG_OTHER_STREET,
    MSG_STALE,
    VIEW_PERM,
    AssessmentInvalid,
    Errors,
    check_version,
    require,
    today,
)
from huiyin.cases import bounds
from huiyin.privacy.audit import record
from huiyin.reports.stats import Period

MSG_SIGNED = _(
    "The letter is signed: its targets are fixed. Withdraw the signed scan (with the reason) "
    "to change them."
)
MSG_TAKEN = _("This community or unit has a letter for that year already.")
MSG_YEAR = _("Enter a year between %(first)s and %(last)s.")
MSG_BODY = _("Choose a community or a unit.")
MAX_TARGETS = 30
MAX_COUNT = Decimal(100000)


def _year(value, errors: Errors) -> int | None:
    from django.utils.translation import gettext

    first, last = bounds.earliest_date().year, bounds.latest_date().year
    year = bounds.bounded_int(value, first, last)
    if year is None:
        errors.add("year", gettext(MSG_YEAR) % {"first": first, "last": last})
    return year


def default_title(year: int | None) -> str:
    return f"{year or ''}年度维稳综治暨信访工作目标管理责任书"


def save_letter(
    *, actor, data: dict, body: Body | None, letter: Letter | None = None, request=None
) -> Letter:
    """Make a letter (letter None: `body` and data["year"] needed) or change its title and notes."""
    require(actor, MANAGE_PERM)
    errors = Errors()
    title = errors.text("title", data.get("title"), 200)
    notes = errors.text("notes", data.get("notes"), 4000)
    if letter is None:
        year = _year(data.get("year"), errors)
        if body is None:
            errors.add("body", MSG_BODY)
        elif not of_streets(actor, body):
            errors.add("body", MSG_OTHER_STREET)
        errors.raise_if_any()
        try:
            with transaction.atomic():
                letter = Letter.objects.create(
                    year=year,
                    title=title or default_title(year),
                    notes=notes,
                    created_by=actor,
                    **body_fields(body),
                )
                record(
                    "assessment.letter",
                    actor=actor,
                    target=letter,
                    diff={"created": 1},
                    request=request,
                )
        except IntegrityError:
            raise AssessmentInvalid({"body": [MSG_TAKEN]}) from None
        return letter
    check_version(letter, data.get("version"), errors)
    errors.raise_if_any()
    with transaction.atomic():
        updated = Letter.objects.filter(pk=letter.pk, version=letter.version).update(
            title=title or default_title(letter.year), notes=notes, version=letter.version + 1
        )
        if not updated:
            raise AssessmentInvalid({"__all__": [MSG_STALE]})
        record(
            "assessment.letter", actor=actor, target=letter, diff={"title": title}, request=request
        )
    return Letter.objects.get(pk=letter.pk)


def live_scan(letter: Letter) -> LetterScan | None:
    return letter.scans.filter(withdrawn=False).order_by("-signed_on", "-id").first()


def _unsigned(letter: Letter) -> None:
    if LetterScan.objects.filter(letter=letter, withdrawn=False).exists():
        raise AssessmentInvalid({"__all__": [MSG_SIGNED]})


def check_target(data: dict) -> dict:
    """A target's fields from `data` (the threshold in the statistic's own unit: a rate as a
    fraction), checked."""
    errors = Errors()
    key = errors.text("stat_key", data.get("stat_key"), 120, required=True)
    if key:
        why = keys.refusal(key)
        if why is not None:
            errors.add("stat_key", why)
    high = Decimal(1) if keys.unit_of(key) == keys.RATE else MAX_COUNT
    fields = {
        "label": errors.text("label", data.get("label"), 200) or keys.label(key),
        "stat_key": key,
        "comparison": errors.choice("comparison", data.get("comparison"), Comparison.values),
        "threshold": errors.number("threshold", data.get("threshold"), 0, high),
        "weight": errors.number("weight", data.get("weight") or 10, 1, 100),
    }
    errors.raise_if_any()
    fields["weight"] = int(fields["weight"])
    return fields


def save_target(
    letter: Letter, *, actor, data: dict, target: Target | None = None, request=None
) -> Target:
    require(actor, MANAGE_PERM)
    fields = check_target(data)
    with transaction.atomic():
        Letter.objects.select_for_update().get(pk=letter.pk)
        _unsigned(letter)
        if target is None:
            if letter.targets.count() >= MAX_TARGETS:
                raise AssessmentInvalid({"__all__": [_("A letter has at most 30 targets.")]})
            target = Target.objects.create(
                letter=letter, order=letter.targets.count() + 1, **fields
            )
        else:
            target = Target.objects.get(pk=target.pk, letter=letter)
            for name, value in fields.items():
                setattr(target, name, value)
            target.save()
        record(
            "assessment.letter",
            actor=actor,
            target=letter,
            diff={"target": target.pk, "key": target.stat_key},
            request=request,
        )
    return target


def delete_target(target: Target, *, actor, request=None) -> None:
    require(actor, MANAGE_PERM)
    letter = target.letter
    with transaction.atomic():
        Letter.objects.select_for_update().get(pk=letter.pk)
        _unsigned(letter)
        Target.objects.filter(pk=target.pk).delete()
        record(
            "assessment.letter",
            actor=actor,
            target=letter,
            diff={"target_deleted": target.pk},
            request=request,
        )


def add_scan(letter: Letter, uploaded, *, actor, signed_on, signed_by, request=None) -> LetterScan:
    """Keep the signed letter's scan (PDF, PNG or JPEG, at most 10 MB)."""
    require(actor, MANAGE_PERM)
    errors = Errors()
    day = errors.day("signed_on", signed_on)
    who = errors.text("signed_by", signed_by, 100, required=True)
    if day is not None and day.year not in (letter.year - 1, letter.year):
        errors.add("signed_on", _("A letter is signed in its year or the year before."))
    facts = files.check_upload(uploaded, files.SCAN_TYPES, "file", errors)
    errors.raise_if_any()
    scan = LetterScan(letter=letter, signed_on=day, signed_by=who)
    return files.store(
        scan, uploaded, facts, folder=f"letters/{letter.pk}", actor=actor, request=request
    )


def open_scan(user, scan: LetterScan, *, request=None):
    require(user, VIEW_PERM)
    return files.open_stored(scan, user=user, request=request)


def withdraw_scan(user, scan: LetterScan, *, reason: str, request=None) -> None:
    require(user, MANAGE_PERM)
    files.withdraw(scan, user=user, reason=reason, request=request)


# --------------------------------------------------------------------------- progress


@dataclass
class Progress:
    target: Target
    value: object  # a number, None (no matter to judge) or keys.MISSING
    met: bool | None  # None: not available or nothing to judge yet

    @property
    def shown(self) -> str:
        return keys.display(self.target.stat_key, self.value)

    @property
    def threshold_shown(self) -> str:
        return keys.display(self.target.stat_key, self.target.threshold)

    @property
    def available(self) -> bool:
        return self.value is not keys.MISSING


def year_to_date(year: int, day: date | None = None) -> Period | None:
    """1 January of `year` to today (or 31 December for a past year); None before it starts."""
    day = day or today()
    start, end = date(year, 1, 1), date(year, 12, 31)
    if day < start:
        return None
    return Period(start, min(day, end))


def progress(letter: Letter, *, day: date | None = None) -> tuple[list[Progress], dict]:
    """Each target's value for the letter's body, the year up to today, and the summary
    ``{"met_weight", "judged_weight", "share"}`` (share None when nothing can be judged)."""
    from huiyin.assessment.bodies import of
    from huiyin.assessment.scoring import figures_for

    targets = list(letter.targets.all())
    period = year_to_date(letter.year, day)
    figures = {}
    if period is not None and targets:
        figures = figures_for(of(letter), period, keys.sections_of(t.stat_key for t in targets))
    rows = []
    for target in targets:
        value = keys.value(figures, target.stat_key) if period is not None else None
        met = None
        if value is not None and value is not keys.MISSING:
            number = Decimal(str(value))
            if target.comparison == Comparison.AT_LEAST:
                met = number >= target.threshold
            else:
                met = number <= target.threshold
        rows.append(Progress(target, value, met))
    judged = sum(r.target.weight for r in rows if r.met is not None)
    met_weight = sum(r.target.weight for r in rows if r.met)
    return rows, {
        "met_weight": met_weight,
        "judged_weight": judged,
        "share": round(met_weight / judged, 4) if judged else None,
        "period": period,
    }
