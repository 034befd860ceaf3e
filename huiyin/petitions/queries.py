"""The petition list's filter: GET parameters in, a queryset of visible petitions out.

    petitions = PetitionFilter(request.GET, request.user)
    cases = petitions.queryset()          # Case rows (kind petition), through visible_to(user)
    petitions.notices                     # Chinese messages for values that were ignored
    list_url(status="registered", due="overdue")   # -> "/petitions/?status=registered&due=overdue"

The parameter names are a contract: the dashboard, the home page and the ledger export build
drill-down links with them (see :data:`PARAMS`). A bad value never fails the request: it is
ignored and named in ``notices``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.db.models.sql.where import WhereNode
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds, search
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseQuerySet, Category, Clock
from huiyin.org import own_streets
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid, Staff, Unit
from huiyin.org.roles import ROLE_PERMISSIONS, Perm
from huiyin.petitions.models import (
    LEVEL_RANK,
    Channel,
    Level,
    Petitioner,
    Satisfaction,
    Status,
)
from huiyin.privacy import masking
from huiyin.privacy.fields import lookup_q
from huiyin.privacy.validators import validate_phone, validate_resident_id

#: "Due soon": a running office clock whose last day is within this many days (today included).
DUE_SOON_DAYS = 3
#: Longest text search accepted; longer input is cut.
MAX_QUERY_LENGTH = 100
#: A text search within a received-date range of at most this many days reads that range's
#: cases (an index range) and tests each; a longer or open range asks the search index. A
#: common word's index hits over all years outnumber a few months' cases (bench/README.md).
#: A reader of several streets reads each street's days: ten streets, 18 days (a city's 100
#: days are 270,000 cases to test, bench/README.md "A city").
SCAN_DAYS = 183
#: A text search over a longer or open period counts and lists at most this many matters (the
#: first in the chosen order), like a search engine's result pages: counting or sorting every
#: hit of a common word over ten years means reading tens of thousands of rows on each page
#: (bench/README.md). The ledger export of the same search holds every match.
TEXT_MATCH_LIMIT = 1000
#: The most matters a list counts exactly; past it the list says "more than" (CasePaginator).
COUNT_LIMIT = 100_000
#: From this many matters a page past the middle is picked from the far end (CasePaginator).
#: Fewer are sorted whole by the database wherever the page is; walking an order's index
#: backwards to a few filtered rows can read millions of entries first (a street's last page
#: of 100 days in a city: 642 ms, bench/README.md "A city").
REVERSE_FROM = 10_000
#: Page sizes offered; another number asks for the nearest one below it (at least the first).
PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50
#: Most cases named by ``ids`` (a selection: batch export, batch assignment); more are refused.
MAX_IDS = 500
#: Longest identity accepted by the petitioner lookup; longer input is refused, not cut.
MAX_PERSON_LENGTH = 40

#: Every parameter the filter understands, with the label shown in the filter bar and notices.
PARAMS: dict[str, Promise] = {
    "q": _("Search"),
    "status": _("Status"),
    "channel": _("Channel"),
    "level": _("Lodged at"),
    "community": _("Community"),
    "grid": _("Grid"),
    "category": _("Category"),
    "owner_unit": _("Responsible unit"),
    "owner": _("Handler"),
    "due": _("Time limit"),
    "from": _("Received from"),
    "to": _("Received until"),
    "reception_leader": _("Received by leader"),
    "satisfaction": _("Satisfaction"),
    "answered": _("Reply time"),
    "collective": _("Collective visits"),
    "first": _("First petitions"),
    "repeat": _("Repeat petitions"),
    "over_level": _("Over-level"),
    "upward": _("Lodged at a higher level"),
    "key": _("Key cases"),
    "open": _("Open"),
    "concluded": _("Concluded"),
    "returned": _("Returned to the sender"),
    "withdrawn": _("Withdrawn"),
    "ids": _("Selected matters"),
    "sort": _("Sort"),
    "size": _("Per page"),
}
#: Parameters that shape the page, not the rows: kept out of exports and drill-down links.
DISPLAY = ("sort", "size")

FLAGS = (
    "collective",
    "first",
    "repeat",
    "over_level",
    "upward",
    "key",
    "open",
    "concluded",
    "returned",
    "withdrawn",
)
MULTI = ("status", "channel", "level", "answered")

DUE_CHOICES = (("soon", _("Due within 3 days")), ("overdue", _("Overdue")))
#: Replied within the handling time limit or after it: the statistics' on-time rate counts
#: the petitions whose handling clock stopped with the reply (its latest such clock).
ANSWERED_CHOICES = (("on_time", _("Answered on time")), ("late", _("Answered late")))
_ANSWERED_OUTCOME = {"on_time": Clock.Outcome.MET, "late": Clock.Outcome.LATE}
SORT_CHOICES = (
    ("due", _("Due date, nearest first")),
    ("-received", _("Received, newest first")),
    ("received", _("Received, oldest first")),
)
DEFAULT_SORT = "due"

MSG_INVALID = _("The filter “%(name)s” has a value that is not valid; it was ignored.")
MSG_DATES_REVERSED = _("The start date is after the end date; the date range was ignored.")
MSG_TOO_MANY_IDS = _(
    "At most %(limit)s matters can be selected at once; the selection was not used and "
    "nothing is listed."
)
MSG_PERSON_TOO_LONG = _(
    "The petitioner lookup takes at most %(limit)s characters; nothing was looked up."
)
MSG_PERSON_INVALID = _(
    "The petitioner lookup takes a full name, an 18-digit resident ID or a phone number; "
    "“%(value)s” is none of these, so nothing was looked up."
)
#: How a looked-up identity is read: (kind, blind index field, index purpose).
PERSON_BY_NAME = ("name", "name_hash", "name")
PERSON_BY_ID = ("id_number", "id_number_hash", "resident_id")
PERSON_BY_PHONE = ("phone", "phone_hash", "phone")

_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"", "0", "false", "off", "no"}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def due_soon_q(today: date | None = None) -> Q:
    """Open cases whose nearest office clock ends today or within :data:`DUE_SOON_DAYS` days."""
    today = today or timezone.localdate()
    return Q(
        closed_at__isnull=True,
        withdrawn=False,
        due_on__gte=today,
        due_on__lte=today + timedelta(days=DUE_SOON_DAYS),
    )


def overdue_q(today: date | None = None) -> Q:
    """Open cases whose nearest office clock ended before today."""
    today = today or timezone.localdate()
    return Q(closed_at__isnull=True, withdrawn=False, due_on__lt=today)


def _above_q(prefix: str, skip: int) -> Q:
    """Petitions lodged more than `skip` levels above the level that should handle them."""
    condition = Q(pk__in=[])
    for handling, rank in LEVEL_RANK.items():
        higher = [level for level, r in LEVEL_RANK.items() if r > rank + skip]
        if higher:
            condition |= Q(**{f"{prefix}handling_level": handling, f"{prefix}level__in": higher})
    return condition


def over_level_q(prefix: str = "petition__") -> Q:
    """越级访 (条例 art. 20), on Case rows: lodged above the level that should handle the
    matter and the next level up (a street matter at the city, province or national level)."""
    return _above_q(prefix, 1)


def upward_q(prefix: str = "petition__") -> Q:
    """Petitions lodged at any level above the one that should handle them (district and up
    for a street matter), on Case rows."""
    return _above_q(prefix, 0)


def start_of_day(day: date) -> datetime:
    """Midnight of `day` in Beijing: received dates are Asia/Shanghai local dates."""
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


def list_url(**filters) -> str:
    """The list URL with these filters, e.g. ``list_url(community=3, due="overdue")``.

    ``from`` is a Python keyword: pass ``from_=`` (or ``**{"from": ...}``). Values may be
    strings, numbers, dates, booleans (True -> "1"), model instances (their id) or lists;
    None, False and "" are left out.
    """
    return reverse("petitions:list") + _query(filters)


def _query(filters: Mapping) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in filters.items():
        name = "from" if key == "from_" else key
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        for item in values:
            text = _param_text(item)
            if text:
                pairs.append((name, text))
    return "?" + urlencode(pairs) if pairs else ""


def _param_text(value) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "_meta") and hasattr(value, "pk"):
        return str(value.pk)
    return str(value).strip()


class CasePaginator(Paginator):
    """Django's paginator for large ordered querysets: a page is one query that picks the
    page's ids first and joins only their rows.

    Django's own asks for ``rows[offset:offset + n]``, so the database joins and builds every
    row it skips. Here the page's ids are picked from the filtered cases alone, in their order
    (on a million cases an index walk: see the ``case_list_*`` indexes), and only those rows
    get their joins and annotations; of more than :data:`REVERSE_FROM` rows, a page past the
    middle is picked from the other end in the reversed order, so the last page costs what
    the first does. The order must end on a
    unique column (the id), or reversing it would not give the same pages.

    With `limit`, only the first `limit` rows are counted and paged through (``truncated``
    tells whether there were more): one query fetches their ids in order, and a page is a
    slice of them.

    Without it, the rows are counted up to :data:`COUNT_LIMIT`: past it the list says "more
    than" and pages through the first that many (a count of a city's ten million cases is a
    scan of them all, for a figure nobody pages through; the statistics count exactly).
    """

    def __init__(
        self,
        object_list,
        per_page,
        *,
        limit: int | None = None,
        count_limit: int | None = None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit
        self.count_limit = COUNT_LIMIT if count_limit is None else count_limit
        self.truncated = False

    @property
    def shown(self) -> int:
        """The most rows listed: what "more than" refers to."""
        return self.limit if self.limit is not None else self.count_limit

    @cached_property
    def _first_ids(self) -> list[int]:
        """With a limit: the ids of the first `limit` rows and one more, in order (one query
        that both counts and pages)."""
        return list(self.object_list.values_list("pk", flat=True)[: self.limit + 1])

    @cached_property
    def count(self) -> int:
        if self.limit is None:
            # No order: the database counts from whichever index is smallest.
            found = self.object_list.order_by()[: self.count_limit + 1].count()
            self.truncated = found > self.count_limit
            return min(found, self.count_limit)
        found = len(self._first_ids)
        self.truncated = found > self.limit
        return min(found, self.limit)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        total = self.count
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= total:
            top = total
        rows: QuerySet = self.object_list
        if top <= bottom:
            return self._get_page(rows.none(), number, self)
        if self.limit is not None:
            ids = self._first_ids[bottom:top]
        elif bottom > total - top and total > REVERSE_FROM and not self.truncated:
            ids = rows.reverse().values("pk")[total - top : total - bottom]
        else:
            ids = rows.values("pk")[bottom:top]
        # The ids carry every filter: the outer query only joins their rows (evaluating the
        # filters twice would, for instance, run a text search twice). Its joins are all to
        # single rows (foreign keys), so dropping the conditions cannot repeat a row.
        page_rows = rows.all()
        page_rows.query.where = WhereNode()
        return self._get_page(page_rows.filter(pk__in=ids), number, self)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    depth: int = 0  # indentation in the category tree
    selected: bool = False


@dataclass(frozen=True)
class BarField:
    """One select of the filter bar."""

    name: str
    label: str
    options: list[Option]
    multiple: bool = False
    width: int = 2  # columns of twelve on a wide screen


class PetitionFilter:
    """Parses the list's GET parameters; see the module docstring and :data:`PARAMS`."""

    def __init__(
        self, params: Mapping, user, *, today: date | None = None, person: str | None = None
    ):
        self.user = user
        self.today = today or timezone.localdate()
        #: The valid values, as strings (lists for the MULTI parameters): for forms and links.
        self.values: dict[str, str | list[str]] = {}
        #: Translated messages for the values that were ignored.
        self.notices: list[str] = []
        self._conditions: list[Q] = []
        self._satisfaction: str | None = None
        self._answered: list[str] = []
        self._category_ids: set[int] = set()
        self._received: tuple[date | None, date | None] = (None, None)
        #: At most this many matches are counted and listed (a text search over a long period).
        self.match_limit: int | None = None
        self._text: tuple[str, Q] | None = None  # a search over a long or open period
        #: The petitioner lookup (see :meth:`_parse_person`): never in ``values``, so never in
        #: a link, an export or the page's address.
        self.person: str = ""
        self.person_kind: str = ""
        self.person_masked: str = ""
        self._parse(params)
        if person is not None:
            self._parse_person(person)

    # ------------------------------------------------------------------ parsing

    def _ignore(self, name: str) -> None:
        message = str(MSG_INVALID) % {"name": str(PARAMS[name])}
        if message not in self.notices:
            self.notices.append(message)

    @staticmethod
    def _get_all(params: Mapping, name: str) -> list[str]:
        if hasattr(params, "getlist"):
            raw = params.getlist(name)
        else:
            value = params.get(name)
            raw = list(value) if isinstance(value, list | tuple) else [value]
        # NUL characters never reach the database (PostgreSQL refuses them in text).
        texts = (bounds.strip_nul(str(v)).strip() for v in raw if v is not None)
        return [text for text in texts if text]

    def _get(self, params: Mapping, name: str) -> str:
        values = self._get_all(params, name)
        return values[-1] if values else ""

    def _parse(self, params: Mapping) -> None:
        self._parse_choices(params, "status", Status.values, "status__in")
        self._parse_choices(params, "channel", Channel.values, "petition__channel__in")
        self._parse_choices(params, "level", Level.values, "petition__level__in")
        self._parse_id(params, "community", self.community_ids, "community_id")
        self._parse_id(params, "grid", self.grid_ids, "grid_id")
        self._parse_category(params)
        self._parse_id(params, "owner_unit", self.unit_ids, "owner_unit_id")
        self._parse_id(params, "owner", self.owner_ids, "owner_id")
        self._parse_id(
            params, "reception_leader", self.leader_ids, "petition__reception_slot__leader_id"
        )
        self._parse_due(params)
        self._parse_dates(params)
        self._parse_text(params)
        self._parse_flags(params)
        self._parse_ids(params)
        self._parse_answered(params)
        satisfaction = self._get(params, "satisfaction")
        if satisfaction:
            if satisfaction in Satisfaction.values:
                self.values["satisfaction"] = satisfaction
                self._satisfaction = satisfaction
            else:
                self._ignore("satisfaction")
        sort = self._get(params, "sort")
        if sort and sort not in dict(SORT_CHOICES):
            self._ignore("sort")
            sort = ""
        self.sort = sort or DEFAULT_SORT
        if sort:
            self.values["sort"] = sort
        self.page_size = page_size(self._get(params, "size"))
        if self._get(params, "size"):
            self.values["size"] = str(self.page_size)

    def _parse_choices(self, params: Mapping, name: str, allowed: list[str], lookup: str):
        chosen = []
        for value in self._get_all(params, name):
            if value in allowed:
                if value not in chosen:
                    chosen.append(value)
            else:
                self._ignore(name)
        if chosen:
            self.values[name] = chosen
            self._conditions.append(Q(**{lookup: chosen}))

    def _parse_answered(self, params: Mapping) -> None:
        chosen = []
        for value in self._get_all(params, "answered"):
            if value not in _ANSWERED_OUTCOME:
                self._ignore("answered")
            elif value not in chosen:
                chosen.append(value)
        if chosen:
            self.values["answered"] = chosen
            self._answered = [_ANSWERED_OUTCOME[value] for value in chosen]

    def _parse_id(self, params: Mapping, name: str, known: Iterable[int] | None, lookup: str):
        raw = self._get(params, name)
        if not raw:
            return
        value = bounds.bounded_int(raw, 1, bounds.MAX_ID)
        # The option lists are loaded only when the parameter is given.
        if value is None or value not in (known() if callable(known) else known):
            self._ignore(name)
            return
        self.values[name] = str(value)
        self._conditions.append(Q(**{lookup: value}))

    def _parse_category(self, params: Mapping) -> None:
        raw = self._get(params, "category")
        if not raw:
            return
        value = bounds.bounded_int(raw, 1, bounds.MAX_ID)
        tree = self._category_tree
        if value is None or value not in tree:
            self._ignore("category")
            return
        # The category and every category below it, at any depth.
        wanted, frontier = {value}, [value]
        while frontier:
            children = [c for c, parent in tree.items() if parent in frontier and c not in wanted]
            wanted.update(children)
            frontier = children
        self.values["category"] = str(value)
        self._category_ids = wanted
        self._conditions.append(Q(category_id__in=sorted(wanted)))

    def _parse_due(self, params: Mapping) -> None:
        due = self._get(params, "due")
        if not due:
            return
        if due == "soon":
            self._conditions.append(due_soon_q(self.today))
        elif due == "overdue":
            self._conditions.append(overdue_q(self.today))
        else:
            self._ignore("due")
            return
        self.values["due"] = due

    def _parse_day(self, params: Mapping, name: str) -> date | None:
        raw = self._get(params, name)
        if not raw:
            return None
        try:
            if not _ISO_DAY.fullmatch(raw):
                raise ValueError(raw)
            day = date.fromisoformat(raw)
        except ValueError:
            self._ignore(name)
            return None
        # Clamped to the calendar years the system supports (9999-12-31 is "no end").
        return bounds.clamp_date(day)

    def _parse_dates(self, params: Mapping) -> None:
        start, end = self._parse_day(params, "from"), self._parse_day(params, "to")
        if start and end and start > end:
            self.notices.append(str(MSG_DATES_REVERSED))
            return
        self._received = (start, end)
        if start:
            self.values["from"] = start.isoformat()
            self._conditions.append(Q(received_at__gte=start_of_day(start)))
        if end:
            self.values["to"] = end.isoformat()
            self._conditions.append(Q(received_at__lt=start_of_day(end + timedelta(days=1))))

    def _parse_text(self, params: Mapping) -> None:
        text = self._get(params, "q")[:MAX_QUERY_LENGTH]
        if not text:
            return
        self.values["q"] = text
        # Only plain columns: names, IDs and phones are encrypted and never searched here.
        # Chinese and digits have no case: a plain LIKE then finds the same rows, and on
        # PostgreSQL at half the cost of UPPER(column) LIKE UPPER(text) on every row.
        lookup = "icontains" if text.lower() != text.upper() else "contains"
        substring = (
            Q(**{f"number__{lookup}": text})
            | Q(**{f"title__{lookup}": text})
            | Q(**{f"description__{lookup}": text})
        )
        # The bigram index finds the candidates; the substring test confirms them unless the
        # index alone is exact (see cases/search.py). Punctuation only, or a short period:
        # the test alone.
        start, end = self._received
        if start is not None and ((end or self.today) - start).days * self._streets() < SCAN_DAYS:
            self._conditions.append(substring)
            return
        self.match_limit = TEXT_MATCH_LIMIT
        self._text = (text, substring)

    def _streets(self) -> int:
        """How many streets the list reads: a period's cases to test are every street's."""
        return max(1, len(reach_of(self.user).street_ids)) if self.user is not None else 1

    def _some_streets(self) -> frozenset[int] | None:
        """The reader's streets when they are not every street in the database (the lists
        then name them: the text index can too); None otherwise."""
        if self.user is None or own_streets.every_street(self.user):
            return None
        return reach_of(self.user).street_ids or None

    def _text_condition(
        self, paged: bool, within: CaseQuerySet | None = None, kind: str | None = None
    ) -> Q | None:
        """The text search's condition; `within`: the list's cases of `kind` before it (the
        search reads them as a sample to choose how to find the first matches)."""
        if self._text is None:
            return None
        text, substring = self._text
        # A list with no other filter reads only the first matches, in its order.
        alone = paged and not (self._conditions or self._satisfaction or self._answered)
        indexed, exact = search.matching(
            text,
            first=TEXT_MATCH_LIMIT + 1 if alone else None,
            within=within,
            kind=kind,
            streets=self._some_streets(),
        )
        if indexed is None:
            return substring
        return indexed if exact else indexed & substring

    def _parse_ids(self, params: Mapping) -> None:
        """``ids``: a selection of cases (comma-separated or repeated), at most MAX_IDS.

        A malformed id is ignored with a notice; too many refuse the whole selection and then
        nothing matches (an export of a refused selection must not become an export of all).
        """
        raw = [part for value in self._get_all(params, "ids") for part in value.split(",")]
        raw = [part.strip() for part in raw if part.strip()]
        if not raw:
            return
        if len(raw) > MAX_IDS:
            self.notices.append(str(MSG_TOO_MANY_IDS) % {"limit": MAX_IDS})
            self._conditions.append(Q(pk__in=[]))
            return
        ids: list[int] = []
        for part in raw:
            value = bounds.bounded_int(part, 1, bounds.MAX_ID)
            if value is None:
                self._ignore("ids")
            elif value not in ids:
                ids.append(value)
        if ids:
            self.values["ids"] = ",".join(map(str, ids))
            self._conditions.append(Q(pk__in=ids))

    def _parse_person(self, raw: str) -> None:
        """The petitioner lookup: an exact name, resident ID or phone, by its blind index.

        Only for those who may see identities; for anyone else it is ignored. Matches the
        matters (cases) any petitioner of which has that name, ID or phone; the value itself
        is kept out of ``values`` (links, exports) and only its masked form is shown.
        """
        if not reach_of(self.user).can(Perm.IDENTITY_VIEW):
            return
        text = bounds.strip_nul(str(raw or "")).strip()
        if not text:
            return
        if len(text) > MAX_PERSON_LENGTH:
            self.notices.append(str(MSG_PERSON_TOO_LONG) % {"limit": MAX_PERSON_LENGTH})
            return
        self.person = text
        found = _read_person(text)
        if found is None:
            # Shown masked like the rest: stars, the last four characters of a long value.
            shown = "*" * len(text) if len(text) <= 8 else "*" * (len(text) - 4) + text[-4:]
            self.notices.append(str(MSG_PERSON_INVALID) % {"value": shown})
            self._conditions.append(Q(pk__in=[]))
            return
        (kind, index_field, purpose), value, masked = found
        self.person_kind, self.person_masked = kind, masked
        people = Petitioner.objects.filter(lookup_q(index_field, value, purpose))
        self._conditions.append(Q(pk__in=people.values("petition_id")))

    @property
    def person_active(self) -> bool:
        return bool(self.person_kind)

    def _parse_flags(self, params: Mapping) -> None:
        conditions = {
            "collective": Q(petition__is_collective=True),
            "first": Q(petition__is_repeat=False),
            "repeat": Q(petition__is_repeat=True),
            "over_level": over_level_q(),
            "upward": upward_q(),
            "key": Q(key_case__isnull=False),
            "open": Q(closed_at__isnull=True),
            # 办结: not a matter returned to the sender (条例 art. 23), which the street never
            # handled (the statistics count it apart, as "returned").
            "concluded": Q(status=Status.CONCLUDED, petition__sender_agreed_on__isnull=True),
            "returned": Q(petition__sender_agreed_on__isnull=False),
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
                self._conditions.append(conditions[name])

    # ------------------------------------------------------------------ results

    @property
    def withdrawn(self) -> bool:
        """Withdrawn matters leave the list; `withdrawn=1` shows only them."""
        return self.values.get("withdrawn") == "1"

    def queryset(self, *, paged: bool = False) -> CaseQuerySet:
        """The visible petitions (Case rows) matching every valid filter, unordered.

        `paged`: only the first rows in an indexed order will be read (the list, which reads
        at most :attr:`match_limit` of a text search), not all of them (an export).
        """
        cases = Case.objects.visible_to(self.user, kind=Kind.PETITION)
        cases = cases.filter(withdrawn=self.withdrawn)
        text = self._text_condition(paged)
        for condition in self._conditions if text is None else [*self._conditions, text]:
            cases = cases.filter(condition)
        if self._satisfaction:
            # The petitioner's latest satisfaction (a later follow-up supersedes an earlier one).
            cases = cases.filter(petition__latest_rating=self._satisfaction)
        if self._answered:
            # As the statistics count it: the outcome of the latest stopped handling clock.
            cases = cases.filter(petition__latest_handling__in=self._answered)
        return cases

    def ordered(self, *, paged: bool = False) -> CaseQuerySet:
        """:meth:`queryset` in the chosen order (nearest due date first by default)."""
        cases = self.queryset(paged=paged)
        if self.sort == "received":
            return cases.order_by("received_at", "id")
        if self.sort == "-received":
            return cases.order_by("-received_at", "-id")
        return cases.order_by(F("due_on").asc(nulls_last=True), "-received_at", "-id")

    @property
    def filters(self) -> dict[str, str | list[str]]:
        """The valid filter values without the sort order and page size (for export and
        drill-down links). Never the petitioner lookup, which is not among the values."""
        return {k: v for k, v in self.values.items() if k not in DISPLAY}

    def hidden_fields(self, *, without: Iterable[str] = ()) -> list[tuple[str, str]]:
        """The valid values as (name, value) pairs, for hidden inputs of a GET form."""
        pairs = []
        for name, value in self.values.items():
            if name in without:
                continue
            for item in value if isinstance(value, list) else [value]:
                pairs.append((name, item))
        return pairs

    def summary(self) -> list[tuple[str, str]]:
        """(label, chosen values as text) of each filter in use: for the printed list."""
        shown: list[tuple[str, str]] = []
        options = {field.name: field for field in self.bar_fields()}
        for name, value in self.filters.items():
            label = str(PARAMS[name])
            if name in options:
                texts = [o.label.lstrip("— ") for o in options[name].options if o.selected]
                shown.append((label, "、".join(texts)))
            elif name in FLAGS:
                shown.append((label, "✓"))
            elif name == "ids":
                shown.append((label, str(len(value.split(",")))))
            else:
                shown.append((label, value if isinstance(value, str) else "、".join(value)))
        return shown

    def querystring(self, *, with_sort: bool = True, **overrides) -> str:
        """The valid values as a query string without "?" (for page and export links)."""
        values = dict(self.values if with_sort else self.filters)
        values.update(overrides)
        return _query(values).lstrip("?")

    @property
    def active(self) -> bool:
        return bool(self.filters)

    @cached_property
    def chosen(self) -> dict[str, list[str]]:
        """Every parameter's valid values as a list (empty when not given): for the filter bar."""
        chosen: dict[str, list[str]] = {name: [] for name in PARAMS}
        for name, value in self.values.items():
            chosen[name] = value if isinstance(value, list) else [value]
        return chosen

    labels = PARAMS

    def bar_fields(self) -> list[BarField]:
        """The selects of the filter bar, with the current values selected."""
        # Two rows of twelve columns on a wide screen (the search box and dates take the rest).
        sources: list[tuple[str, list[Option], int]] = [
            ("status", _choice_options(Status.choices), 1),
            ("channel", _choice_options(Channel.choices), 1),
            ("level", _choice_options(Level.choices), 1),
            ("due", _choice_options(DUE_CHOICES), 1),
            ("community", self.communities, 2),
            ("grid", self.grids, 2),
            ("satisfaction", _choice_options(Satisfaction.choices), 1),
            ("category", self.categories, 2),
            ("owner_unit", self.units, 2),
            ("owner", self.owners, 2),
            ("reception_leader", self.leaders, 1),
            ("answered", _choice_options(ANSWERED_CHOICES), 1),
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
        """The checkboxes of the filter bar: (name, label, checked)."""
        return [(name, str(PARAMS[name]), bool(self.chosen[name])) for name in FLAGS]

    def sort_options(self) -> list[Option]:
        return [Option(v, str(label), 0, v == self.sort) for v, label in SORT_CHOICES]

    def size_options(self) -> list[Option]:
        return [Option(str(n), str(n), 0, n == self.page_size) for n in PAGE_SIZES]

    # ------------------------------------------------------------------ options

    @cached_property
    def communities(self) -> list[Option]:
        return [Option(str(c.pk), c.name) for c in Community.objects.order_by("order", "id")]

    @cached_property
    def grids(self) -> list[Option]:
        rows = Grid.objects.select_related("community").order_by("community__order", "order")
        return [Option(str(g.pk), f"{g.community.name}·{g.name}") for g in rows]

    @cached_property
    def units(self) -> list[Option]:
        return [Option(str(u.pk), u.name) for u in Unit.objects.order_by("kind", "name")]

    @cached_property
    def owners(self) -> list[Option]:
        """Staff who may handle petitions (handlers become a case's owner)."""
        return _staff_options(Perm.PETITIONS_HANDLE)

    @cached_property
    def leaders(self) -> list[Option]:
        """Staff who may hold reception days (those approving petitions)."""
        return _staff_options(Perm.PETITIONS_APPROVE)

    @cached_property
    def _category_tree(self) -> dict[int, int | None]:
        return dict(Category.objects.filter(kind=Kind.PETITION).values_list("id", "parent_id"))

    @cached_property
    def categories(self) -> list[Option]:
        rows = list(Category.objects.filter(kind=Kind.PETITION).order_by("order", "id"))
        children: dict[int | None, list[Category]] = {}
        for row in rows:
            children.setdefault(row.parent_id, []).append(row)
        result: list[Option] = []

        def walk(parent: int | None, depth: int) -> None:
            for node in children.get(parent, []):
                result.append(Option(str(node.pk), node.name, depth))
                walk(node.pk, depth + 1)

        walk(None, 0)
        return result

    def community_ids(self) -> set[int]:
        return {int(o.value) for o in self.communities}

    def grid_ids(self) -> set[int]:
        return {int(o.value) for o in self.grids}

    def unit_ids(self) -> set[int]:
        return {int(o.value) for o in self.units}

    def owner_ids(self) -> set[int]:
        return {int(o.value) for o in self.owners}

    def leader_ids(self) -> set[int]:
        return {int(o.value) for o in self.leaders}


def page_size(raw) -> int:
    """The page size asked for: one of PAGE_SIZES, the largest not above the number given (the
    smallest for less); the default for anything that is not a number."""
    number = bounds.bounded_int(raw, 1, 10**9)
    if number is None:
        # A number beyond the bound is still a large number: the largest size.
        text = str(raw or "").strip()
        if text.isascii() and text.isdigit():
            return PAGE_SIZES[-1]
        return DEFAULT_PAGE_SIZE
    fitting = [size for size in PAGE_SIZES if size <= number]
    return fitting[-1] if fitting else PAGE_SIZES[0]


def _read_person(text: str) -> tuple[tuple[str, str, str], str, str] | None:
    """(how it is looked up, the normalised value, its masked form), or None when the text is
    neither a valid resident ID, a phone number nor a name (a name has no digits)."""
    if any(c.isdigit() for c in text):
        try:
            value = validate_resident_id(text)
        except ValidationError:
            pass
        else:
            return PERSON_BY_ID, value, masking.mask_resident_id(value)
        try:
            value = validate_phone(text)
        except ValidationError:
            return None
        return PERSON_BY_PHONE, value, masking.mask_phone(value)
    # Names are compared as saved, up to width, whitespace and case (the index folds them).
    return PERSON_BY_NAME, text, masking.mask_name(text)


def _choice_options(choices: Iterable[tuple[str, object]]) -> list[Option]:
    return [Option(value, str(label)) for value, label in choices]


def _staff_options(perm: str) -> list[Option]:
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    rows = (
        Staff.objects.filter(grants__role__in=roles)
        .select_related("unit")
        .distinct()
        .order_by("name", "id")
    )
    return [Option(str(s.pk), f"{s.name}（{s.unit.name}）" if s.unit_id else s.name) for s in rows]


__all__ = [
    "DUE_SOON_DAYS",
    "MAX_IDS",
    "MAX_PERSON_LENGTH",
    "PAGE_SIZES",
    "TEXT_MATCH_LIMIT",
    "CasePaginator",
    "PARAMS",
    "Option",
    "PetitionFilter",
    "due_soon_q",
    "list_url",
    "over_level_q",
    "overdue_q",
    "page_size",
    "upward_q",
    "start_of_day",
]
