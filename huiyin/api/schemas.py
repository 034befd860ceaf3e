"""The shapes of the API's answers (what the OpenAPI schema documents).

No answer carries a petitioner's or a party's name, ID number, phone or address — not even
masked —, nor a next of kin's: they are taken on intake (:mod:`huiyin.api.intake_schemas`,
write-only) and stay on the web, where revealing one is an audited act of its own.
``huiyin/api/tests/test_no_identity.py`` walks this schema and real answers to prove it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

from huiyin.cases.kinds import Kind

KindName = Literal[tuple(Kind.values)]  # type: ignore[valid-type]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "NUL character")
    return value


def text(max_length: int, min_length: int = 0):
    """A string of at most `max_length` characters without NUL characters."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length),
        AfterValidator(_no_nul),
    ]


#: A database id as the API takes it (a PostgreSQL bigint, never an overflow).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Ref(Schema):
    id: int
    name: str


class Problem(Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(..., examples=["/api/v1/docs#problem-stale"])
    title: str = Field(..., examples=["事项已被他人修改"])
    status: int = Field(..., examples=[412])
    detail: str = Field(..., examples=["该事项已被他人修改，请重新读取后再试。"])
    instance: str | None = Field(
        None, examples=["/api/v1/cases/浓洄信〔2026〕0042号/transitions/accept"]
    )
    errors: list[FieldError] | None = None


class FieldError(Schema):
    field: str = Field(..., examples=["petitioners.0.phone"])
    pointer: str = Field(..., examples=["/petitioners/0/phone"])
    detail: str = Field(..., examples=["请输入正确的手机号码。"])


Problem.model_rebuild()

#: The error answers every operation may give (the docs page and schemathesis read them).
ERRORS = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    422: Problem,
    429: Problem,
}
WRITE_ERRORS = {**ERRORS, 409: Problem, 412: Problem, 428: Problem}


# --------------------------------------------------------------------------- cases


class PetitionFacts(Schema):
    channel: str
    channel_label: str
    level: str
    handling_level: str
    is_collective: bool
    headcount: int = Field(..., description="人次 (person-times), never a list of people")
    is_repeat: bool
    is_anonymous: bool
    representatives_exceeded: bool


class DisputeFacts(Schema):
    source: str
    source_label: str
    tier: str
    committee: Ref | None = None
    amount: str | None = Field(None, description="yuan, two decimals, as text")
    people_count: int | None = None


class IncidentFacts(Schema):
    source: str
    source_label: str
    grade: str
    grade_label: str
    occurred_at: datetime
    learned_at: datetime
    people_count: int | None = Field(None, description="an estimate, never a list")


class CaseSummary(Schema):
    number: str = Field(..., examples=["浓洄信〔2026〕0042号"])
    kind: KindName  # type: ignore[valid-type]
    kind_label: str
    title: str = Field(..., examples=["小区停车位划分引发邻里矛盾"])
    status: str = Field(..., examples=["registered"])
    status_label: str = Field(..., examples=["已登记"])
    community: Ref | None = None
    grid: Ref | None = None
    category: Ref | None = None
    owner_unit: Ref | None = None
    received_at: datetime
    due_on: date | None = Field(None, description="the nearest due date of the office's clocks")
    closed_at: datetime | None = None
    version: int = Field(..., description="optimistic lock: send it back as If-Match")
    withdrawn: bool
    url: str = Field(..., description="this case in the API")
    petition: PetitionFacts | None = None
    dispute: DisputeFacts | None = None
    incident: IncidentFacts | None = None


class TransitionInfo(Schema):
    name: str = Field(..., examples=["assign"])
    label: str = Field(..., examples=["交办"])
    requires: list[str] = Field(..., examples=[["unit"]])
    optional: list[str] = Field(..., examples=[["handler", "note"]])


class CaseDetail(CaseSummary):
    description: str
    owner: Ref | None = Field(None, description="the handler (a staff member)")
    transitions: list[TransitionInfo] = Field(
        ..., description="the actions the caller may take now (POST …/transitions/{name})"
    )


class CasePage(Schema):
    items: list[CaseSummary]
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )
    limit: int


class TimelineEvent(Schema):
    at: datetime
    kind: str = Field(..., examples=["accept"])
    label: str = Field(..., examples=["受理"])
    from_status: str
    to_status: str
    note: str
    actor: str | None = Field(None, description="the staff member who acted")


class ClockOut(Schema):
    code: str = Field(..., examples=["handling"])
    label: str
    article: str
    binds: str = Field(..., description="whom the limit binds: office · petitioner · other_body")
    started_on: date
    due_on: date
    days: int
    working_days: bool
    extended: bool
    suspended: bool
    running: bool
    stopped_on: date | None = None
    outcome: str
    days_left: int | None = Field(None, description="calendar days to the due date (running)")
    provisional: bool = Field(..., description="computed without the year's holiday notice")


class Created(Schema):
    number: str = Field(..., examples=["浓洄信〔2026〕0042号"])
    kind: KindName  # type: ignore[valid-type]
    status: str
    version: int
    url: str
    receipt_code: str | None = Field(
        None, description="the code on the petitioner's slip (petitions), for the tracker"
    )
    warnings: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------- reference data


class GridOut(Schema):
    id: int
    name: str
    community_id: int


class CommunityOut(Schema):
    id: int
    name: str
    grids: list[Ref]


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    community_id: int | None = None


class CategoryOut(Schema):
    id: int
    name: str
    kind: KindName  # type: ignore[valid-type]
    parent_id: int | None = None
    active: bool


class CommitteeOut(Schema):
    id: int
    name: str
    tier: str
    active: bool


class StateOut(Schema):
    value: str
    label: str
    final: bool


class WorkflowTransition(Schema):
    name: str
    label: str
    sources: list[str]
    target: str | None = None
    requires: list[str]
    optional: list[str]


class WorkflowOut(Schema):
    kind: KindName  # type: ignore[valid-type]
    states: list[StateOut]
    transitions: list[WorkflowTransition]


class Stats(BaseModel):
    """The figures of ``huiyin stats --json`` (keys documented in the README): period, scope,
    then each kind's sections (petitions, receptions, goals, disputes, screening …)."""

    model_config = ConfigDict(extra="allow")

    period: dict[str, str]
    scope: dict[str, int | None]


AnyJson = dict[str, Any]
