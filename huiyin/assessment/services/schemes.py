"""Schemes: drafts, their items, publishing ahead of the period, new versions.

* A draft is edited freely by a holder of ``assessment.manage``; a published version never
  again (:data:`MSG_PUBLISHED`): the change is a new version (:func:`new_version`), a draft copy.
* :func:`publish` refuses a version whose first day is not after today (:data:`MSG_STARTED`):
  every rule is known before the period it judges starts.
* An item's statistic must be one of :data:`huiyin.assessment.keys.CATALOGUE` — handling
  quality; a petition-count or level key is refused with :data:`~huiyin.assessment.keys.MSG_HEAD_COUNT`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.assessment import keys
from huiyin.assessment.models import AppliesTo, Method, Scheme, SchemeItem, SchemeStatus
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    AssessmentInvalid,
    Errors,
    require,
    today,
)
from huiyin.privacy.audit import record

MSG_PUBLISHED = _("A published scheme cannot be changed: make a new version of it.")
MSG_STARTED = _(
    "This version applies from %(day)s, which is not after today: a scheme is published before "
    "the period it judges starts. Choose a later first day."
)
MSG_NO_ITEMS = _("A scheme needs at least one item before it is published.")
MSG_NAME_TAKEN = _("A scheme of that name exists already: make a new version of it.")
MSG_END_BEFORE_START = _("The last day cannot be before the first day.")
MSG_NEEDS_RATE = _("This method needs a rate (a statistic marked “rate”).")
MSG_NEEDS_COUNT = _("Points off per matter need a count of matters handled badly.")
MSG_FLOOR = _("The “no points at” value must be below the “full points at” value.")
MSG_TOO_MANY_POINTS = _("A scheme may give at most %(limit)s points in all.")
MSG_NO_SCHEME = _(
    "No published version of “%(name)s” applies to %(start)s–%(end)s: a scheme judges only the "
    "periods it was published for."
)

MAX_ITEMS = 60
MAX_TOTAL = Decimal(1000)
MAX_COUNT = Decimal(100000)


def _item_fields(data: dict, errors: Errors) -> dict:
    method = errors.choice("method", data.get("method"), Method.values)
    fields = {
        "title": errors.text("title", data.get("title"), 200, required=True),
        "applies_to": errors.choice(
            "applies_to", data.get("applies_to") or "both", AppliesTo.values
        ),
        "method": method,
        "max_points": errors.number("max_points", data.get("max_points"), Decimal("0.5"), 100),
        "note": errors.text("note", data.get("note"), 2000),
        "stat_key": "",
        "target": None,
        "floor": None,
        "per_matter": None,
    }
    if not method or method == Method.MANUAL:
        return fields
    key = errors.text("stat_key", data.get("stat_key"), 120, required=True)
    if key:
        why = keys.refusal(key)
        if why is not None:
            errors.add("stat_key", why)
            return fields
    fields["stat_key"] = key
    unit = keys.unit_of(key)
    if method == Method.RATE:
        if unit != keys.RATE:
            errors.add("stat_key", MSG_NEEDS_RATE)
        fields["target"] = errors.number("target", data.get("target"), 0, 1)
        fields["floor"] = errors.number("floor", data.get("floor") or 0, 0, 1)
        target, floor = fields["target"], fields["floor"]
        if target is not None and floor is not None and floor >= target:
            errors.add("floor", MSG_FLOOR)
    elif method == Method.THRESHOLD:
        high = 1 if unit == keys.RATE else MAX_COUNT
        fields["target"] = errors.number("target", data.get("target"), 0, high)
    elif method == Method.DEDUCT:
        if unit != keys.COUNT:
            errors.add("stat_key", MSG_NEEDS_COUNT)
        fields["per_matter"] = errors.number(
            "per_matter", data.get("per_matter"), Decimal("0.01"), 100
        )
    return fields


def check_item(data: dict) -> dict:
    """The item's fields from `data`, checked (AssessmentInvalid otherwise)."""
    errors = Errors()
    fields = _item_fields(data, errors)
    errors.raise_if_any()
    return fields


def _draft(scheme: Scheme) -> Scheme:
    fresh = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if fresh.status != SchemeStatus.DRAFT:
        raise AssessmentInvalid({"__all__": [MSG_PUBLISHED]})
    return fresh


def _header(data: dict, errors: Errors) -> dict:
    fields = {
        "description": errors.text("description", data.get("description"), 4000),
        "valid_from": errors.day("valid_from", data.get("valid_from"), future_ok=True),
        "valid_to": errors.day("valid_to", data.get("valid_to"), required=False, future_ok=True),
        "objection_days": errors.number("objection_days", data.get("objection_days") or 7, 1, 60),
    }
    if fields["objection_days"] is not None:
        fields["objection_days"] = int(fields["objection_days"])
    if fields["valid_from"] and fields["valid_to"] and fields["valid_to"] < fields["valid_from"]:
        errors.add("valid_to", MSG_END_BEFORE_START)
    return fields


def create_scheme(*, actor, data: dict, request=None) -> Scheme:
    """A new scheme (version 1, a draft)."""
    require(actor, MANAGE_PERM)
    errors = Errors()
    name = errors.text("name", data.get("name"), 100, required=True)
    fields = _header(data, errors)
    if name and Scheme.objects.filter(name=name).exists():
        errors.add("name", MSG_NAME_TAKEN)
    errors.raise_if_any()
    with transaction.atomic():
        scheme = Scheme.objects.create(name=name, version=1, created_by=actor, **fields)
        record(
            "assessment.scheme", actor=actor, target=scheme, diff={"created": 1}, request=request
        )
    return scheme


def update_scheme(scheme: Scheme, *, actor, data: dict, request=None) -> Scheme:
    require(actor, MANAGE_PERM)
    errors = Errors()
    fields = _header(data, errors)
    errors.raise_if_any()
    with transaction.atomic():
        fresh = _draft(scheme)
        for name, value in fields.items():
            setattr(fresh, name, value)
        fresh.save(update_fields=list(fields))
        record(
            "assessment.scheme",
            actor=actor,
            target=fresh,
            diff={"updated": list(fields)},
            request=request,
        )
    return fresh


def save_item(
    scheme: Scheme, *, actor, data: dict, item: SchemeItem | None = None, request=None
) -> SchemeItem:
    """Add an item to a draft (item None) or change one of its items."""
    require(actor, MANAGE_PERM)
    fields = check_item(data)
    with transaction.atomic():
        fresh = _draft(scheme)
        others = fresh.items.exclude(pk=item.pk) if item is not None else fresh.items.all()
        if item is None and others.count() >= MAX_ITEMS:
            raise AssessmentInvalid({"__all__": [_("A scheme has at most 60 items.")]})
        used = sum((i.max_points for i in others), Decimal(0))
        if used + fields["max_points"] > MAX_TOTAL:
            from django.utils.translation import gettext

            raise AssessmentInvalid(
                {"max_points": [gettext(MSG_TOO_MANY_POINTS) % {"limit": MAX_TOTAL}]}
            )
        if item is None:
            order = (others.aggregate(top=Max("order"))["top"] or 0) + 1
            item = SchemeItem.objects.create(scheme=fresh, order=order, **fields)
        else:
            item = SchemeItem.objects.get(pk=item.pk, scheme=fresh)
            for name, value in fields.items():
                setattr(item, name, value)
            item.save()
        record(
            "assessment.scheme",
            actor=actor,
            target=fresh,
            diff={"item": item.pk, "key": item.stat_key, "method": item.method},
            request=request,
        )
    return item


def delete_item(item: SchemeItem, *, actor, request=None) -> None:
    require(actor, MANAGE_PERM)
    with transaction.atomic():
        fresh = _draft(item.scheme)
        SchemeItem.objects.filter(pk=item.pk, scheme=fresh).delete()
        record(
            "assessment.scheme",
            actor=actor,
            target=fresh,
            diff={"item_deleted": item.pk},
            request=request,
        )


def publish(scheme: Scheme, *, actor, request=None) -> Scheme:
    """Publish a draft whose first day is after today; its items are checked once more."""
    from django.utils.translation import gettext

    require(actor, MANAGE_PERM)
    with transaction.atomic():
        fresh = _draft(scheme)
        errors = Errors()
        if fresh.valid_from <= today():
            errors.add("valid_from", gettext(MSG_STARTED) % {"day": fresh.valid_from.isoformat()})
        items = list(fresh.items.all())
        if not items:
            errors.add("__all__", MSG_NO_ITEMS)
        for item in items:
            if item.method != Method.MANUAL:
                why = keys.refusal(item.stat_key)
                if why is not None:
                    errors.add("__all__", why)
        errors.raise_if_any()
        fresh.status = SchemeStatus.PUBLISHED
        fresh.published_at = timezone.now()
        fresh.published_by = actor
        fresh.save(update_fields=["status", "published_at", "published_by"])
        record(
            "assessment.scheme", actor=actor, target=fresh, diff={"published": 1}, request=request
        )
    return fresh


def new_version(scheme: Scheme, *, actor, request=None) -> Scheme:
    """A draft copy of `scheme` (its items too), numbered after the name's last version."""
    require(actor, MANAGE_PERM)
    with transaction.atomic():
        top = Scheme.objects.filter(name=scheme.name).aggregate(top=Max("version"))["top"] or 0
        start = max(scheme.valid_from, today() + _one_day())
        copy = Scheme.objects.create(
            name=scheme.name,
            version=top + 1,
            description=scheme.description,
            valid_from=start,
            valid_to=scheme.valid_to if scheme.valid_to and scheme.valid_to >= start else None,
            objection_days=scheme.objection_days,
            based_on=scheme,
            created_by=actor,
        )
        SchemeItem.objects.bulk_create(
            [
                SchemeItem(
                    scheme=copy,
                    order=item.order,
                    title=item.title,
                    applies_to=item.applies_to,
                    method=item.method,
                    max_points=item.max_points,
                    stat_key=item.stat_key,
                    target=item.target,
                    floor=item.floor,
                    per_matter=item.per_matter,
                    note=item.note,
                )
                for item in scheme.items.order_by("order", "id")
            ]
        )
        record(
            "assessment.scheme",
            actor=actor,
            target=copy,
            diff={"based_on": scheme.pk},
            request=request,
        )
    return copy


def _one_day():
    from datetime import timedelta

    return timedelta(days=1)


def scheme_for(name: str, start: date, end: date) -> Scheme:
    """The published version of `name` that applies to the whole period (the latest such).

    AssessmentInvalid when none does: a version judges only periods from its first day on.
    """
    from django.utils.translation import gettext

    found = (
        Scheme.objects.filter(name=(name or "").strip()[:100], status=SchemeStatus.PUBLISHED)
        .filter(valid_from__lte=start)
        .exclude(valid_to__lt=end)
        .order_by("-version")
        .first()
    )
    if found is None:
        raise AssessmentInvalid(
            {
                "scheme": [
                    gettext(MSG_NO_SCHEME)
                    % {
                        "name": (name or "")[:100],
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                    }
                ]
            }
        )
    return found
