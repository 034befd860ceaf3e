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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from huiyin.disputes.models import COURT_SOURCES, Mediator
from huiyin.disputes.registration import Errors, clean_registration
from huiyin.privacy.validators import validate_phone, validate_resident_id
from huiyin.reports.ledgers.cells import choice_label
from huiyin.reports.ledgers.disputes import DATE_ORDER, RESULT_COLUMNS, RESULTS, SOURCES
from huiyin.reports.ledgers.disputes_names import MSG_ORGANISATION_ID, Lookups, Names
from huiyin.reports.ledgers.petitions_check import (
    MSG_BEFORE,
    MSG_FUTURE,
    title_of,
)

__all__ = ["Lookups", "Row", "check_row", "duplicate_key", "person_key"]

MSG_RESULT_NEEDS = _("The mediation result “{result}” needs {column}.")
MSG_RESULT_FORBIDS = _("The mediation result “{result}” does not go with {column} ({value}).")
MSG_CONFIRM_WRITTEN = _("Judicial confirmation is for a written agreement (协议形式 书面).")
MSG_RULING_NEEDS_APPLICATION = _("A 司法确认结果 needs 是否申请司法确认 = 是.")
MSG_CLOSED_PENDING = _(
    "A closed dispute cannot still be 履行中: write how the agreement was performed."
)
MSG_BOTH_SIDES = _("Mediation needs a party on each side: fill in 被申请人.")
MSG_NO_SCOPE = _("You may not register disputes of {community}.")
MSG_COURT_NOT_STATED = _(
    "A court-referred dispute: the ledger names no court or document number; recorded as not "
    "stated."
)

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


# =============================================================================== the row


def check_row(session, number: int, cells: Mapping[str, Any]) -> Row | None:
    """The row ready to write, or None after reporting its errors (see the module docstring)."""
    return _Check(session, number, cells).row()


class _Check(Names):
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
