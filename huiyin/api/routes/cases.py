"""Cases of every kind: the list (the web lists' filters), a case, its timeline and clocks,
and its actions (``POST …/transitions/{name}``, the case page's forms and ``fire()``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from huiyin.api import pagination, serialize, transitions
from huiyin.api.access import load_case, require
from huiyin.api.kinds import KINDS
from huiyin.api.problems import Problem
from huiyin.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    CaseDetail,
    CasePage,
    ClockOut,
    KindName,
    TimelineEvent,
    text,
)
from huiyin.cases.models import CaseEvent, Clock

router = Router(tags=["cases 事项"])

#: Parameters of the API's own, never handed to the web list's filter.
OWN = ("kind", "cursor", "limit", "size", "page", "person", "street")
_FALSE = {"0", "false", "off", "no"}
MAX_TIMELINE = 2000

MSG_INVALID = _("This value is not valid for this filter.")
MSG_SORT = _("This kind of case is not sorted that way.")

Param = text(100)
Many = list[text(40)]


class CaseQuery(Schema):
    """The web list's filter parameters (each kind takes its own; see its list page)."""

    kind: KindName = Field(..., description="petition · dispute · incident")  # type: ignore[valid-type]
    q: Param | None = Field(None, description="text in the number, title or description")
    status: Many | None = None
    channel: Many | None = Field(None, description="petitions")
    level: Many | None = Field(None, description="petitions: where lodged")
    source: Many | None = Field(None, description="disputes, incidents")
    tier: Many | None = Field(None, description="disputes")
    grade: Many | None = Field(None, description="incidents")
    answered: Many | None = Field(None, description="petitions: on_time · late")
    community: Param | None = None
    grid: Param | None = None
    category: Param | None = Field(None, description="the category and those below it")
    owner_unit: Param | None = Field(None, description="petitions")
    owner: Param | None = Field(None, description="petitions: the handler")
    committee: Param | None = Field(None, description="disputes")
    reception_leader: Param | None = Field(None, description="petitions")
    satisfaction: Param | None = Field(None, description="petitions")
    due: Param | None = Field(None, description="soon · overdue (petitions, disputes)")
    awaiting: Param | None = Field(None, description="disputes: performance · window")
    session: Param | None = Field(None, description="disputes: week")
    from_: Param | None = Field(None, alias="from", description="received from, YYYY-MM-DD")
    to: Param | None = Field(None, description="received until, YYYY-MM-DD")
    collective: Param | None = None
    first: Param | None = None
    repeat: Param | None = None
    over_level: Param | None = None
    upward: Param | None = None
    key: Param | None = None
    open: Param | None = None
    concluded: Param | None = None
    returned: Param | None = None
    mine: Param | None = Field(None, description="disputes: assigned to me")
    unreported: Param | None = Field(None, description="incidents: no report upward yet")
    withdrawn: Param | None = Field(None, description="1: only withdrawn matters")
    ids: Param | None = Field(None, description="case ids, comma-separated")
    sort: Param | None = Field(None, description="due · -received · received")
    cursor: text(pagination.MAX_CURSOR) | None = Field(None, description="from next_cursor")
    limit: int = Field(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT)


def _filter_params(request: HttpRequest) -> QueryDict:
    params = request.GET.copy()
    for name in OWN:
        params.pop(name, None)
    return params


def _check(chosen, params: QueryDict, sorts: tuple[str, ...]) -> None:
    """422 for every parameter the web list would have ignored (the API does not guess)."""
    labels = getattr(chosen, "labels", None)
    if labels is None:
        from huiyin.petitions.queries import PARAMS as labels
    errors: dict[str, list] = {}
    for name in params:
        if name not in labels:
            continue  # not a filter of this kind: as the web list, not used
        given = [v.strip() for v in params.getlist(name) if v.strip()]
        if not given or name in chosen.values:
            continue
        if all(v.lower() in _FALSE for v in given):
            continue  # a flag turned off
        errors[name] = [MSG_INVALID]
    if chosen.values.get("sort", "") not in ("", *sorts):
        errors["sort"] = [MSG_SORT]
    if errors:
        raise Problem("invalid", errors=errors)


@router.get(
    "/cases",
    response={200: CasePage, **ERRORS},
    url_name="case_list",
    operation_id="listCases",
    summary="事项列表 List cases",
    description=(
        "One kind at a time, with the web list's filters, search and orders; only the cases "
        "the caller may see. Paged by cursor: pass `next_cursor` back as `cursor`."
    ),
)
def list_cases(request: HttpRequest, filters: Query[CaseQuery]):
    spec = KINDS[filters.kind]
    require(request, *spec.list_perms)
    params = _filter_params(request)
    chosen = spec.filter_class(params, request.user)
    _check(chosen, params, spec.sorts)
    sort = chosen.sort if chosen.sort in spec.sorts else spec.sorts[0]
    cases = serialize.with_related(chosen.queryset(paged=False))
    rows, cursor = pagination.page(cases, sort, filters.cursor, filters.limit)
    return {
        "items": [serialize.summary(case) for case in rows],
        "next_cursor": cursor,
        "limit": filters.limit,
    }


def _etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'


@router.get(
    "/cases/{number}",
    response={200: CaseDetail, **ERRORS},
    url_name="case_detail",
    operation_id="getCase",
    summary="事项详情 A case",
    description="The case (by number, e.g. 浓洄信〔2026〕0042号, or id) with the actions the "
    "caller may take now. ETag: the version to send back as If-Match.",
)
def get_case(request: HttpRequest, number: str, response: HttpResponse):
    case = load_case(request, number)
    require(request, *KINDS[case.kind].detail_perms)
    _etag(response, case.version)
    return serialize.detail(case, request.user)


@router.get(
    "/cases/{number}/timeline",
    response={200: list[TimelineEvent], **ERRORS},
    url_name="case_timeline",
    operation_id="getCaseTimeline",
    summary="事项时间线 Timeline",
)
def get_timeline(request: HttpRequest, number: str):
    case = load_case(request, number)
    require(request, *KINDS[case.kind].detail_perms)
    events = (
        CaseEvent.objects.filter(case=case)
        .select_related("actor__staff")
        .order_by("at", "id")[:MAX_TIMELINE]
    )
    return [serialize.event(e, case.kind) for e in events]


@router.get(
    "/cases/{number}/clocks",
    response={200: list[ClockOut], **ERRORS},
    url_name="case_clocks",
    operation_id="getCaseClocks",
    summary="事项时限 Time limits",
)
def get_clocks(request: HttpRequest, number: str):
    case = load_case(request, number)
    require(request, *KINDS[case.kind].detail_perms)
    return [
        serialize.clock(c) for c in Clock.objects.filter(case=case).order_by("started_on", "id")
    ]


@router.post(
    "/cases/{number}/transitions/{name}",
    response={200: CaseDetail, **WRITE_ERRORS},
    url_name="case_transition",
    operation_id="fireTransition",
    summary="办理操作 Take an action",
    description=(
        "The case page's action `name` (受理 accept, 交办 assign, 答复 reply …; see the case's "
        "`transitions` and /reference/workflows/{kind}). Body: the action's fields as JSON. "
        "Header If-Match: the version read (412 when the matter changed since).\n\n"
        "Where an action names a record — a unit or a handler to assign to, the mediators of a "
        "session, a party told of their rights, a risk note, a transfer, a performance term, an "
        "incident's task — read the case first (GET /cases/{number}): each of its "
        "`transitions` lists its `fields`, and a field of type `choice` or `many` lists the "
        "`choices` the action may name now, each with the `value` to send (a party is named "
        "by its side, never by its name). A signature's field is `signed_<party id>`. Units, "
        "communities, grids, categories and committees are also in /reference/…; attachments "
        "in /cases/{number}/attachments."
    ),
    openapi_extra={
        "parameters": [
            {
                "in": "header",
                "name": "If-Match",
                "required": True,
                "schema": {"type": "string", "maxLength": 40, "examples": ['"3"']},
                "description": "the case's version (its ETag)",
            }
        ],
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "maxProperties": transitions.MAX_KEYS,
                        "additionalProperties": {
                            "anyOf": [
                                {"type": "string", "maxLength": transitions.MAX_VALUE},
                                {"type": "integer"},
                                {"type": "boolean"},
                                {"type": "null"},
                                {
                                    "type": "array",
                                    "maxItems": transitions.MAX_ITEMS,
                                    "items": {"type": ["string", "integer"]},
                                },
                            ]
                        },
                    },
                    "examples": {
                        "assign": {
                            "summary": "交办",
                            "value": {"unit": 3, "note": "请于五个工作日内联系信访人"},
                        },
                        "accept": {
                            "summary": "受理",
                            "value": {"decided_on": "2026-03-02", "told_manner": "in_person"},
                        },
                        "record_session": {
                            "summary": "调解（mediators: the values of the field's choices）",
                            "value": {
                                "on": "2026-03-05",
                                "place": "柑子园社区调解室",
                                "summary": "双方同意分摊维修费用",
                                "mediators": [4, 7],
                            },
                        },
                        "tell_rights": {
                            "summary": "告知权利（party: a value of the field's choices）",
                            "value": {"party": 12, "on": "2026-03-03", "manner": "in_person"},
                        },
                    },
                }
            },
        },
    },
)
def fire_transition(request: HttpRequest, number: str, name: str, response: HttpResponse):
    case = load_case(request, number)
    require(request, *KINDS[case.kind].detail_perms)
    changed = transitions.run(request, case, name)
    _etag(response, changed.version)
    return serialize.detail(load_case(request, changed.number), request.user)
