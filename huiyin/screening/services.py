"""The rules of weekly screening: duties, filing and amending reports, the disputes they list.

Views parse forms and call these; nothing here trusts its caller about scope. Every filing is
one transaction: the report, its new version row, its items, the disputes registered from it
and the audit entry are written together or not at all.
"""

from __future__ import annotations

import inspect
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.exceptions import CaseRefused
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Category
from huiyin.org.models import Community, Grid
from huiyin.org.roles import Perm
from huiyin.screening import periods
from huiyin.screening.bodies import Body, active_q, may_file
from huiyin.screening.models import (
    ScreeningDuty,
    ScreeningItem,
    ScreeningNotice,
    ScreeningReport,
    ScreeningReportVersion,
)

#: The longest note on a report, and the longest title and description of a new dispute.
NOTE_MAX = 2000
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
#: The most disputes one filing may add (more: file again, each filing amends).
ITEMS_MAX = 10
#: The longest case number read from a form.
NUMBER_MAX = 40

MSG_NO_DUTY = _("This body has no screening duty in this period.")
MSG_FUTURE = _("A report can be filed only for a period that has begun.")
MSG_EMPTY = _("File a nil report (nothing new) or list at least one dispute found.")
MSG_NIL_AND_ITEMS = _("A nil report lists no disputes: choose one or the other.")
MSG_NIL_HAS_ITEMS = _("This report already lists disputes; it cannot become a nil report.")
MSG_NOTE_LONG = _("The note has at most %(limit)s characters.")
MSG_STALE = _("This report was changed by someone else meanwhile; reload it and try again.")
MSG_TOO_MANY = _("At most %(limit)s disputes can be added at once; file again for more.")
MSG_NO_DISPUTE = _("No open dispute numbered “%(number)s” in your area was found.")
MSG_NUMBER_REQUIRED = _("Enter the number of the open dispute.")
MSG_OUTSIDE_BODY = _("Dispute %(number)s lies outside this body's area.")
MSG_LISTED = _("Dispute %(number)s is already listed in this report.")
MSG_TWICE = _("Dispute %(number)s is listed twice.")
MSG_PEOPLE = _("Enter the number of people involved: at least 1, at most %(limit)s.")
MSG_TITLE = _("Give the dispute a short title.")
MSG_TITLE_LONG = _("The title has at most %(limit)s characters.")
MSG_DESCRIPTION_LONG = _("The description has at most %(limit)s characters.")
MSG_CATEGORY = _("Choose a dispute type from the list.")
MSG_COMMUNITY = _("Choose the community where the dispute arose.")
MSG_FOUND_ON = _("The day found lies between the period's first day and today.")
MSG_NO_REGISTER = _(
    "New disputes cannot be registered here yet; register it as a dispute first, then list it"
    " by its number."
)


class ScreeningInvalid(Exception):
    """Input refused; `errors` maps keys ("note", "nil", "links.0", "new.1.title", "__all__")
    to lists of translatable messages. Nothing was written."""

    def __init__(self, errors: dict[str, list[str | Promise]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in self.errors.items())


class _Errors(dict):
    def add(self, key: str, message) -> None:
        self.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ScreeningInvalid(dict(self))


# --------------------------------------------------------------------------- duties


def ensure_duties(street=None, *, active_from: date | None = None) -> int:
    """Give every community and grid (of `street`, or of every street) that never had a
    screening duty one, from `active_from` (default: the first day of the current period).

    A body whose duty was ended keeps no duty: it is not given a new one. Safe to run
    concurrently (the open-duty constraints and ``ignore_conflicts``). Returns how many were made.
    """
    start = active_from or periods.current().start
    communities = Community.objects.all()
    grids = Grid.objects.select_related("community")
    if street is not None:
        communities = communities.filter(street=street)
        grids = grids.filter(community__street=street)
    with_duty = ScreeningDuty.objects.filter(unit__isnull=True)
    grid_ids = set(with_duty.filter(grid__isnull=False).values_list("grid_id", flat=True))
    community_ids = set(with_duty.filter(grid__isnull=True).values_list("community_id", flat=True))
    new = [
        ScreeningDuty(street_id=c.street_id, community_id=c.pk, active_from=start)
        for c in communities.exclude(pk__in=community_ids)
    ] + [
        ScreeningDuty(
            street_id=g.community.street_id,
            community_id=g.community_id,
            grid_id=g.pk,
            active_from=start,
        )
        for g in grids.exclude(pk__in=grid_ids)
    ]
    if new:
        ScreeningDuty.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def duty_for(body: Body, period: periods.Period) -> ScreeningDuty | None:
    return (
        ScreeningDuty.objects.filter(active_q(period.start, period.end), **body.filter())
        .order_by("-active_from", "-id")
        .first()
    )


def report_for(body: Body, period: periods.Period) -> ScreeningReport | None:
    return ScreeningReport.objects.filter(
        period_start=period.start, period_end=period.end, **body.filter()
    ).first()


# --------------------------------------------------------------------------- filing


@dataclass
class LinkItem:
    """An open dispute already on record, by its number."""

    number: str
    people_count: int | None


@dataclass
class NewItem:
    """A dispute to register from the report (through the disputes kind)."""

    title: str
    people_count: int | None
    description: str = ""
    category: Category | None = None
    found_on: date | None = None
    community: Community | None = None  # only for a unit's report (a grid's is its own)


@dataclass
class Filing:
    report: ScreeningReport
    created: bool
    changed: bool
    items: list[ScreeningItem] = field(default_factory=list)


def _people(value, key: str, errors: _Errors) -> int | None:
    limit = bounds.max_headcount()
    number = bounds.bounded_int(value, 1, limit)
    if number is None:
        errors.add(key, MSG_PEOPLE % {"limit": limit})
    return number


def _clean_text(value, limit: int, key: str, message, errors: _Errors) -> str:
    text = bounds.strip_nul(str(value or "")).strip()
    if len(text) > limit:
        errors.add(key, message % {"limit": limit})
    return text


_NUMBER_TAIL = re.compile(r"(\d{4})\D{0,3}(\d{1,6})\D{0,2}$")


def open_dispute(user, number: str) -> Case | None:
    """The open dispute numbered `number` that `user` may screen, or None (same answer whether
    it does not exist or lies outside their scope). The number may be typed loosely:
    without the street, with other brackets, with full-width digits (〔2026〕42)."""
    text = bounds.strip_nul(str(number or "")).strip()
    if not text or len(text) > NUMBER_MAX:
        return None
    cases = Case.objects.visible_to(user, perm=Perm.DISPUTES_SCREEN, kind=Kind.DISPUTE).filter(
        withdrawn=False, closed_at__isnull=True
    )
    found = cases.filter(number=text).first()
    if found is not None:
        return found
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    match = _NUMBER_TAIL.search(folded)
    if match is None:
        return None
    year, seq = int(match[1]), int(match[2])
    matches = list(cases.filter(year=year, seq=seq)[:2])
    return matches[0] if len(matches) == 1 else None


def _in_area(case: Case, body: Body) -> bool:
    """A community's or grid's report lists the disputes of its own area; a unit's any."""
    if body.is_unit:
        return True
    if case.community_id not in (None, body.community_id):
        return False
    return not (body.is_grid and case.grid_id not in (None, body.grid_id))


def _register_dispute():
    """The disputes kind's registration service, or None while it is not installed."""
    try:
        from huiyin.disputes import services
    except ImportError:
        return None, ()
    refusals = tuple(
        value
        for name, value in vars(services).items()
        if isinstance(value, type)
        and issubclass(value, Exception)
        and name.endswith(("Invalid", "Refused"))
    )
    return getattr(services, "register_dispute", None), refusals


def _refusal_messages(error: Exception) -> list[str]:
    errors = getattr(error, "errors", None)
    if isinstance(errors, dict):
        return [str(m) for messages in errors.values() for m in messages]
    if isinstance(error, ValidationError):
        return [str(m) for m in error.messages]
    message = getattr(error, "message", None)
    return [str(message or error) or str(MSG_NO_REGISTER)]


def file_report(
    actor,
    body: Body,
    period: periods.Period,
    *,
    nil: bool = False,
    note: str | None = None,
    links: list[LinkItem] = (),
    new: list[NewItem] = (),
    version: int | str | None = None,
    request=None,
    moment: datetime | None = None,
) -> Filing:
    """File `body`'s report for `period`, or amend it when it was filed already.

    ``nil``: the nil report (零报告). ``links``: open disputes already on record, by number;
    ``new``: disputes to register (as cases of kind dispute, source "screening"). ``note``
    None keeps the note as it is. ``version``: the version the person saw, for an amendment
    (another person's amendment meanwhile is refused, not overwritten).

    The deadline is fixed at the first filing; an amendment adds a version and may add
    disputes, never removes one (a dispute recorded in error is withdrawn on its own page).
    Filing the same nil report again changes nothing (a double tap on a phone).

    Raises PermissionDenied when `actor` may not file for `body`, ScreeningInvalid with every
    problem found otherwise; nothing is written then.
    """
    from huiyin.privacy.audit import record

    if not may_file(actor, body):
        raise PermissionDenied
    moment = moment or periods.now()
    today = periods.today(moment)
    errors = _Errors()
    duty = duty_for(body, period)
    if duty is None:
        errors.add("__all__", MSG_NO_DUTY)
    if period.start > today:
        errors.add("__all__", MSG_FUTURE)
    if note is not None:
        note = _clean_text(note, NOTE_MAX, "note", MSG_NOTE_LONG, errors)
    links, new = list(links), list(new)
    if nil and (links or new):
        errors.add("nil", MSG_NIL_AND_ITEMS)
    if len(links) + len(new) > ITEMS_MAX:
        errors.add("__all__", MSG_TOO_MANY % {"limit": ITEMS_MAX})
        links, new = [], []
    counts_links = [
        _people(item.people_count, f"links.{i}", errors) for i, item in enumerate(links)
    ]
    new_clean = [_check_new(item, i, body, period, today, errors) for i, item in enumerate(new)]
    errors.raise_if_any()

    def write() -> Filing:
        errors.clear()
        with transaction.atomic():
            # No ordering (the model's joins its community and grid): PostgreSQL locks no
            # row on the nullable side of an outer join.
            report = (
                ScreeningReport.objects.select_for_update()
                .filter(period_start=period.start, period_end=period.end, **body.filter())
                .order_by("pk")
                .first()
            )
            existing: set[int] = set()
            if report is not None:
                if version not in (None, "") and str(version) != str(report.version):
                    errors.add("__all__", MSG_STALE)
                    errors.raise_if_any()
                existing = set(report.items.values_list("case_id", flat=True))
                if nil and existing:
                    errors.add("nil", MSG_NIL_HAS_ITEMS)
            elif not nil and not links and not new:
                errors.add("__all__", MSG_EMPTY)
            cases = _resolve_links(actor, body, links, existing, errors)
            errors.raise_if_any()

            # Adding disputes ends a nil report; a note alone leaves it nil.
            is_nil = nil or (report is not None and report.is_nil and not (links or new))
            unchanged = (
                report is not None
                and not (links or new)
                and is_nil == report.is_nil
                and (note is None or note == report.note)
            )
            if unchanged:
                return Filing(report, created=False, changed=False)

            created = report is None
            if created:
                report = ScreeningReport.objects.create(
                    **body.fields(),
                    period_kind=period.kind,
                    period_start=period.start,
                    period_end=period.end,
                    deadline=periods.deadline_of(period),
                    is_nil=is_nil,
                    note=note or "",
                    filed_by=actor,
                    filed_at=moment,
                )
            else:
                report.version += 1
                report.is_nil = is_nil
                if note is not None:
                    report.note = note
                report.amended_by, report.amended_at = actor, moment
                report.save(update_fields=["version", "is_nil", "note", "amended_by", "amended_at"])

            registered = _register(actor, body, period, new_clean, today, errors, request)
            errors.raise_if_any()  # inside the transaction: the registered disputes go too

            items = [
                ScreeningItem(
                    report=report,
                    case=case,
                    how=how,
                    people_count=count,
                    added_in_version=report.version,
                    added_by=actor,
                    added_at=moment,
                )
                for case, count, how in [
                    *(
                        (c, n, ScreeningItem.How.LINKED)
                        for c, n in zip(cases, counts_links, strict=True)
                    ),
                    *((c, n, ScreeningItem.How.REGISTERED) for c, n in registered),
                ]
            ]
            ScreeningItem.objects.bulk_create(items)
            ScreeningReportVersion.objects.create(
                report=report,
                version=report.version,
                action=(
                    ScreeningReportVersion.Action.FILED
                    if created
                    else ScreeningReportVersion.Action.AMENDED
                ),
                at=moment,
                actor=actor,
                is_nil=report.is_nil,
                note=report.note,
                item_count=len(existing) + len(items),
                items_added=len(items),
                on_time=moment <= report.deadline,
            )
            if created:
                # The reminders about this report have done their work.
                ScreeningNotice.objects.filter(
                    duty=duty, period_start=period.start, read_at__isnull=True
                ).update(read_at=moment)
            # The note and the disputes' titles may name people: the audit keeps counts only.
            record(
                "screening.file" if created else "screening.amend",
                actor=actor,
                target=report,
                diff={"version": report.version, "nil": report.is_nil, "items_added": len(items)},
                request=request,
            )
        return Filing(report, created=created, changed=True, items=items)

    for attempt in range(2):
        try:
            return write()
        except IntegrityError:
            # Two first filings at once (a double tap on a phone): the other one was written
            # first; this one is done again over it (a nil report again changes nothing).
            if attempt:
                raise ScreeningInvalid({"__all__": [MSG_STALE]}) from None
    raise AssertionError("unreachable")


def _check_new(
    item: NewItem, index: int, body: Body, period: periods.Period, today: date, errors: _Errors
) -> NewItem:
    key = f"new.{index}"
    title = _clean_text(item.title, TITLE_MAX, f"{key}.title", MSG_TITLE_LONG, errors)
    if not title:
        errors.add(f"{key}.title", MSG_TITLE)
    description = _clean_text(
        item.description, DESCRIPTION_MAX, f"{key}.description", MSG_DESCRIPTION_LONG, errors
    )
    people = _people(item.people_count, f"{key}.people_count", errors)
    category = item.category
    if category is not None and (category.kind != Kind.DISPUTE or not category.active):
        errors.add(f"{key}.category", MSG_CATEGORY)
    found_on = item.found_on or today
    if not period.start <= found_on <= today:
        errors.add(f"{key}.found_on", MSG_FOUND_ON)
    community = item.community
    if body.is_unit:
        if community is None or community.street_id != body.street_id:
            errors.add(f"{key}.community", MSG_COMMUNITY)
    else:
        community = None  # the body's own
    return NewItem(title, people, description, category, found_on, community)


def _resolve_links(
    actor, body: Body, links: list[LinkItem], existing: set[int], errors: _Errors
) -> list[Case]:
    cases: list[Case] = []
    seen: set[int] = set()
    for index, item in enumerate(links):
        key = f"links.{index}"
        number = bounds.strip_nul(str(item.number or "")).strip()
        if not number:
            errors.add(key, MSG_NUMBER_REQUIRED)
            continue
        case = open_dispute(actor, number)
        if case is None:
            errors.add(key, MSG_NO_DISPUTE % {"number": number[:NUMBER_MAX]})
            continue
        if not _in_area(case, body):
            errors.add(key, MSG_OUTSIDE_BODY % {"number": case.number})
        elif case.pk in existing:
            errors.add(key, MSG_LISTED % {"number": case.number})
        elif case.pk in seen:
            errors.add(key, MSG_TWICE % {"number": case.number})
        seen.add(case.pk)
        cases.append(case)
    return cases


def _register(
    actor, body: Body, period, new: list[NewItem], today: date, errors: _Errors, request
) -> list[tuple[Case, int]]:
    """Register each new dispute through the disputes kind (inside the filing's transaction)."""
    if not new:
        return []
    register, refusals = _register_dispute()
    if register is None:
        errors.add("__all__", MSG_NO_REGISTER)
        return []
    if body.is_unit:
        places = [(item.community, None) for item in new]
    else:
        community = Community.objects.get(pk=body.community_id)
        grid = Grid.objects.get(pk=body.grid_id) if body.grid_id else None
        places = [(community, grid)] * len(new)
    # The dispute keeps the count too when its service takes one (the record of the matter).
    takes_count = "people_count" in inspect.signature(register).parameters
    out: list[tuple[Case, int]] = []
    for index, (item, (community, grid)) in enumerate(zip(new, places, strict=True)):
        extra = {"people_count": item.people_count} if takes_count else {}
        try:
            with transaction.atomic():
                case = register(
                    actor,
                    title=item.title,
                    description=item.description,
                    community=community,
                    grid=grid,
                    category=item.category,
                    source="screening",
                    received_on=item.found_on or today,
                    request=request,
                    **extra,
                )
        except (CaseRefused, ValidationError, PermissionDenied, *refusals) as refused:
            for message in _refusal_messages(refused):
                errors.add(f"new.{index}", message)
            continue
        out.append((case, item.people_count))
    return out


# --------------------------------------------------------------------------- reading


def dispute_categories() -> list[tuple[Category, int]]:
    """The active dispute types as (category, depth), each followed by the types below it."""
    rows = list(Category.objects.filter(kind=Kind.DISPUTE, active=True).order_by("order", "id"))
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[tuple[Category, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            out.append((row, depth))
            if depth < 10:
                walk(row.pk, depth + 1)

    walk(None, 0)
    return out


def visible_case_ids(user, case_ids) -> set[int]:
    """Which of `case_ids` `user` may see (through the one door)."""
    ids = set(case_ids)
    if not ids:
        return set()
    return set(Case.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def reports_q(start: date, end: date) -> Q:
    return Q(period_start__gte=start, period_start__lte=end)
