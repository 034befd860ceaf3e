"""Checking one row of a petition ledger: each cell, then the rules across cells.

:class:`RowChecker` turns a row's cells (by the headers of :data:`~huiyin.reports.ledgers.
petitions.COLUMNS`) into a :class:`Row` ready to write, or reports every error of the row, in
the order of its columns' meaning (date, channel, level … then people, place, units, dates
against each other); warnings only for rows that will be imported. What rows are checked
against — communities, categories, units, leaders, the importer's scope — is read once
(:class:`Lookups`). See the petitions module for what is an error and what a warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Category
from huiyin.org import streets
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Staff, Unit
from huiyin.org.roles import ROLE_PERMISSIONS, Perm
from huiyin.privacy.validators import validate_phone, validate_resident_id
from huiyin.reports.ledgers.cells import (
    MSG_REQUIRED,
    YES_NO,
    CellError,
    choice_label,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
)
from huiyin.reports.ledgers.load import SEPARATOR, SPLIT, Collector
from huiyin.reports.ledgers.petitions import (
    ANSWER_BODIES,
    CHANNELS,
    DATE_ORDER,
    DELIVERIES,
    LEDGER_STATUSES,
    LEVELS,
    SATISFACTION,
    STATUS_DATES,
    TELL_MANNERS,
)

TITLE_LENGTH = Case._meta.get_field("title").max_length
NAME_LENGTH = 40

MSG_FUTURE = _("The date {value} is in the future.")
MSG_BEFORE = _("{column} ({value}) cannot be earlier than {other} ({other_value}).")
MSG_STATUS_NEEDS = _("The status “{status}” needs {column}.")
MSG_STATUS_FORBIDS = _("The status “{status}” does not go with {column} ({value}).")
MSG_UNKNOWN_COMMUNITY = _("“{value}” is not a community of Huiyin. Allowed values: {allowed}.")
MSG_UNKNOWN_CATEGORY = _(
    "“{value}” is not a petition category of Huiyin. Allowed values: {allowed}."
)
MSG_AMBIGUOUS_CATEGORY = _(
    "“{value}” names more than one category; write it with its parent: {allowed}."
)
MSG_HEADCOUNT_BELOW = _("人数 ({value}) is lower than the number of petitioners named ({count}).")
MSG_COLLECTIVE_HEADCOUNT = _("A collective visit needs 人数.")
MSG_NAME_LONG = _("The name “{value}” is too long.")
MSG_MASKED = _(
    "The value is masked (it contains *). Import a ledger exported with full identity, or "
    "leave the cell empty."
)
MSG_MORE_VALUES = _("{column} lists {count} values for {names} petitioners.")
MSG_NO_SCOPE = _("You may not register petitions of {community}.")
MSG_SATISFACTION_NO_REPLY = _("A satisfaction needs 答复日期: it is given after the reply.")
MSG_COMPLAINED_IS_OWNER = _(
    "The responsible unit cannot be the unit complained about (Regulations art. 30)."
)
MSG_UNKNOWN_UNIT = _("No unit of this name in Huiyin; kept as written.")
MSG_UNKNOWN_LEADER = _("No leader of this name in Huiyin; kept as written.")
MSG_AMBIGUOUS_LEADER = _("Several staff members have this name; kept as written.")
MSG_TOLD_MANNER_NO_DATE = _(
    "告知方式 without 告知日期 or 受理日期: the day the petitioner was told is not known."
)
MSG_DELIVERY_NO_REPLY = _("{column} needs 答复日期: only a written answer is delivered.")
MSG_DELIVERY_BY_PHONE = _(
    "A reply by phone is not the written answer (Regulations art. 35): it has no 送达日期. "
    "Give the manner of the written delivery, or leave 送达日期 empty."
)
MSG_RETURNED_NOT_ASSIGNED = _(
    "Only a matter assigned from above (上级交办) is returned to the sender (Regulations art. 23)."
)
MSG_REVIEW_BODY_NO_REPLY = _("复查机关 needs 答复日期: a review is asked of a written answer.")
MSG_REEXAM_BODY_NO_REVIEW = _("复核机关 needs 复查机关: a re-examination follows a review.")
MSG_DECISION_DATE_UNKNOWN = _(
    "No 受理日期 (the date of the decision): the decline is recorded with its date unknown, and "
    "the time limits it stops count neither as met nor as late."
)


@dataclass(slots=True)
class Row:
    """One validated ledger row, ready to insert."""

    number: int
    received_on: date
    channel: str
    level: str
    collective: bool
    headcount: int
    people: list[tuple[str, str, str]]  # (name, id number, phone)
    community: Community
    category: Category | None
    text: str
    complained_unit: Unit | None
    complained_text: str
    owner_unit: Unit | None
    owner_unit_text: str
    leader: Staff | None
    leader_text: str
    status: str
    accepted_on: date | None
    replied_on: date | None
    concluded_on: date | None
    repeat: bool
    satisfaction: str | None
    # A declined matter (its status may be "concluded": declined, then concluded).
    declined: bool = False
    outcome: str = ""  # 办理结果 as written
    ledger_number: str = ""  # 信访编号 as written
    # 告知日期 / 告知方式, 送达日期 / 送达方式 (the manner also of a reply not delivered in
    # writing: by phone, or posted and not yet received), 复查机关 / 复核机关.
    told_on: date | None = None
    told_manner: str = ""
    delivered_on: date | None = None
    delivery: str = ""
    review_body: str = ""
    reexam_body: str = ""
    # Whether the sheet has the 告知日期 / 送达日期 columns: an empty cell there means "not
    # yet"; a sheet without them is read as before they existed (petitions module).
    told_column: bool = False
    delivered_column: bool = False
    # Returned to the sender (status "concluded"; 办结日期 the day the sender agreed).
    returned: bool = False

    @property
    def title(self) -> str:
        return title_of(self.text)

    @property
    def person_key(self) -> str:
        name, id_number, _phone = self.people[0]
        return f"id:{id_number}" if id_number else f"name:{name}"


def title_of(text: str) -> str:
    first = text.replace("\n", " ")
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


def duplicate_key(received_on: date, title: str, person_key: str) -> bytes:
    text = f"{received_on.isoformat()}\x1f{title}\x1f{person_key}"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def id_key(id_number: str) -> bytes:
    return hashlib.blake2b(id_number.encode("ascii", "replace"), digest_size=12).digest()


class Lookups:
    """What rows are checked against: communities, categories, units, leaders, scope."""

    def __init__(self, actor):
        self.today = timezone.localdate()
        # The communities of the street an import names (``--street``), else of every street.
        communities = list(
            streets.in_working_street(Community.objects.select_related("street")).order_by(
                "order", "id"
            )
        )
        self.communities: dict[str, Community | None] = {}
        for community in communities:
            for key in {community.name, community.name.removesuffix("社区")}:
                # Two streets with the same community name: ambiguous, refused.
                self.communities[key] = None if key in self.communities else community
        self.community_names = SEPARATOR.join(c.name for c in communities) or "—"

        categories = list(
            Category.objects.filter(kind=Kind.PETITION, active=True).select_related("parent")
        )
        self.categories: dict[str, Category | None] = {}
        paths = []
        for category in categories:
            name = category.name
            self.categories[name] = None if name in self.categories else category
            if category.parent_id:
                path = f"{category.parent.name}/{name}"
                self.categories[path] = category
                paths.append(path)
        self.category_names = (
            SEPARATOR.join(
                c.name if self.categories.get(c.name) is c else f"{c.parent.name}/{c.name}"
                for c in sorted(categories, key=lambda c: (c.order, c.pk))
            )
            or "—"
        )

        self.units: dict[str, Unit] = {}
        for unit in Unit.objects.order_by("id"):
            self.units.setdefault(_fold(unit.name), unit)

        approving = [r for r, perms in ROLE_PERMISSIONS.items() if Perm.PETITIONS_APPROVE in perms]
        self.leaders: dict[str, Staff | None] = {}
        for staff in Staff.objects.filter(grants__role__in=approving).distinct():
            key = _fold(staff.name)
            self.leaders[key] = None if key in self.leaders else staff

        reach = reach_of(actor)
        # No actor: the command line, run by whoever operates the server.
        self.admin = actor is None or reach.can(Perm.ADMIN_MANAGE)
        self.scope = reach.scope(Perm.PETITIONS_REGISTER)

    def may_register(self, community: Community) -> bool:
        return self.admin or self.scope.covers(community_id=community.pk)


def _fold(text: str) -> str:
    return "".join(str(text).split()).casefold()


def split_cell(text: str) -> list[str]:
    """The values of a cell naming several people, in order (inner blanks kept, trailing cut)."""
    if not text:
        return []
    parts = [part.strip() for part in SPLIT.split(text.strip())]
    while parts and not parts[-1]:
        parts.pop()
    return parts


class RowChecker:
    """Checks the rows of one import against `lookups`, reporting to `collector`."""

    def __init__(self, lookups: Lookups, collector: Collector):
        self.lookups = lookups
        self.c = collector
        self._choices: dict[tuple, Any] = {}

    def check(self, number: int, values: Mapping[str, Any]) -> Row | None:
        """The validated row, or None after recording its errors (and its warnings)."""
        errors_before = self.c.report.error_count
        err = self.c.error
        look = self.lookups

        def cell(name: str, parser, *args, **kwargs):
            try:
                return parser(values.get(name), *args, **kwargs)
            except CellError as exc:
                err(number, name, values.get(name), exc.message)
                return None

        choice = self._choice
        received_on = cell("登记日期", parse_date, required=True)
        channel = choice(number, values, "信访形式", CHANNELS, required=True)
        level = choice(number, values, "信访层级", LEVELS) or "street"
        collective = bool(choice(number, values, "是否集体访", YES_NO))
        headcount = cell("人数", parse_int, 1)
        status = choice(number, values, "办理状态", LEDGER_STATUSES)
        dates = {}
        for column in ("受理日期", "答复日期", "办结日期"):
            dates[column] = cell(column, parse_date)
        told_on = cell("告知日期", parse_date)
        told_manner = choice(number, values, "告知方式", TELL_MANNERS) or ""
        delivered_on = cell("送达日期", parse_date)
        delivery = choice(number, values, "送达方式", DELIVERIES) or ""
        review_body = choice(number, values, "复查机关", ANSWER_BODIES) or ""
        reexam_body = choice(number, values, "复核机关", ANSWER_BODIES) or ""
        repeat = bool(choice(number, values, "是否重复信访", YES_NO))
        satisfaction = choice(number, values, "满意度", SATISFACTION)
        text = cell("信访事项", parse_text, required=True) or ""
        outcome = cell("办理结果", parse_text) or ""
        ledger_number = cell("信访编号", parse_text) or ""

        people = self._people(number, values)
        community = self._community(number, values)
        category = self._category(number, values)
        complained_unit, complained_text = self._unit(number, values, "被反映单位")
        owner_unit, owner_unit_text = self._unit(number, values, "责任单位")
        leader, leader_text = self._leader(number, values)

        if headcount is None and values.get("人数") in (None, ""):
            if collective:
                err(number, "人数", "", MSG_COLLECTIVE_HEADCOUNT)
            headcount = max(len(people), 1)
        if headcount is not None and people and headcount < len(people):
            err(
                number,
                "人数",
                values.get("人数"),
                format_lazy(MSG_HEADCOUNT_BELOW, value=headcount, count=len(people)),
            )
        if complained_unit is not None and complained_unit == owner_unit:
            err(number, "责任单位", owner_unit_text, MSG_COMPLAINED_IS_OWNER)

        # Dates: none in the future, none before the date received, in the order of handling.
        all_dates = {"登记日期": received_on, **dates}
        for column, day in (*all_dates.items(), ("告知日期", told_on), ("送达日期", delivered_on)):
            if day is not None and day > look.today:
                err(number, column, values.get(column), format_lazy(MSG_FUTURE, value=day))
        order = DATE_ORDER
        for later_index in range(1, len(order)):
            later = order[later_index]
            if all_dates[later] is None:
                continue
            for earlier in reversed(order[:later_index]):
                if all_dates[earlier] is None:
                    continue
                if all_dates[later] < all_dates[earlier]:
                    err(
                        number,
                        later,
                        values.get(later),
                        format_lazy(
                            MSG_BEFORE,
                            column=later,
                            value=all_dates[later],
                            other=earlier,
                            other_value=all_dates[earlier],
                        ),
                    )
                break
        accepted_on, replied_on, concluded_on = (
            dates["受理日期"],
            dates["答复日期"],
            dates["办结日期"],
        )
        told_on = self._told(number, values, received_on, accepted_on, told_on, told_manner)
        delivered_on = self._delivered(number, values, replied_on, delivered_on, delivery)
        if review_body and replied_on is None:
            err(number, "复查机关", values.get("复查机关"), MSG_REVIEW_BODY_NO_REPLY)
        if reexam_body and not review_body:
            err(number, "复核机关", values.get("复核机关"), MSG_REEXAM_BODY_NO_REVIEW)
        if status is None and values.get("办理状态") in (None, ""):
            status = (
                "concluded"
                if concluded_on
                else "replied"
                if replied_on
                else "accepted"
                if accepted_on
                else "registered"
            )
        if status is not None:
            self._status_dates(number, values, status, dates)
        declined = status == "declined"
        if declined and concluded_on is not None:
            status = "concluded"  # declined, then concluded: the decline notice was the answer
        returned = status == "returned"
        if returned:
            status = "concluded"  # ended when the sender took it back, never 办结
            if channel is not None and channel != "assigned":
                err(number, "办理状态", values.get("办理状态"), MSG_RETURNED_NOT_ASSIGNED)
        if satisfaction and replied_on is None:
            err(number, "满意度", values.get("满意度"), MSG_SATISFACTION_NO_REPLY)
        if community is not None and not look.may_register(community):
            err(
                number,
                "所属社区",
                values.get("所属社区"),
                format_lazy(MSG_NO_SCOPE, community=community.name),
            )

        if self.c.report.error_count != errors_before:
            return None
        # Warnings only for rows that will be imported.
        for column, found, written in (
            ("被反映单位", complained_unit, complained_text),
            ("责任单位", owner_unit, owner_unit_text),
        ):
            if written and found is None:
                self.c.warn(number, column, written, MSG_UNKNOWN_UNIT)
        if declined and accepted_on is None:
            self.c.warn(number, "受理日期", "", MSG_DECISION_DATE_UNKNOWN)
        if leader_text and leader is None:
            ambiguous = look.leaders.get(_fold(leader_text), False) is None
            self.c.warn(
                number,
                "包案领导",
                leader_text,
                MSG_AMBIGUOUS_LEADER if ambiguous else MSG_UNKNOWN_LEADER,
            )
        return Row(
            number=number,
            received_on=received_on,
            channel=channel,
            level=level,
            collective=collective,
            headcount=headcount,
            people=people,
            community=community,
            category=category,
            text=text,
            complained_unit=complained_unit,
            complained_text="" if complained_unit else complained_text[:200],
            owner_unit=owner_unit,
            owner_unit_text="" if owner_unit else owner_unit_text,
            leader=leader,
            leader_text="" if leader else leader_text,
            status=status,
            accepted_on=accepted_on,
            replied_on=replied_on,
            concluded_on=concluded_on,
            repeat=repeat,
            satisfaction=satisfaction,
            declined=declined,
            outcome=outcome,
            ledger_number=ledger_number[:60],
            told_on=told_on,
            told_manner=told_manner,
            delivered_on=delivered_on,
            delivery=delivery,
            review_body=review_body,
            reexam_body=reexam_body,
            told_column="告知日期" in self.c.letters,
            delivered_column="送达日期" in self.c.letters,
            returned=returned,
        )

    # -- columns ---------------------------------------------------------------------------

    def _told(self, number, values, received_on, accepted_on, told_on, manner) -> date | None:
        """告知日期: not before the date received; a manner alone dated the decision day (as
        the workflow dates it)."""
        if told_on is None:
            if manner and accepted_on is None:
                self.c.error(number, "告知方式", values.get("告知方式"), MSG_TOLD_MANNER_NO_DATE)
            return accepted_on if manner else None
        if received_on is not None and told_on < received_on:
            self.c.error(
                number,
                "告知日期",
                values.get("告知日期"),
                format_lazy(
                    MSG_BEFORE,
                    column="告知日期",
                    value=told_on,
                    other="登记日期",
                    other_value=received_on,
                ),
            )
        return told_on

    def _delivered(self, number, values, replied_on, delivered_on, delivery) -> date | None:
        """送达日期: only of a reply, not before it, never for a reply by phone; 当面送达
        alone is dated the reply's day (as the workflow dates it)."""
        err = self.c.error
        if replied_on is None:
            for column, given in (("送达日期", delivered_on), ("送达方式", delivery)):
                if given:
                    err(
                        number,
                        column,
                        values.get(column),
                        format_lazy(MSG_DELIVERY_NO_REPLY, column=column),
                    )
            return None
        if delivered_on is None:
            return replied_on if delivery == "in_person" else None
        if delivery == "phone":
            err(number, "送达日期", values.get("送达日期"), MSG_DELIVERY_BY_PHONE)
        if delivered_on < replied_on:
            err(
                number,
                "送达日期",
                values.get("送达日期"),
                format_lazy(
                    MSG_BEFORE,
                    column="送达日期",
                    value=delivered_on,
                    other="答复日期",
                    other_value=replied_on,
                ),
            )
        return delivered_on

    def _choice(self, number: int, values: Mapping, column: str, mapping, *, required=False):
        """parse_choice() of the cell, remembered per column and spelling (a ledger repeats a
        handful of them a hundred thousand times); errors are not remembered."""
        value = values.get(column)
        key = (column, value.__class__, value)
        try:
            return self._choices[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value: parsed, not remembered
            key = None
        try:
            parsed = parse_choice(value, mapping, column=column, required=required)
        except CellError as exc:
            self.c.error(number, column, value, exc.message)
            return None
        if key is not None:
            if len(self._choices) >= 10_000:
                self._choices.clear()
            self._choices[key] = parsed
        return parsed

    def _text(self, number: int, values: Mapping, column: str, *, required=False) -> str | None:
        try:
            return parse_text(values.get(column), required=required)
        except CellError as exc:
            self.c.error(number, column, values.get(column), exc.message)
            return None

    def _people(self, number: int, values: Mapping) -> list[tuple[str, str, str]]:
        err = self.c.error
        names_text = self._text(number, values, "信访人", required=True)
        ids_text = self._text(number, values, "身份证号") or ""
        phones_text = self._text(number, values, "联系电话") or ""
        if names_text is None:
            return []
        names = [name for name in split_cell(names_text) if name]
        if not names:
            err(number, "信访人", values.get("信访人"), MSG_REQUIRED)
            return []
        for name in names:
            if "*" in name:
                err(number, "信访人", names_text, MSG_MASKED)
                return []
            if len(name) > NAME_LENGTH:
                err(number, "信访人", name, format_lazy(MSG_NAME_LONG, value=name))
        ids = self._validated(number, "身份证号", ids_text, len(names), validate_resident_id)
        phones = self._validated(number, "联系电话", phones_text, len(names), validate_phone)
        return [
            (name, ids[i] if i < len(ids) else "", phones[i] if i < len(phones) else "")
            for i, name in enumerate(names)
        ]

    def _validated(self, number: int, column: str, text: str, people: int, validate) -> list[str]:
        parts = split_cell(text)
        if not parts:
            return []
        if "*" in text:
            self.c.error(number, column, text, MSG_MASKED)
            return []
        if len(parts) > people:
            self.c.error(
                number,
                column,
                text,
                format_lazy(MSG_MORE_VALUES, column=column, count=len(parts), names=people),
            )
            return []
        result = []
        for part in parts:
            if not part:
                result.append("")
                continue
            try:
                result.append(validate(part))
            except ValidationError as exc:
                self.c.error(number, column, part, " ".join(str(m) for m in exc.messages))
                result.append("")
        return result

    def _community(self, number: int, values: Mapping) -> Community | None:
        text = self._text(number, values, "所属社区", required=True)
        if not text:
            return None
        community = self.lookups.communities.get(text)
        if community is None:
            self.c.error(
                number,
                "所属社区",
                text,
                format_lazy(
                    MSG_UNKNOWN_COMMUNITY, value=text, allowed=self.lookups.community_names
                ),
            )
        return community

    def _category(self, number: int, values: Mapping) -> Category | None:
        text = self._text(number, values, "问题类别")
        if not text:
            return None
        key = "/".join(part.strip() for part in re.split(r"[/／]", text))
        if key not in self.lookups.categories:
            self.c.error(
                number,
                "问题类别",
                text,
                format_lazy(MSG_UNKNOWN_CATEGORY, value=text, allowed=self.lookups.category_names),
            )
            return None
        category = self.lookups.categories[key]
        if category is None:
            self.c.error(
                number,
                "问题类别",
                text,
                format_lazy(
                    MSG_AMBIGUOUS_CATEGORY, value=text, allowed=self.lookups.category_names
                ),
            )
        return category

    def _unit(self, number: int, values: Mapping, column: str) -> tuple[Unit | None, str]:
        text = self._text(number, values, column) or ""
        if not text:
            return None, ""
        return self.lookups.units.get(_fold(text)), text

    def _leader(self, number: int, values: Mapping) -> tuple[Staff | None, str]:
        text = self._text(number, values, "包案领导") or ""
        if not text:
            return None, ""
        return self.lookups.leaders.get(_fold(text)), text

    def _status_dates(self, number: int, values: Mapping, status: str, dates: dict) -> None:
        """Which of 受理日期 / 答复日期 / 办结日期 each state needs, and which it cannot have."""
        label = choice_label(LEDGER_STATUSES, status)
        needs, forbids = STATUS_DATES[status]
        for column in needs:
            if dates[column] is None:
                self.c.error(
                    number,
                    column,
                    values.get(column),
                    format_lazy(MSG_STATUS_NEEDS, status=label, column=column),
                )
        for column in forbids:
            if dates[column] is not None:
                self.c.error(
                    number,
                    column,
                    values.get(column),
                    format_lazy(
                        MSG_STATUS_FORBIDS, status=label, column=column, value=dates[column]
                    ),
                )
        if status == "concluded" and dates["答复日期"] and not dates["受理日期"]:
            self.c.error(
                number,
                "受理日期",
                values.get("受理日期"),
                format_lazy(MSG_STATUS_NEEDS, status=label, column="受理日期"),
            )
