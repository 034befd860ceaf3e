"""What each person has to do today about petitions: the items of the home page's to-do list.

Registered with :func:`huiyin.front.home.register` in ``PetitionsConfig.ready()``. Each role's
counts come from one aggregate query; every item links to the petition list (or the key-case
board, the reception calendar) filtered to exactly what it counts.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, _staff_id
from huiyin.front.home import TodoItem
from huiyin.org.access import Reach
from huiyin.org.models import Staff
from huiyin.org.roles import Perm
from huiyin.petitions.models import KeyCase, ReceptionSlot, Status

#: "Due soon" means a time limit ends within this many days (today included), as in the list.
SOON_DAYS = 3


def petition_list_url(**params) -> str:
    """The petition list with the given filters (names as the list page reads them)."""
    try:
        base = reverse("petitions:list")
    except NoReverseMatch:
        base = "/petitions/"
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


def _soon(today: date) -> Q:
    return Q(due_on__gte=today, due_on__lte=today + timedelta(days=SOON_DAYS))


def _open_petitions(user, perm: str):
    return Case.objects.visible_to(user, perm=perm, kind=Kind.PETITION).filter(
        withdrawn=False, closed_at__isnull=True
    )


def clerk_items(user, today: date) -> list[TodoItem]:
    """The petition office: decisions to take, time limits, replies to conclude."""
    counts = _open_petitions(user, Perm.PETITIONS_DECIDE).aggregate(
        registered=Count("pk", filter=Q(status=Status.REGISTERED)),
        soon=Count("pk", filter=_soon(today)),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        replied=Count("pk", filter=Q(status=Status.REPLIED)),
        key_late=Count(
            "pk",
            filter=Q(
                key_case__isnull=False,
                key_case__closed_at__isnull=True,
                key_case__time_limit__lt=today,
            ),
        ),
    )
    items = [
        TodoItem(
            _("Overdue petitions"),
            petition_list_url(due="overdue"),
            counts["overdue"],
            urgent=True,
        ),
        TodoItem(_("Petitions due within 3 days"), petition_list_url(due="soon"), counts["soon"]),
        TodoItem(
            _("Registered petitions awaiting the acceptance decision"),
            petition_list_url(status=Status.REGISTERED),
            counts["registered"],
        ),
        TodoItem(
            _("Replied petitions to conclude"),
            petition_list_url(status=Status.REPLIED),
            counts["replied"],
        ),
        TodoItem(
            _("Key cases past their time limit"),
            _board_url(state="late"),
            counts["key_late"],
            urgent=True,
        ),
    ]
    return [item for item in items if item.count]


def handler_items(user, reach: Reach, today: date) -> list[TodoItem]:
    """A department handler: matters of their unit to start, due soon, overdue."""
    counts = _open_petitions(user, Perm.PETITIONS_HANDLE).aggregate(
        waiting=Count("pk", filter=Q(status=Status.ASSIGNED)),
        soon=Count("pk", filter=_soon(today)),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
    )
    units = reach.scope(Perm.PETITIONS_HANDLE).unit_ids
    # With one unit the links name it; the list shows a handler only their unit's anyway.
    unit = next(iter(units)) if len(units) == 1 else None
    items = [
        TodoItem(
            _("Overdue matters of my unit"),
            petition_list_url(owner_unit=unit, due="overdue"),
            counts["overdue"],
            urgent=True,
        ),
        TodoItem(
            _("Matters of my unit due within 3 days"),
            petition_list_url(owner_unit=unit, due="soon"),
            counts["soon"],
        ),
        TodoItem(
            _("Matters assigned to my unit, waiting to be started"),
            petition_list_url(owner_unit=unit, status=Status.ASSIGNED),
            counts["waiting"],
        ),
    ]
    return [item for item in items if item.count]


def leader_items(user, today: date) -> list[TodoItem]:
    """A leader: their key cases and their time left, their reception slots today."""
    staff_id = _staff_id(user)
    if staff_id is None:
        return []
    visible = Case.objects.visible_to(user).values("pk")
    mine = KeyCase.objects.filter(
        leader=OuterRef("pk"), closed_at__isnull=True, case_id__in=visible
    )
    soon_end = today + timedelta(days=SOON_DAYS)
    # One query: each number is a scalar subquery on the leader's own row.
    counts = (
        Staff.objects.filter(pk=staff_id)
        .annotate(
            open=_count(mine),
            late=_count(mine.filter(time_limit__lt=today)),
            soon=_count(mine.filter(time_limit__gte=today, time_limit__lte=soon_end)),
            nearest=Subquery(mine.order_by("time_limit").values("time_limit")[:1]),
            slots=_count(ReceptionSlot.objects.filter(leader=OuterRef("pk"), date=today)),
        )
        .values("open", "late", "soon", "nearest", "slots")
        .first()
    )
    if counts is None:
        return []
    items = [
        TodoItem(
            _("My key cases past their time limit"),
            _board_url(leader=staff_id, state="late"),
            counts["late"],
            urgent=True,
        ),
        TodoItem(
            _("My key cases with 3 days or less left"),
            _board_url(leader=staff_id),
            counts["soon"],
        ),
    ]
    if counts["open"]:
        days = (counts["nearest"] - today).days
        label = (
            _("My key cases (the nearest time limit is in %(days)s days)") % {"days": days}
            if days >= 0
            else _("My key cases")
        )
        items.append(TodoItem(label, _board_url(leader=staff_id), counts["open"]))
    items.append(
        TodoItem(
            _("My reception slots today"),
            _reception_url(today),
            counts["slots"],
        )
    )
    return [item for item in items if item.count]


def _count(rows: QuerySet) -> Coalesce:
    """The number of `rows` (correlated on the outer row) as a scalar subquery."""
    counted = rows.order_by().values("leader").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _board_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    base = reverse("petitions:keycases")
    return f"{base}?{query}" if query else base


def _reception_url(today: date) -> str:
    return reverse("petitions:reception") + "?" + urlencode({"month": today.strftime("%Y-%m")})


def petition_todos(user, reach: Reach) -> list[TodoItem]:
    """The home page provider: the items of each petition role the person holds."""
    today = timezone.localdate()
    items: list[TodoItem] = []
    if reach.can(Perm.PETITIONS_DECIDE):
        items += clerk_items(user, today)
    if reach.can(Perm.PETITIONS_HANDLE):
        items += handler_items(user, reach, today)
    if reach.can(Perm.PETITIONS_APPROVE):
        items += leader_items(user, today)
    return items


# --------------------------------------------------------------------------- home page panels

#: The petitions a community worker registered, newest first, on their home page.
REGISTERED_ROWS = 20
#: Upcoming reception slots shown to a leader.
RECEPTION_ROWS = 5


def upcoming_receptions(user, today: date, limit: int = RECEPTION_ROWS) -> list[ReceptionSlot]:
    """The leader's own reception slots (reception days, outreach, roving), from today on."""
    staff_id = _staff_id(user)
    if staff_id is None:
        return []
    return list(
        ReceptionSlot.objects.filter(leader_id=staff_id, date__gte=today)
        .select_related("community")
        .order_by("date", "start_time", "id")[:limit]
    )


def reception_calendar_url(user, day: date) -> str:
    """The reception calendar at the month of `day`, showing the person's own slots."""
    params = {"month": day.strftime("%Y-%m"), "leader": _staff_id(user) or ""}
    return reverse("petitions:reception") + "?" + urlencode(params)


def registered_by(user, limit: int = REGISTERED_ROWS) -> list[Case]:
    """The latest petitions the person registered, through the door (at most `limit`)."""
    return list(
        Case.objects.visible_to(user, kind=Kind.PETITION)
        .filter(created_by_id=user.pk, withdrawn=False)
        .select_related("community")
        .order_by("-received_at", "-id")[:limit]
    )
