"""The incident list's filter: GET parameters in, a queryset of visible incidents out.

The petition list's filter (:class:`~huiyin.petitions.queries.PetitionFilter`: the same text
search, date range — here the moment the street learned of it —, page sizes and tolerance of
bad values) with the incident's own parameters: status, grade, source, the type tree, open ones
only, those with no report upward yet. A bad value never fails the request: it is ignored and
named in ``notices``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cached_property

from django.db.models import Exists, OuterRef, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseQuerySet, Category
from huiyin.incidents.grading import Grade
from huiyin.incidents.models import Report, Source, Status
from huiyin.petitions.queries import MSG_INVALID, BarField, Option, PetitionFilter, page_size

PARAMS: dict[str, Promise] = {
    "q": _("Search"),
    "status": _("Status"),
    "grade": _("Grade"),
    "source": _("Source"),
    "category": _("Incident type"),
    "community": _("Community"),
    "grid": _("Grid"),
    "from": _("Learned of from"),
    "to": _("Learned of until"),
    "open": _("Open"),
    "unreported": _("No report upward yet"),
    "withdrawn": _("Withdrawn"),
    "sort": _("Sort"),
    "size": _("Per page"),
}
FLAGS = ("open", "unreported", "withdrawn")
SORTS = (
    ("-received", _("Learned of, newest first")),
    ("received", _("Learned of, oldest first")),
)
_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"", "0", "false", "off", "no"}


def _options(choices) -> list[Option]:
    return [Option(str(value), str(label)) for value, label in choices]


def unreported_q() -> Q:
    return ~Exists(Report.objects.filter(incident_id=OuterRef("pk")))


class IncidentFilter(PetitionFilter):
    """Parses the incident list's GET parameters; see the module docstring and :data:`PARAMS`."""

    labels = PARAMS

    def __init__(self, params: Mapping, user, *, today: date | None = None):
        super().__init__(params, user, today=today)

    def _ignore(self, name: str) -> None:
        message = str(MSG_INVALID) % {"name": str(PARAMS[name])}
        if message not in self.notices:
            self.notices.append(message)

    def _parse(self, params: Mapping) -> None:
        self._parse_choices(params, "status", Status.values, "status__in")
        self._parse_choices(params, "grade", Grade.values, "incident__grade__in")
        self._parse_choices(params, "source", Source.values, "incident__source__in")
        self._parse_id(params, "community", self.community_ids, "community_id")
        self._parse_id(params, "grid", self.grid_ids, "grid_id")
        self._parse_category(params)
        self._parse_dates(params)
        self._parse_text(params)
        conditions = {"open": Q(closed_at__isnull=True), "unreported": unreported_q()}
        for name in FLAGS:
            raw = self._get(params, name).lower()
            if raw in _FALSE:
                continue
            if raw not in _TRUE:
                self._ignore(name)
                continue
            self.values[name] = "1"
            if name in conditions:
                self._conditions.append(conditions[name])
        sort = self._get(params, "sort")
        if sort and sort not in dict(SORTS):
            self._ignore("sort")
            sort = ""
        self.sort = sort or "-received"
        if sort:
            self.values["sort"] = sort
        self.page_size = page_size(self._get(params, "size"))
        if self._get(params, "size"):
            self.values["size"] = str(self.page_size)

    def queryset(self, *, paged: bool = False) -> CaseQuerySet:
        cases = Case.objects.visible_to(self.user, kind=Kind.INCIDENT)
        cases = cases.filter(withdrawn=self.withdrawn)
        text = self._text_condition(paged, within=cases, kind=Kind.INCIDENT)
        for condition in self._conditions if text is None else [*self._conditions, text]:
            cases = cases.filter(condition)
        return cases

    def ordered(self, *, paged: bool = False) -> CaseQuerySet:
        cases = self.queryset(paged=paged)
        if self.sort == "received":
            return cases.order_by("received_at", "id")
        return cases.order_by("-received_at", "-id")

    @cached_property
    def chosen(self) -> dict[str, list[str]]:
        chosen: dict[str, list[str]] = {name: [] for name in PARAMS}
        for name, value in self.values.items():
            chosen[name] = value if isinstance(value, list) else [value]
        return chosen

    def bar_fields(self) -> list[BarField]:
        sources = [
            ("status", _options(Status.choices), 2),
            ("grade", _options(Grade.choices), 2),
            ("source", _options(Source.choices), 2),
            ("community", self.communities, 2),
            ("grid", self.grids, 2),
            ("category", self.categories, 2),
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

    def sort_options(self) -> list[Option]:
        return [Option(v, str(label), 0, v == self.sort) for v, label in SORTS]

    @cached_property
    def _category_tree(self) -> dict[int, int | None]:
        return dict(Category.objects.filter(kind=Kind.INCIDENT).values_list("id", "parent_id"))

    @cached_property
    def categories(self) -> list[Option]:
        rows = list(Category.objects.filter(kind=Kind.INCIDENT).order_by("order", "id"))
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
