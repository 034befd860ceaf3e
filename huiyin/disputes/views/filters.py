"""The dispute list's filter: GET parameters in, a queryset of visible disputes out.

    disputes = DisputeFilter(request.GET, request.user)
    cases = disputes.ordered(paged=True)   # Case rows (kind dispute), through visible_to(user)
    disputes.notices                       # messages for values that were ignored
    list_url(mine=True, awaiting="performance")  # -> "/disputes/?mine=1&awaiting=performance"

It is the petition list's filter (:class:`~huiyin.petitions.queries.PetitionFilter`: the same
text search, received range, time-limit choices, sort orders, page sizes and tolerance of bad
values) with the dispute's own parameters: source, tier, committee, the dispute type tree, and
the mediator's questions (assigned to me, sessions this week, agreements awaiting performance,
the parties' confirmation windows closing). A bad value never fails the request: it is ignored
and named in ``notices``. The parameter names are a contract: the home page's to-do items link
with them (:mod:`huiyin.disputes.home`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseQuerySet, Category, Clock, staff_of
from huiyin.disputes import clocks
from huiyin.disputes.models import (
    Committee,
    Dispute,
    MediationSession,
    Source,
    Status,
    Tier,
)
from huiyin.petitions.queries import (
    DUE_CHOICES,
    MSG_INVALID,
    BarField,
    Option,
    PetitionFilter,
    page_size,
)

#: "Closing" confirmation windows: the parties' last day is within this many days.
WINDOW_SOON_DAYS = 7

#: Every parameter the filter understands, with its label (filter bar and notices).
PARAMS: dict[str, Promise] = {
    "q": _("Search"),
    "status": _("Status"),
    "source": _("Source"),
    "tier": _("Tier"),
    "category": _("Dispute type"),
    "committee": _("Committee"),
    "community": _("Community"),
    "grid": _("Grid"),
    "due": _("Time limit"),
    "awaiting": _("Awaiting"),
    "session": _("Sessions"),
    "from": _("Received from"),
    "to": _("Received until"),
    "mine": _("Assigned to me"),
    "open": _("Open"),
    "withdrawn": _("Withdrawn"),
    "sort": _("Sort"),
    "size": _("Per page"),
}
FLAGS = ("mine", "open", "withdrawn")
MULTI = ("status", "source", "tier")

AWAITING_CHOICES = (
    ("performance", _("Agreements awaiting performance")),
    ("window", _("Confirmation windows closing within 7 days")),
)
SESSION_CHOICES = (("week", _("A session held this week")),)

_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"", "0", "false", "off", "no"}


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week of `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def mine_q(user) -> Q:
    """Disputes the person mediates: a mediator post of theirs is assigned, or they own it."""
    staff_id = staff_of(user)[0]
    if staff_id is None:
        return Q(pk__in=[])
    assigned = Dispute.mediators.through.objects.filter(mediator__staff_id=staff_id)
    return Q(pk__in=assigned.values("dispute_id")) | Q(owner_id=staff_id)


def awaiting_performance_q() -> Q:
    """An agreement in effect with a term not yet settled (its performance clock runs)."""
    running = Clock.objects.filter(code=clocks.PERFORMANCE, stopped_at__isnull=True)
    return Q(pk__in=running.values("case_id"))


def window_closing_q(today: date) -> Q:
    """The parties' judicial-confirmation window open and ending within WINDOW_SOON_DAYS."""
    windows = Clock.objects.filter(
        code=clocks.CONFIRMATION,
        stopped_at__isnull=True,
        due_on__gte=today,
        due_on__lte=today + timedelta(days=WINDOW_SOON_DAYS),
    )
    return Q(pk__in=windows.values("case_id"))


def session_week_q(today: date) -> Q:
    monday, sunday = week_of(today)
    held = MediationSession.objects.filter(on__gte=monday, on__lte=sunday)
    return Q(pk__in=held.values("dispute_id"))


def list_url(**filters) -> str:
    """The dispute list with these filters, e.g. ``list_url(mine=True, due="overdue")``."""
    pairs: list[tuple[str, str]] = []
    for key, value in filters.items():
        name = "from" if key == "from_" else key
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is None or item is False or item == "":
                continue
            text = "1" if item is True else getattr(item, "pk", item)
            text = text.isoformat() if isinstance(text, date) else str(text)
            pairs.append((name, text))
    base = reverse("disputes:list")
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _options(choices) -> list[Option]:
    return [Option(str(value), str(label)) for value, label in choices]


class DisputeFilter(PetitionFilter):
    """Parses the dispute list's GET parameters; see the module docstring and :data:`PARAMS`."""

    labels = PARAMS

    def __init__(self, params: Mapping, user, *, today: date | None = None):
        super().__init__(params, user, today=today)

    # ------------------------------------------------------------------ parsing

    def _ignore(self, name: str) -> None:
        message = str(MSG_INVALID) % {"name": str(PARAMS[name])}
        if message not in self.notices:
            self.notices.append(message)

    def _parse(self, params: Mapping) -> None:
        self._parse_choices(params, "status", Status.values, "status__in")
        # The dispute's own columns: their conditions are on the dispute (see _own_column).
        self._parse_choices(params, "source", Source.values, "source__in")
        self._own_column("source")
        self._parse_choices(params, "tier", Tier.values, "tier__in")
        self._own_column("tier")
        self._parse_id(params, "community", self.community_ids, "community_id")
        self._parse_id(params, "grid", self.grid_ids, "grid_id")
        self._parse_id(params, "committee", self.committee_ids, "committee_id")
        self._own_column("committee")
        self._parse_category(params)
        self._parse_due(params)
        self._parse_one(params, "awaiting", AWAITING_CHOICES)
        self._parse_one(params, "session", SESSION_CHOICES)
        self._parse_dates(params)
        self._parse_text(params)
        self._parse_dispute_flags(params)
        sort = self._get(params, "sort")
        if sort and sort not in {"due", "-received", "received"}:
            self._ignore("sort")
            sort = ""
        self.sort = sort or "due"
        if sort:
            self.values["sort"] = sort
        self.page_size = page_size(self._get(params, "size"))
        if self._get(params, "size"):
            self.values["size"] = str(self.page_size)

    def _own_column(self, name: str) -> None:
        """The condition just parsed for `name` is on the dispute's own row: the case's key
        among the disputes meeting it, ``pk IN (SELECT case_id FROM disputes_dispute WHERE
        …)``. The databases read those disputes from their index (``dispute_tier_case`` …)
        and find each case by key in the covering index ``dispute_case_filters`` (migration
        0008), where a join read each case's row by SQLite's rowid (bench/README.md)."""
        if name not in self.values:
            return  # not given, or ignored: nothing was added
        on_dispute = self._conditions.pop()
        self._conditions.append(Q(pk__in=Dispute.objects.filter(on_dispute).values("case_id")))

    def _parse_one(self, params: Mapping, name: str, choices) -> None:
        value = self._get(params, name)
        if not value:
            return
        conditions = {
            "performance": awaiting_performance_q,
            "window": lambda: window_closing_q(self.today),
            "week": lambda: session_week_q(self.today),
        }
        if value not in dict(choices):
            self._ignore(name)
            return
        self.values[name] = value
        self._conditions.append(conditions[value]())

    def _parse_dispute_flags(self, params: Mapping) -> None:
        conditions = {
            "mine": lambda: mine_q(self.user),
            "open": lambda: Q(closed_at__isnull=True),
        }
        for name in FLAGS:
            raw = self._get(params, name).lower()
            if raw in _FALSE:
                continue
            if raw not in _TRUE:
                self._ignore(name)
                continue
            self.values[name] = "1"
            if name in conditions:
                self._conditions.append(conditions[name]())

    # ------------------------------------------------------------------ results

    def queryset(self, *, paged: bool = False) -> CaseQuerySet:
        """The visible disputes (Case rows) matching every valid filter, unordered."""
        cases = Case.objects.visible_to(self.user, kind=Kind.DISPUTE)
        cases = cases.filter(withdrawn=self.withdrawn)
        text = self._text_condition(paged, within=cases, kind=Kind.DISPUTE)
        for condition in self._conditions if text is None else [*self._conditions, text]:
            cases = cases.filter(condition)
        return cases

    @cached_property
    def chosen(self) -> dict[str, list[str]]:
        chosen: dict[str, list[str]] = {name: [] for name in PARAMS}
        for name, value in self.values.items():
            chosen[name] = value if isinstance(value, list) else [value]
        return chosen

    def bar_fields(self) -> list[BarField]:
        """The selects of the filter bar, with the current values selected."""
        sources: list[tuple[str, list[Option], int]] = [
            ("status", _options(Status.choices), 2),
            ("source", _options(Source.choices), 2),
            ("tier", _options(Tier.choices), 2),
            ("due", _options(DUE_CHOICES), 1),
            ("awaiting", _options(AWAITING_CHOICES), 2),
            ("session", _options(SESSION_CHOICES), 1),
            ("community", self.communities, 2),
            ("grid", self.grids, 2),
            ("category", self.categories, 2),
            ("committee", self.committees, 2),
        ]
        fields = []
        for name, options, width in sources:
            chosen = set(self.chosen[name])
            fields.append(
                BarField(
                    name,
                    str(PARAMS[name]),
                    [
                        Option(o.value, "— " * o.depth + o.label, o.depth, o.value in chosen)
                        for o in options
                    ],
                    multiple=len(chosen) > 1,
                    width=width,
                )
            )
        return fields

    def flag_fields(self) -> list[tuple[str, str, bool]]:
        return [(name, str(PARAMS[name]), bool(self.chosen[name])) for name in FLAGS]

    # ------------------------------------------------------------------ options

    @cached_property
    def committees(self) -> list[Option]:
        rows = Committee.objects.order_by("order", "id").values_list("pk", "name")
        return [Option(str(pk), name) for pk, name in rows]

    def committee_ids(self) -> set[int]:
        return {int(o.value) for o in self.committees}

    @cached_property
    def _category_tree(self) -> dict[int, int | None]:
        return dict(Category.objects.filter(kind=Kind.DISPUTE).values_list("id", "parent_id"))

    @cached_property
    def categories(self) -> list[Option]:
        rows = list(Category.objects.filter(kind=Kind.DISPUTE).order_by("order", "id"))
        children: dict[int | None, list[Category]] = {}
        for row in rows:
            children.setdefault(row.parent_id, []).append(row)
        result: list[Option] = []

        def walk(parent: int | None, depth: int) -> None:
            if depth > 10:  # a loop in bad data must not hang the page
                return
            for node in children.get(parent, []):
                result.append(Option(str(node.pk), node.name, depth))
                walk(node.pk, depth + 1)

        walk(None, 0)
        return result


__all__ = [
    "AWAITING_CHOICES",
    "PARAMS",
    "SESSION_CHOICES",
    "WINDOW_SOON_DAYS",
    "DisputeFilter",
    "awaiting_performance_q",
    "list_url",
    "mine_q",
    "session_week_q",
    "week_of",
    "window_closing_q",
]
