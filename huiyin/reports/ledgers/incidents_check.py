"""Checking one row of an incident ledger: the rules across its cells, then the registration's.

The engine has parsed each cell with its column's parser (``incidents.COLUMNS``); here
:func:`check_row` reads the community, the type and the leader against Huiyin
(:class:`Lookups`, read once per import), checks the times against each other, and finally runs
the incident registration's own checks (:func:`huiyin.incidents.registration.
clean_registration`) so that a row the service would refuse is refused here, on its column,
before anything is written. :func:`existing_duplicates` finds the rows already in Huiyin. See
the incidents module for what is an error and what a warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Category
from huiyin.incidents.grading import higher
from huiyin.incidents.registration import Errors, clean_registration
from huiyin.org import streets
from huiyin.org.access import reach_of
from huiyin.org.models import Community, RoleGrant, Staff
from huiyin.org.roles import Perm, Role
from huiyin.reports.ledgers.cells import choice_label
from huiyin.reports.ledgers.incidents import GRADES
from huiyin.reports.ledgers.load import SEPARATOR
from huiyin.reports.ledgers.petitions_check import (
    MSG_BEFORE,
    MSG_UNKNOWN_COMMUNITY,
    title_of,
)

__all__ = ["Lookups", "Row", "check_row", "duplicate_key", "existing_duplicates"]

MSG_UNKNOWN_TYPE = _("“{value}” is not an incident type of Huiyin. Allowed values: {allowed}.")
MSG_AMBIGUOUS_TYPE = _(
    "“{value}” names more than one incident type; write it with its class: {allowed}."
)
MSG_TIME_FUTURE = _("The time {value} is in the future.")
MSG_CONCLUDED_NEEDS = _("A row with 办结日期 needs {column}: the disposal is concluded with it.")
MSG_NO_SCOPE = _("You may not register incidents of {community}.")
MSG_NO_SCOPE_STREET = _("You may not register incidents of the whole street: name the community.")
MSG_UNKNOWN_LEADER = _(
    "No leader of this name in Huiyin; kept as written (the incident has no leader in charge "
    "on record)."
)
MSG_GRADE_DERIVED = _(
    "A production-safety accident's grade follows from its casualties (条例 art. 3): {derived}; "
    "the ledger says {given}. The higher, {grade}, is recorded (the ledger has no column for "
    "the direct loss)."
)

#: The incident's casualty counts, as the registration names them (伤亡情况).
CASUALTY_KEYS = ("deaths", "missing", "serious_injuries", "minor_injuries")

#: The registration's field → the ledger column its error is shown on.
FIELD_COLUMNS = {
    "title": "简要情况",
    "description": "简要情况",
    "category": "事件类别",
    "occurred_at": "发生时间",
    "learned_at": "获知时间",
    "source": "事件类别",
    "community": "所属社区",
    "grid": "所属社区",
    "place": "地点",
    "people_count": "涉及人数",
    "deaths": "伤亡情况",
    "missing": "伤亡情况",
    "serious_injuries": "伤亡情况",
    "minor_injuries": "伤亡情况",
    "grade": "事件等级",
}


@dataclass(slots=True)
class Row:
    """One valid ledger row: what registration takes (``cleaned``) and what its history is."""

    number: int
    occurred_at: datetime
    text: str
    cleaned: dict  # the registration's cleaned fields (clean_registration)
    first_sent: datetime | None
    leader: Staff | None
    leader_name: str  # as written, when it matched no leader
    outcome: str
    concluded_on: date | None
    ledger_number: str = ""
    kept: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> bytes:
        return duplicate_key(self.occurred_at, self.text)


def duplicate_key(occurred_at: datetime, text: str) -> bytes:
    moment = timezone.localtime(occurred_at, CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
    value = f"{moment}\x1f{text}"
    return hashlib.blake2b(value.encode("utf-8"), digest_size=16).digest()


class Lookups:
    """What rows are checked against: communities, incident types, the street's leaders and the
    importer's scope, read once."""

    def __init__(self, actor):
        self.now = timezone.now()
        self.today = bounds.today()
        # The communities of the street an import names (``--street``), else of every street.
        communities = list(
            streets.in_working_street(Community.objects.select_related("street")).order_by(
                "order", "id"
            )
        )
        self.communities: dict[str, Community | None] = {}
        for community in communities:
            for key in {community.name, community.name.removesuffix("社区")}:
                self.communities[key] = None if key in self.communities else community
        self.community_names = SEPARATOR.join(c.name for c in communities) or "—"

        types = list(
            Category.objects.filter(kind=Kind.INCIDENT, active=True)
            .select_related("parent")
            .order_by("order", "id")
        )
        # A name used by a class and by its one type (自然灾害, 公共卫生事件) is the type.
        self.types: dict[str, Category | None] = {}
        for category in sorted(types, key=lambda c: c.parent_id is None):
            known = self.types.get(category.name)
            if category.name not in self.types:
                self.types[category.name] = category
            elif known is not None and (known.parent_id is None) == (category.parent_id is None):
                self.types[category.name] = None  # two types (or two classes) of one name
            if category.parent_id:
                self.types[f"{category.parent.name}/{category.name}"] = category
        self.type_names = (
            SEPARATOR.join(
                category.name
                if self.types.get(category.name) is category
                else f"{category.parent.name}/{category.name}"
                for category in types
                if category.parent_id is not None
            )
            or "—"
        )

        leaders = Staff.objects.filter(
            pk__in=RoleGrant.objects.filter(role=Role.LEADER).values("staff_id"),
            user__is_active=True,
        )
        self.leaders: dict[str, Staff | None] = {}
        for staff in leaders.order_by("id"):
            key = "".join(staff.name.split())
            self.leaders[key] = None if key in self.leaders else staff

        self.actor = actor
        reach = reach_of(actor)
        self.admin = actor is None or reach.can(Perm.ADMIN_MANAGE)
        self.scope = reach.scope(Perm.INCIDENTS_REPORT)

    def may_register(self, community: Community | None) -> bool:
        if self.admin:
            return True
        return self.scope.covers(
            community_id=community.pk if community is not None else None, grid_id=None
        )


# =============================================================================== the row


def check_row(session, number: int, cells: Mapping[str, Any]) -> Row | None:
    """The row ready to write, or None after reporting its errors (see the incidents module)."""
    return _Check(session, number, cells).row()


def _shown(moment: datetime) -> str:
    return timezone.localtime(moment, CHINA_TZ).strftime("%Y-%m-%d %H:%M")


class _Check:
    def __init__(self, session, number: int, cells: Mapping[str, Any]):
        self.session = session
        self.look: Lookups = session.lookups
        self.number = number
        self.cells = cells
        self.warnings: list[tuple[str, Any, Any]] = []

    def error(self, column: str, value: Any, reason) -> None:
        self.session.error(self.number, column, value, reason)

    def failed(self, column: str) -> bool:
        """The column's own parser refused the cell (already reported)."""
        errors = self.session.report.errors
        return any(e.row == self.number and e.column == column for e in errors[-40:])

    def row(self) -> Row | None:
        c = self.cells
        community = self._community()
        category = self._type()
        self._times()
        leader, leader_name = self._leader()
        outcome = c["处置结果"] or ""
        if c["办结日期"] is not None:
            for column in ("处置结果", "首报时间"):
                if not c[column] and not self.failed(column):
                    self.error(column, "", format_lazy(MSG_CONCLUDED_NEEDS, column=column))
        if not self.look.may_register(community):
            if community is None:
                self.error("所属社区", "", MSG_NO_SCOPE_STREET)
            else:
                self.error(
                    "所属社区", community.name, format_lazy(MSG_NO_SCOPE, community=community.name)
                )
        if not self.session.row_ok():
            return None
        text = c["简要情况"]
        title = title_of(text)
        figures = c["伤亡情况"] or {}
        data = {
            "title": title,
            "description": "" if title == text else text,
            "category": category,
            "occurred_at": c["发生时间"],
            "learned_at": c["获知时间"],
            "source": "other",
            "community": community,
            "place": c["地点"] or "",
            "people_count": c["涉及人数"],
            **{key: figures.get(key, 0) for key in CASUALTY_KEYS},
            "grade": c["事件等级"] or "",
        }
        cleaned = self._registration(data)
        if cleaned is None:
            return None
        self._grade(cleaned, c["事件等级"])
        for column, value, reason in self.warnings:
            self.session.warn(self.number, column, value, reason)
        kept = {"leader": leader_name} if leader_name else {}
        return Row(
            number=self.number,
            occurred_at=c["发生时间"],
            text=text,
            cleaned=cleaned,
            first_sent=c["首报时间"],
            leader=leader,
            leader_name=leader_name,
            outcome=outcome,
            concluded_on=c["办结日期"],
            ledger_number=(c["事件编号"] or "")[:60],
            kept=kept,
        )

    # -- names ---------------------------------------------------------------------------------

    def _community(self) -> Community | None:
        text = self.cells["所属社区"]
        if not text:
            return None
        community = self.look.communities.get(text)
        if community is None:
            self.error(
                "所属社区",
                text,
                format_lazy(MSG_UNKNOWN_COMMUNITY, value=text, allowed=self.look.community_names),
            )
        return community

    def _type(self) -> Category | None:
        text = self.cells["事件类别"]
        if not text:
            return None
        key = "/".join(part.strip() for part in re.split(r"[/／>＞]", text))
        if key not in self.look.types:
            message = MSG_UNKNOWN_TYPE
        elif self.look.types[key] is None:
            message = MSG_AMBIGUOUS_TYPE
        else:
            return self.look.types[key]
        self.error("事件类别", text, format_lazy(message, value=text, allowed=self.look.type_names))
        return None

    def _leader(self) -> tuple[Staff | None, str]:
        text = self.cells["处置负责领导"] or ""
        if not text:
            return None, ""
        leader = self.look.leaders.get("".join(text.split()))
        if leader is None:
            self.warnings.append(("处置负责领导", text, MSG_UNKNOWN_LEADER))
            return None, text[:40]
        return leader, ""

    # -- times ---------------------------------------------------------------------------------

    def _times(self) -> None:
        """Nothing in the future; 获知 not before 发生 (the registration's own check), 首报 not
        before 获知, 办结日期 not before the day learned of."""
        c, now = self.cells, self.look.now
        for column in ("发生时间", "获知时间", "首报时间"):
            if c[column] is not None and c[column] > now:
                self.error(
                    column, _shown(c[column]), format_lazy(MSG_TIME_FUTURE, value=_shown(c[column]))
                )
        learned, first = c["获知时间"], c["首报时间"]
        if learned is not None and first is not None and first < learned:
            self.error(
                "首报时间",
                _shown(first),
                format_lazy(
                    MSG_BEFORE,
                    column="首报时间",
                    value=_shown(first),
                    other="获知时间",
                    other_value=_shown(learned),
                ),
            )
        concluded = c["办结日期"]
        if concluded is not None:
            if concluded > self.look.today:
                self.error(
                    "办结日期",
                    concluded,
                    format_lazy(MSG_TIME_FUTURE, value=concluded.isoformat()),
                )
            elif learned is not None:
                learned_on = timezone.localtime(learned, CHINA_TZ).date()
                if concluded < learned_on:
                    self.error(
                        "办结日期",
                        concluded,
                        format_lazy(
                            MSG_BEFORE,
                            column="办结日期",
                            value=concluded.isoformat(),
                            other="获知时间",
                            other_value=_shown(learned),
                        ),
                    )

    # -- the registration's own checks and the grade -------------------------------------------

    def _registration(self, data: dict) -> dict | None:
        errors = Errors()
        cleaned = clean_registration(self.look.actor, data, errors)
        for key, messages in errors.items():
            column = FIELD_COLUMNS.get(key, "")
            value = data.get(key)
            if isinstance(value, datetime):
                value = _shown(value)
            value = getattr(value, "name", value)
            for message in messages:
                self.error(column, value, message)
        return None if errors else cleaned

    def _grade(self, cleaned: dict, given: str | None) -> None:
        """A production-safety accident: the higher of the derived and the ledger's grade."""
        if not cleaned["grade_derived"] or not given or given == cleaned["grade"]:
            return
        derived = str(cleaned["grade"])
        grade = higher(derived, given)
        self.warnings.append(
            (
                "事件等级",
                choice_label(GRADES, given),
                format_lazy(
                    MSG_GRADE_DERIVED,
                    derived=choice_label(GRADES, derived),
                    given=choice_label(GRADES, given),
                    grade=choice_label(GRADES, grade),
                ),
            )
        )
        if grade != derived:
            cleaned["grade"], cleaned["grade_derived"] = grade, False


# =============================================================================== duplicates


def existing_duplicates(rows: list[Row], actor=None) -> dict[bytes, str]:
    """{duplicate key: case number} of the incidents in Huiyin these rows repeat (the same
    发生时间 and 简要情况 — the account, or the title when it has none, as the export writes
    it); the number is "" for an incident the importer may not open (skipped all the same)."""
    if not rows:
        return {}
    moments = {r.occurred_at for r in rows}
    first, last = min(moments), max(moments)
    texts = {r.text for r in rows}
    titles = {title_of(text) for text in texts} | texts
    found_cases = list(
        Case.objects.filter(
            kind=Kind.INCIDENT,
            withdrawn=False,
            incident__occurred_at__gte=first,
            incident__occurred_at__lt=last + timedelta(seconds=1),
            title__in=titles,
        ).values_list("pk", "number", "title", "description", "incident__occurred_at")
    )
    if not found_cases:
        return {}
    shown = {c[0] for c in found_cases}
    if actor is not None and not reach_of(actor).can(Perm.ADMIN_MANAGE):
        shown = set(
            Case.objects.visible_to(actor, kind=Kind.INCIDENT)
            .filter(pk__in=shown)
            .values_list("pk", flat=True)
        )
    return {
        duplicate_key(occurred_at, description or title): number if pk in shown else ""
        for pk, number, title, description, occurred_at in found_cases
    }
