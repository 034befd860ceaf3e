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


class FieldChoice(Schema):
    value: str = Field(..., examples=["3"], description="what to send for the field")
    label: str = Field(..., examples=["城建办"])


class ActionField(Schema):
    """One field of an action's body, as the case page's form has it now."""

    name: str = Field(..., examples=["unit"])
    required: bool
    type: Literal["text", "date", "datetime", "integer", "decimal", "boolean", "choice", "many"]
    choices: list[FieldChoice] | None = Field(
        None,
        description=(
            "for a choice: the records the action may name now (a unit, a handler, a mediator, "
            "a party — by its side, never its name —, a risk note, a transfer, a task …); send "
            "a `value` (for `many`, a list of them)"
        ),
    )


class TransitionInfo(Schema):
    name: str = Field(..., examples=["assign"])
    label: str = Field(..., examples=["交办"])
    requires: list[str] = Field(..., examples=[["unit"]])
    optional: list[str] = Field(..., examples=[["handler", "note"]])
    fields: list[ActionField] = Field(
        ...,
        description="the body's fields with the ids of the records they may name",
        examples=[
            [
                {
                    "name": "unit",
                    "required": True,
                    "type": "choice",
                    "choices": [{"value": "3", "label": "城建办"}],
                },
                {"name": "note", "required": False, "type": "text", "choices": None},
            ]
        ],
    )


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


class AttachmentOut(Schema):
    """A file on a case: what it is, never what it holds (download it for that)."""

    id: int = Field(..., examples=[12])
    name: str = Field(..., examples=["现场照片.jpg"])
    size: int = Field(..., description="bytes", examples=[245760])
    content_type: str = Field(..., examples=["image/jpeg"])
    uploaded_at: datetime
    uploaded_by: str | None = Field(None, description="the staff member who added it")
    withdrawn: bool = Field(..., description="withdrawn files are listed, never downloaded")
    url: str | None = Field(None, description="its download; null when withdrawn")


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


# --------------------------------------------------------------------------- screening


class BodyOut(Schema):
    kind: Literal["community", "grid", "unit"]
    id: int
    token: str = Field(..., examples=["g7"], description="what `body` takes when filing")
    name: str = Field(..., examples=["第1网格"])
    community_id: int | None = None


class ScreeningRow(Schema):
    """One reporting body's report for one period (or its absence)."""

    period: str = Field(..., examples=["2026-W23"])
    period_start: date
    period_end: date
    deadline: datetime
    body: BodyOut
    status: Literal["on_time", "late", "missing", "pending"]
    status_label: str = Field(..., examples=["按时"])
    report_id: int | None = Field(None, description="null: not filed")
    nil: bool = Field(..., description="a nil report (零报告): nothing new found")
    note: str | None = None
    filed_at: datetime | None = None
    amended_at: datetime | None = None
    version: int | None = Field(None, description="send it back as If-Match to amend")
    items: int = Field(..., description="disputes the report lists")
    people: int = Field(..., description="people involved in them, a count")


class ScreeningPage(Schema):
    periods: list[str] = Field(..., examples=[["2026-W22", "2026-W23"]])
    items: list[ScreeningRow]
    totals: dict[str, int] = Field(
        ..., description="expected, on_time, late, missing, nil, pending"
    )


class ScreeningFiled(Schema):
    created: bool = Field(..., description="true: first filed now; false: amended")
    changed: bool = Field(..., description="false: filed again as it was (nothing written)")
    disputes: list[str] = Field(..., description="numbers of the disputes this filing added")
    report: ScreeningRow


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
