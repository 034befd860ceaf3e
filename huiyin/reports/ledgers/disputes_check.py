"""Checking one row of a dispute ledger: the rules across its cells, then the registration's.

The engine has parsed each cell with its column's parser (``disputes.COLUMNS``); here
:func:`check_row` reads the place, the type, the parties, the committee and mediators against
Huiyin (:class:`Lookups`, read once per import), checks the dates and the 调解结果 against
each other (``disputes.RESULT_COLUMNS``), and finally runs the dispute registration's own
checks (:func:`huiyin.disputes.registration.clean_registration`) so that a row the service
would refuse is refused here, on its column, before anything is written. Warnings only for
rows that will be imported. See the disputes module for what is an error and what a warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category
from huiyin.disputes.models import COURT_SOURCES, Committee, Mediator, Tier
from huiyin.disputes.registration import REGISTER_PERMS, Errors, clean_registration
from huiyin.org.access import reach_of
from huiyin.org.models import Community
from huiyin.org.roles import Perm
from huiyin.privacy.validators import validate_phone, validate_resident_id
from huiyin.reports.ledgers.cells import MSG_REQUIRED, choice_label
from huiyin.reports.ledgers.disputes import (
    DATE_ORDER,
    RESULT_COLUMNS,
    RESULTS,
    SOURCES,
    is_organisation,
    tier_of,
)
from huiyin.reports.ledgers.load import SEPARATOR
from huiyin.reports.ledgers.petitions_check import (
    MSG_BEFORE,
    MSG_FUTURE,
    MSG_MASKED,
    MSG_NAME_LONG,
    MSG_UNKNOWN_COMMUNITY,
    _fold,
    split_cell,
    title_of,
)

__all__ = ["Lookups", "Row", "check_row", "duplicate_key", "person_key"]

NAME_LENGTH = 40
ORGANISATION_LENGTH = 100

MSG_UNKNOWN_TYPE = _("“{value}” is not a dispute type of Huiyin. Allowed values: {allowed}.")
MSG_AMBIGUOUS_TYPE = _(
    "“{value}” names more than one dispute type; write it with its parent: {allowed}."
)
MSG_RESULT_NEEDS = _("The mediation result “{result}” needs {column}.")
MSG_RESULT_FORBIDS = _("The mediation result “{result}” does not go with {column} ({value}).")
MSG_CONFIRM_WRITTEN = _("Judicial confirmation is for a written agreement (协议形式 书面).")
MSG_RULING_NEEDS_APPLICATION = _("A 司法确认结果 needs 是否申请司法确认 = 是.")
MSG_CLOSED_PENDING = _(
    "A closed dispute cannot still be 履行中: write how the agreement was performed."
)
MSG_BOTH_SIDES = _("Mediation needs a party on each side: fill in 被申请人.")
MSG_MORE_VALUES = _("{column} lists {count} values for {names} applicants.")
MSG_ORGANISATION_ID = _("“{name}” is an organisation: it has no resident ID number.")
MSG_NO_SCOPE = _("You may not register disputes of {community}.")
MSG_UNKNOWN_COMMITTEE = _(
    "No mediation committee of this name in Huiyin; kept as written, its tier read from the name: {tier}."
)
MSG_UNKNOWN_COMMITTEE_TIER = _(
    "No mediation committee of this name in Huiyin, and the name does not tell its tier; kept as written, handled at the tier {tier}."
)
MSG_UNKNOWN_MEDIATOR = _("No mediator of this name in Huiyin; kept as written.")
MSG_AMBIGUOUS_MEDIATOR = _("Several mediators have this name; kept as written.")
MSG_COURT_NOT_STATED = _("A court-referred dispute: the ledger names no court or document number; recorded as not stated.")  # fmt: skip

#: What a court-referred row gets for the court and its document number (no column has them).
NOT_STATED = _("Not stated in the ledger")

#: The registration's field → the ledger column its error is shown on.
FIELD_COLUMNS = {
    "title": "纠纷简要情况",
    "description": "纠纷简要情况",
    "community": "所属社区",
    "category": "纠纷类型",
    "source": "纠纷来源",
    "court_name": "纠纷来源",
    "received_on": "登记日期",
    "amount": "涉及金额（元）",
    "people_count": "涉及人数",
    "committee": "调解组织",
    "tier": "调解组织",
    "parties": "申请人",
}


@dataclass(slots=True)
class Row:
    """One valid ledger row: what registration takes (``cleaned``) and what its history is."""

    number: int
    received_on: date
    text: str
    applicant_key: str  # the first applicant: "id:…" or "name:…"
    cleaned: dict  # the registration's cleaned fields (clean_registration)
    state: str  # a key of disputes.RESULTS
    started_on: date | None
    form: str | None
    effective_on: date | None
    performance: str | None
    applied: bool
    ruling: str | None
    closed_on: date | None
    follow_up: str
    mediators: list[Mediator] = field(default_factory=list)
    kept: dict[str, Any] = field(default_factory=dict)  # what matched nothing in Huiyin
    ledger_number: str = ""

    @property
    def key(self) -> bytes:
        return duplicate_key(self.received_on, self.text, self.applicant_key)


def duplicate_key(received_on: date, text: str, applicant: str) -> bytes:
    value = f"{received_on.isoformat()}\x1f{text}\x1f{applicant}"
    return hashlib.blake2b(value.encode("utf-8"), digest_size=16).digest()


def person_key(name: str, id_number: str) -> str:
    return f"id:{id_number}" if id_number else f"name:{name}"


class Lookups:
    """What rows are checked against: communities, dispute types, committees, mediators and
    the importer's scope, read once."""

    def __init__(self, actor):
        self.today = bounds.today()
        communities = list(Community.objects.select_related("street").order_by("order", "id"))
        self.communities: dict[str, Community | None] = {}
        for community in communities:
            for key in {community.name, community.name.removesuffix("社区")}:
                self.communities[key] = None if key in self.communities else community
        self.community_names = SEPARATOR.join(c.name for c in communities) or "—"

        types = list(
            Category.objects.filter(kind=Kind.DISPUTE, active=True)
            .select_related("parent")
            .order_by("order", "id")
        )
        self.types: dict[str, Category | None] = {}
        for category in types:
            self.types[category.name] = None if category.name in self.types else category
            if category.parent_id:
                self.types[f"{category.parent.name}/{category.name}"] = category
        self.type_names = self._tree_names(types)

        self.committees: dict[str, Committee | None] = {}
        for committee in Committee.objects.filter(active=True).select_related("grid", "unit"):
            key = _fold(committee.name)
            self.committees[key] = None if key in self.committees else committee
        self.mediators: dict[str, list[Mediator]] = {}
        for mediator in Mediator.objects.order_by("-active", "id"):
            self.mediators.setdefault(_fold(mediator.name), []).append(mediator)

        self.actor = actor
        reach = reach_of(actor)
        self.admin = actor is None or reach.can(Perm.ADMIN_MANAGE)
        self.scopes = [reach.scope(perm) for perm in REGISTER_PERMS]

    def _tree_names(self, types: list[Category]) -> str:
        """Every type in tree order, a type below another after it (劳动争议、劳动争议/欠薪)."""
        children: dict[int | None, list[Category]] = {}
        for category in types:
            children.setdefault(category.parent_id, []).append(category)
        names: list[str] = []

        def walk(parent: Category | None, depth: int) -> None:
            for category in children.get(parent.pk if parent else None, []):
                unique = self.types.get(category.name) is category
                names.append(category.name if unique else f"{parent.name}/{category.name}")
                if depth < 10:
                    walk(category, depth + 1)

        walk(None, 0)
        return SEPARATOR.join(names) or "—"

    def may_register(self, community: Community, committee: Committee | None) -> bool:
        if self.admin:
            return True
        unit_id = committee.unit_id if committee is not None else None
        return any(
            scope.covers(community_id=community.pk, unit_id=unit_id) for scope in self.scopes
        )


# =============================================================================== the row


def check_row(session, number: int, cells: Mapping[str, Any]) -> Row | None:
    """The row ready to write, or None after reporting its errors (see the module docstring)."""
    return _Check(session, number, cells).row()


class _Check:
    def __init__(self, session, number: int, cells: Mapping[str, Any]):
        self.session = session
        self.look: Lookups = session.lookups
        self.number = number
        self.cells = cells
        self.kept: dict[str, Any] = {}
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
        applicants = self._parties("申请人", "a", required=True)
        respondents = self._parties("被申请人", "b")
        ids = self._identity("身份证号", applicants, validate_resident_id)
        phones = self._identity("联系电话", applicants, validate_phone)
        for i, party in enumerate(applicants):
            party["id_number"] = ids[i] if i < len(ids) else ""
            party["phone"] = phones[i] if i < len(phones) else ""
            if party["id_number"] and party["kind"] == "organisation":
                self.error("身份证号", ids[i], format_lazy(MSG_ORGANISATION_ID, name=party["name"]))
        committee, tier, grid = self._committee(community)
        state = self._dates_and_result()
        if c["受理日期"] and not respondents and applicants:
            self.error("被申请人", "", MSG_BOTH_SIDES)
        if community is not None and not self.look.may_register(community, committee):
            self.error(
                "所属社区", community.name, format_lazy(MSG_NO_SCOPE, community=community.name)
            )
        source = c["纠纷来源"] or "other"
        if not self.session.row_ok():
            return None
        text = c["纠纷简要情况"]
        title = title_of(text)
        data = {
            "title": title,
            "description": "" if title == text else text,
            "community": community,
            "grid": grid,
            "category": category,
            "source": source,
            "received_on": c["登记日期"],
            "parties": applicants + respondents,
            "amount": c["涉及金额（元）"],
            "people_count": c["涉及人数"],
            "tier": tier if committee is None else None,
            "committee": committee,
        }
        if source in COURT_SOURCES:
            data["court_name"] = data["court_document"] = str(NOT_STATED)
            self.warnings.append(("纠纷来源", choice_label(SOURCES, source), MSG_COURT_NOT_STATED))
        cleaned = self._registration(data)
        if cleaned is None:
            return None
        mediators = self._mediators(committee)
        for column, value, reason in self.warnings:
            self.session.warn(self.number, column, value, reason)
        first = applicants[0]
        return Row(
            number=self.number,
            received_on=c["登记日期"],
            text=text,
            applicant_key=person_key(first["name"], first["id_number"]),
            cleaned=cleaned,
            state=state,
            started_on=c["受理日期"],
            form=c["协议形式"],
            effective_on=c["协议生效日期"],
            performance=c["履行情况"],
            applied=bool(c["是否申请司法确认"]),
            ruling=c["司法确认结果"],
            closed_on=c["结案日期"],
            follow_up=c["回访情况"] or "",
            mediators=mediators,
            kept=self.kept,
            ledger_number=(c["纠纷编号"] or "")[:60],
        )

    # -- place and type ------------------------------------------------------------------------

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
        text = self.cells["纠纷类型"]
        if not text:
            return None
        key = "/".join(part.strip() for part in re.split(r"[/／>＞-]", text))
        if key not in self.look.types:
            message = MSG_UNKNOWN_TYPE
        elif self.look.types[key] is None:
            message = MSG_AMBIGUOUS_TYPE
        else:
            return self.look.types[key]
        self.error("纠纷类型", text, format_lazy(message, value=text, allowed=self.look.type_names))
        return None

    # -- parties -------------------------------------------------------------------------------

    def _parties(self, column: str, side: str, *, required: bool = False) -> list[dict]:
        text = self.cells[column]
        if text is None:  # refused by the parser
            return []
        names = [name for name in split_cell(text) if name]
        if not names:
            if required and not self.failed(column):
                self.error(column, text, MSG_REQUIRED)
            return []
        parties = []
        for name in names:
            if "*" in name:
                self.error(column, text, MSG_MASKED)
                return []
            organisation = is_organisation(name)
            if len(name) > (ORGANISATION_LENGTH if organisation else NAME_LENGTH):
                self.error(column, name, format_lazy(MSG_NAME_LONG, value=name))
            parties.append(
                {
                    "side": side,
                    "kind": "organisation" if organisation else "person",
                    "name": name,
                    "id_number": "",
                    "phone": "",
                }
            )
        return parties

    def _identity(self, column: str, applicants: list[dict], validate) -> list[str]:
        text = self.cells[column] or ""
        parts = split_cell(text)
        if not parts:
            return []
        if "*" in text:
            self.error(column, text, MSG_MASKED)
            return []
        if len(parts) > max(len(applicants), 1):
            self.error(
                column,
                text,
                format_lazy(
                    MSG_MORE_VALUES, column=column, count=len(parts), names=len(applicants)
                ),
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
                self.error(column, part, " ".join(str(m) for m in exc.messages))
                result.append("")
        return result

    # -- committee and mediators ---------------------------------------------------------------

    def _committee(self, community: Community | None) -> tuple[Committee | None, str, Any]:
        """(the committee, the tier, the committee's grid) of the row."""
        default = Tier.COMMUNITY if community is not None else Tier.STREET
        text = self.cells["调解组织"] or ""
        if not text:
            return None, default, None
        committee = self.look.committees.get(_fold(text))
        if committee is not None:
            return (
                committee,
                committee.tier,
                committee.grid if committee.tier == Tier.GRID else None,
            )
        self.kept["committee"] = text[:100]
        tier = tier_of(text)
        shown = str(Tier(tier or default).label)
        message = MSG_UNKNOWN_COMMITTEE if tier else MSG_UNKNOWN_COMMITTEE_TIER
        self.warnings.append(("调解组织", text, format_lazy(message, tier=shown)))
        return None, tier or default, None

    def _mediators(self, committee: Committee | None) -> list[Mediator]:
        found: list[Mediator] = []
        unknown: list[str] = []
        for name in split_cell(self.cells["调解员"] or ""):
            if not name:
                continue
            candidates = self.look.mediators.get(_fold(name), [])
            # The row's committee's own first; of several of one name, the active ones.
            pool = [m for m in candidates if committee and m.committee_id == committee.pk]
            pool = pool or candidates
            active = [m for m in pool if m.active]
            pool = active if len(pool) > 1 and active else pool
            if len(pool) == 1:
                found.append(pool[0])
                continue
            unknown.append(name[:40])
            reason = MSG_AMBIGUOUS_MEDIATOR if pool else MSG_UNKNOWN_MEDIATOR
            self.session.warn(self.number, "调解员", name, reason)
        if unknown:
            self.kept["mediators"] = unknown
        return list({m.pk: m for m in found}.values())

    # -- dates and the result ------------------------------------------------------------------

    def _dates_and_result(self) -> str:
        """Dates not in the future and in order; the columns the 调解结果 needs and forbids.
        Returns the row's state (a blank 调解结果: in mediation with a 受理日期, else
        registered)."""
        c, today = self.cells, self.look.today
        for column in ("登记日期", "受理日期", "协议生效日期", "结案日期"):
            if c[column] is not None and c[column] > today:
                self.error(column, c[column], format_lazy(MSG_FUTURE, value=c[column]))
        for index, later in enumerate(DATE_ORDER[1:], start=1):
            earlier = next((e for e in reversed(DATE_ORDER[:index]) if c[e] is not None), None)
            if c[later] is not None and earlier is not None and c[later] < c[earlier]:
                self.error(
                    later,
                    c[later],
                    format_lazy(
                        MSG_BEFORE,
                        column=later,
                        value=c[later],
                        other=earlier,
                        other_value=c[earlier],
                    ),
                )
        state = c["调解结果"]
        if state is None:
            if self.failed("调解结果"):
                return "registered"
            state = "mediating" if c["受理日期"] else "registered"
        label = choice_label(RESULTS, state)
        needs, forbids = RESULT_COLUMNS[state]
        for column in needs:
            if c[column] is None and not self.failed(column):
                self.error(column, "", format_lazy(MSG_RESULT_NEEDS, result=label, column=column))
        for column in forbids:
            value = c[column]
            if value is not None and value is not False:
                shown = "是" if value is True else value
                self.error(
                    column,
                    shown,
                    format_lazy(MSG_RESULT_FORBIDS, result=label, column=column, value=shown),
                )
        if state == "agreement":
            if c["是否申请司法确认"] and c["协议形式"] == "oral":
                self.error("是否申请司法确认", "是", MSG_CONFIRM_WRITTEN)
            if c["司法确认结果"] and not c["是否申请司法确认"]:
                self.error("司法确认结果", c["司法确认结果"], MSG_RULING_NEEDS_APPLICATION)
            if c["结案日期"] is not None and c["履行情况"] == "pending":
                self.error("履行情况", "履行中", MSG_CLOSED_PENDING)
        return state

    # -- the registration's own checks ---------------------------------------------------------

    def _registration(self, data: dict) -> dict | None:
        errors = Errors()
        cleaned = clean_registration(self.look.actor, data, errors)
        for key, messages in errors.items():
            column = _column_of(key, data["parties"])
            value = _value_of(key, data)
            for message in messages:
                self.error(column, value, message)
        return None if errors else cleaned


def _column_of(key: str, parties: list[dict]) -> str:
    if key.startswith("parties."):
        parts = key.split(".")
        index = int(parts[1]) if parts[1].isdigit() else 0
        side = parties[index]["side"] if index < len(parties) else "a"
        if len(parts) > 2 and parts[2] == "id_number":
            return "身份证号"
        if len(parts) > 2 and parts[2] == "phone":
            return "联系电话"
        return "申请人" if side == "a" else "被申请人"
    return FIELD_COLUMNS.get(key, "")


def _value_of(key: str, data: dict) -> Any:
    if key.startswith("parties."):
        parts = key.split(".")
        index = int(parts[1]) if parts[1].isdigit() else 0
        if index < len(data["parties"]):
            return data["parties"][index].get(parts[2] if len(parts) > 2 else "name", "")
        return ""
    value = data.get(key)
    if isinstance(value, Decimal):
        return str(value)
    return getattr(value, "name", value)
