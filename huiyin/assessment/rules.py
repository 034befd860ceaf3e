"""How an item's points are computed from the statistics, and the sentence that explains them.

    computed = points_of(item, figures)        # figures: flat(compute(period, scope=body))
    computed.points, computed.max_points       # Decimal; points None: not available
    explain(computed.detail)                   # the sentence, in the reader's language

The methods (:class:`~huiyin.assessment.models.Method`):

* **rate** — full points at or above ``target``, none at or below ``floor``, in proportion
  between: ``max × (value − floor) ÷ (target − floor)``;
* **threshold** — full points when a rate is at least ``target`` (a count: at most), else none;
* **deduct** — ``per_matter`` points off for each matter handled badly, down to zero;
* **manual** — the points the office awarded the body, with an evidence file.

A rule whose statistic has no matter to judge in the period (no answer owed, no report due)
gives full points: nothing was handled badly. A rule whose statistic is not computed here
(:data:`~huiyin.assessment.keys.MISSING`) is "not available": no points, and its maximum is
left out of the body's total. Points are rounded to two decimals, half up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

from huiyin.assessment import keys
from huiyin.assessment.models import Method

CENT = Decimal("0.01")

MISSING_STATE = "missing"  # the statistic is not computed here
NONE_STATE = "none"  # no matter to judge
COMPUTED_STATE = "computed"
MANUAL_STATE = "manual"
NOT_AWARDED_STATE = "not_awarded"


@dataclass
class Computed:
    points: Decimal | None
    max_points: Decimal
    detail: dict = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.points is not None

    @property
    def lost(self) -> bool:
        return self.points is not None and self.points < self.max_points


def _d(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _num(value) -> float | None:
    return None if value is None else float(value)


def points_of(item, figures, *, award=None) -> Computed:
    """The points of `item` for one body from its flat `figures` (or the manual `award`)."""
    top = _d(item.max_points)
    detail = {
        "method": item.method,
        "key": item.stat_key,
        "target": _num(item.target),
        "floor": _num(item.floor),
        "per_matter": _num(item.per_matter),
        "max": float(top),
    }
    if item.method == Method.MANUAL:
        if award is None:
            return Computed(Decimal("0.00"), top, {**detail, "state": NOT_AWARDED_STATE})
        points = min(max(_d(award.points), Decimal("0.00")), top)
        detail.update(state=MANUAL_STATE, reason=award.reason[:200], award=award.pk)
        return Computed(points, top, {**detail, "points": float(points)})
    found = keys.value(figures, item.stat_key)
    if found is keys.MISSING:
        return Computed(None, top, {**detail, "state": MISSING_STATE, "value": None})
    if found is None:
        return Computed(top, top, {**detail, "state": NONE_STATE, "value": None})
    value = Decimal(str(found))
    target = Decimal(item.target) if item.target is not None else None
    if item.method == Method.RATE:
        floor = Decimal(item.floor) if item.floor is not None else Decimal(0)
        if target is None or value >= target:
            points = top
        elif value <= floor or target <= floor:
            points = Decimal(0)
        else:
            points = top * (value - floor) / (target - floor)
    elif item.method == Method.THRESHOLD:
        if target is None:
            points = top
        elif keys.unit_of(item.stat_key) == keys.COUNT:
            points = top if value <= target else Decimal(0)
        else:
            points = top if value >= target else Decimal(0)
    else:  # DEDUCT
        per = Decimal(item.per_matter) if item.per_matter is not None else Decimal(0)
        points = max(top - per * value, Decimal(0))
    points = min(_d(points), top)
    detail.update(state=COMPUTED_STATE, value=float(found), points=float(points))
    return Computed(points, top, detail)


def _fmt_points(value) -> str:
    number = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def explain(detail: dict, *, adjusted_to=None) -> str:
    """The sentence that explains a point, from what it was computed from (``Point.detail``)."""
    key = detail.get("key") or ""
    state = detail.get("state")
    params = {
        "label": keys.label(key),
        "max": _fmt_points(detail.get("max", 0)),
        "points": _fmt_points(detail.get("points", 0) or 0),
        "value": keys.display(key, detail.get("value")),
        "target": keys.display(key, detail.get("target")),
        "floor": keys.display(key, detail.get("floor")),
        "per": _fmt_points(detail.get("per_matter") or 0),
    }
    method = detail.get("method")
    if state == MISSING_STATE:
        text = gettext(
            "Not available: the statistic “%(label)s” is not computed here yet; the item is "
            "left out of the total."
        )
    elif state == NONE_STATE:
        text = gettext("%(label)s: no matter to judge in the period, full %(max)s points.")
    elif state == NOT_AWARDED_STATE:
        text = gettext("Not awarded yet: 0 of %(max)s points.")
    elif state == MANUAL_STATE:
        params["reason"] = detail.get("reason", "")
        text = gettext("Awarded by the office: %(points)s of %(max)s points (%(reason)s).")
    elif method == Method.RATE:
        text = gettext(
            "%(label)s %(value)s; full points at %(target)s or more, none at %(floor)s or "
            "less: %(points)s of %(max)s points."
        )
    elif method == Method.THRESHOLD and keys.unit_of(key) == keys.COUNT:
        text = gettext(
            "%(label)s: %(value)s, at most %(target)s allowed: %(points)s of %(max)s points."
        )
    elif method == Method.THRESHOLD:
        text = gettext(
            "%(label)s %(value)s, at least %(target)s required: %(points)s of %(max)s points."
        )
    else:
        text = gettext(
            "%(label)s: %(value)s, %(per)s points off for each: %(points)s of %(max)s points."
        )
    text = text % params
    if adjusted_to is not None:
        text += " " + gettext("Changed after an objection to %(points)s points.") % {
            "points": _fmt_points(adjusted_to)
        }
    return text
