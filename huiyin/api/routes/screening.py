"""The weekly dispute screening reports (一周一排查、一周一上报) over the API: who reported for
which period, on time, late or not at all (the board's rows, :mod:`huiyin.screening.compliance`),
and filing a report — a nil report (零报告) or the disputes found — through the same service as
the filing page (:func:`huiyin.screening.services.file_report`), with its checks and messages.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from huiyin.api.access import require
from huiyin.api.problems import Problem
from huiyin.api.schemas import ERRORS, WRITE_ERRORS, Id, ScreeningFiled, ScreeningPage, text
from huiyin.api.transitions import _VERSION, MSG_IF_MATCH
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category
from huiyin.org.models import Community
from huiyin.org.roles import Perm
from huiyin.screening import board as boards
from huiyin.screening import periods, services
from huiyin.screening.bodies import MAX_TOKEN, bodies_in, find, parse_token
from huiyin.screening.compliance import compliance
from huiyin.screening.models import ScreeningItem, ScreeningReport

router = Router(tags=["screening 排查上报"])

#: The most periods one list covers (a year of weeks).
MAX_PERIODS = 53

MSG_PERIOD = _("Enter a period as the pages name it, e.g. 2026-W23 (a week) or 2026-06 (a month).")
MSG_PERIOD_LATER = _("No reports are filed for a period that has not begun.")
MSG_RANGE = _("The last period cannot be before the first.")
MSG_RANGE_LONG = _("Ask for at most %(limit)s periods at once.")
MSG_BODY = _("No reporting body of yours is named so (c3, g7 or u2) for this period.")
MSG_BODY_CHOOSE = _("You file for several bodies: name one (its token, e.g. g7).")
MSG_NO_BODY = _("You file for no reporting body in this period.")
MSG_NOT_STATUS = _("Choose among on_time, late, missing and pending.")

Label = text(periods.MAX_LABEL)
Token = text(MAX_TOKEN)


class ScreeningQuery(Schema):
    from_: Label | None = Field(
        None, alias="from", description="first period (default: the one just ended)"
    )
    to: Label | None = Field(None, description="last period (default: the current one)")
    body: Token | None = Field(None, description="one body only: c3, g7, u2")
    status: list[text(10)] | None = Field(None, description="on_time · late · missing · pending")


class LinkIn(Schema):
    number: text(services.NUMBER_MAX) = Field(
        ..., examples=["浓洄调〔2026〕0015号"], description="an open dispute's number"
    )
    people_count: int = Field(..., ge=1, le=10**6, examples=[3])


class NewIn(Schema):
    title: text(services.TITLE_MAX) = Field(..., examples=["楼上漏水引发邻里纠纷"])
    people_count: int = Field(..., ge=1, le=10**6, examples=[2])
    description: text(services.DESCRIPTION_MAX) = ""
    category: Id | None = Field(None, description="a dispute type (/reference/categories)")
    found_on: date | None = Field(None, description="YYYY-MM-DD (default today)")
    community: Id | None = Field(None, description="a unit's report only: where it arose")


class FileIn(Schema):
    body: Token | None = Field(
        None, description="the body (c3, g7, u2); may be left out by whoever files for one only"
    )
    period: Label | None = Field(None, description="default: the period due", examples=["2026-W23"])
    nil: bool = Field(False, description="the nil report: nothing new found (零报告)")
    note: text(services.NOTE_MAX) | None = Field(None, description="null keeps the note")
    links: list[LinkIn] = Field(default_factory=list, max_length=services.ITEMS_MAX)
    new: list[NewIn] = Field(default_factory=list, max_length=services.ITEMS_MAX)


def _period(label: str | None, name: str, errors: dict) -> periods.Period | None:
    if label is None:
        return None
    period = periods.parse(label)
    if period is None:
        errors.setdefault(name, []).append(MSG_PERIOD)
    elif period > periods.current():
        errors.setdefault(name, []).append(MSG_PERIOD_LATER)
    return period


def _span(query: ScreeningQuery) -> tuple[periods.Period, periods.Period]:
    errors: dict[str, list] = {}
    first = _period(query.from_, "from", errors)
    last = _period(query.to, "to", errors)
    if query.body is not None and parse_token(query.body) is None:
        errors["body"] = [MSG_BODY]
    bad = [s for s in query.status or () if s not in boards.STATUS_LABELS]
    if bad or len(query.status or ()) > len(boards.STATUS_LABELS):
        errors["status"] = [MSG_NOT_STATUS]
    if errors:
        raise Problem("invalid", errors=errors)
    last = last or periods.current()
    first = first or min(boards.board_default(), last)
    if last < first:
        raise Problem("invalid", errors={"to": [MSG_RANGE]})
    if len(periods.between(first, last)[: MAX_PERIODS + 1]) > MAX_PERIODS:
        raise Problem("invalid", errors={"to": [MSG_RANGE_LONG % {"limit": MAX_PERIODS}]})
    return first, last


def _people(report_ids) -> dict[int, int]:
    rows = (
        ScreeningItem.objects.filter(report_id__in=report_ids)
        .values("report_id")
        .annotate(n=Sum("people_count"))
        .values_list("report_id", "n")
    )
    return dict(rows)


def rows_out(rows) -> list[dict]:
    """The board's rows as the API answers them (notes and versions read in one query)."""
    ids = [r.report_id for r in rows if r.report_id]
    found = ScreeningReport.objects.filter(pk__in=ids).values_list("pk", "note", "version")
    reports = {pk: note for pk, note, _version in found}
    versions = {pk: version for pk, _note, version in found}
    people = _people(ids)
    return [
        {
            "period": r.period.label,
            "period_start": r.period.start,
            "period_end": r.period.end,
            "deadline": r.deadline,
            "body": {
                "kind": r.body.kind,
                "id": r.body.pk,
                "token": r.body.token,
                "name": r.body.name,
                "community_id": r.body.community_id,
            },
            "status": r.status,
            "status_label": str(boards.STATUS_LABELS[r.status]),
            "report_id": r.report_id,
            "nil": r.nil,
            "note": reports.get(r.report_id) if r.report_id else None,
            "filed_at": r.filed_at,
            "amended_at": r.amended_at,
            "version": versions.get(r.report_id) if r.report_id else None,
            "items": r.items,
            "people": people.get(r.report_id, 0) if r.report_id else 0,
        }
        for r in rows
    ]


@router.get(
    "/screening/reports",
    response={200: ScreeningPage, **ERRORS},
    url_name="screening_reports",
    operation_id="listScreeningReports",
    summary="排查上报 Screening reports",
    description=(
        "Every reporting body the caller may see, for each period from `from` to `to` (labels "
        "as 2026-W23; by default the period just ended and the current one, at most a year): "
        "filed on time, late, missing (the deadline passed) or pending, with the disputes each "
        "report lists and the people they involve (a count)."
    ),
)
def list_reports(request: HttpRequest, query: Query[ScreeningQuery]):
    require(request, Perm.DISPUTES_VIEW)
    first, last = _span(query)
    services.ensure_duties()
    result = compliance(None, first, last, user=request.user)
    rows = result.rows
    if query.body is not None:
        rows = [r for r in rows if r.body.token == query.body.strip()]
    if query.status:
        rows = [r for r in rows if r.status in query.status]
    return {
        "periods": [p.label for p in result.periods],
        "items": rows_out(rows),
        "totals": dict(result.totals),
    }


def _version(request: HttpRequest) -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        return None
    match = _VERSION.fullmatch(raw[:40])
    if match is None:
        raise Problem("malformed", MSG_IF_MATCH)
    return int(match.group(1))


def _items(body, data: FileIn, errors: dict):
    """The rows as the filing page's form reads them (and checks them: a title, a type from the
    list when there is one, a community for a unit's report), for the service."""
    categories = {c.pk: c for c in Category.objects.filter(kind=Kind.DISPUTE, active=True)}
    communities = (
        {c.pk: c for c in Community.objects.filter(street_id=body.street_id)}
        if body.is_unit
        else {}
    )
    links = [services.LinkItem(item.number, item.people_count) for item in data.links]
    new = []
    for index, item in enumerate(data.new):
        # As the filing page's row: a type from the list when there is a list.
        key = f"new.{index}"
        category = categories.get(item.category) if item.category is not None else None
        if not item.title.strip():
            errors.setdefault(f"{key}.title", []).append(services.MSG_TITLE)
        if (item.category is not None or categories) and category is None:
            errors.setdefault(f"{key}.category", []).append(services.MSG_CATEGORY)
        if body.is_unit and item.community not in communities:
            errors.setdefault(f"{key}.community", []).append(services.MSG_COMMUNITY)
        new.append(
            services.NewItem(
                title=item.title,
                people_count=item.people_count,
                description=item.description,
                category=category,
                found_on=item.found_on,
                community=communities.get(item.community) if item.community else None,
            )
        )
    return links, new


def _body(request: HttpRequest, token: str | None, period: periods.Period):
    if token is not None:
        body = find(request.user, token, Perm.DISPUTES_SCREEN, period.start, period.end)
        if body is None:
            raise Problem("invalid", errors={"body": [MSG_BODY]})
        return body
    bodies = bodies_in(request.user, Perm.DISPUTES_SCREEN, period.start, period.end)
    if len(bodies) == 1:
        return bodies[0]
    raise Problem("invalid", errors={"body": [MSG_BODY_CHOOSE if bodies else MSG_NO_BODY]})


def _refused(invalid: services.ScreeningInvalid) -> Problem:
    errors = {key: [str(m) for m in messages] for key, messages in invalid.errors.items()}
    if str(services.MSG_STALE) in errors.get("__all__", []):
        return Problem("stale", services.MSG_STALE)
    return Problem("invalid", errors=errors)


@router.post(
    "/screening/reports",
    response={200: ScreeningFiled, 201: ScreeningFiled, **WRITE_ERRORS},
    url_name="screening_file",
    operation_id="fileScreeningReport",
    summary="提交排查报告 File a screening report",
    description=(
        "A body's report for a period: `nil: true` for the nil report (本周无新增), or the "
        "disputes found — `links` (open disputes by number) and `new` (registered now as "
        "disputes found in screening). A second filing for the same body and period amends "
        "the report (200; the first is 201); it adds disputes, never removes one. Send the "
        "report's `version` as If-Match to amend only what you read (412 otherwise). The "
        "checks and messages are the filing page's."
    ),
    openapi_extra={
        "parameters": [
            {
                "in": "header",
                "name": "If-Match",
                "required": False,
                "schema": {"type": "string", "maxLength": 40, "examples": ['"2"']},
                "description": "the report's version, when amending",
            }
        ],
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "nil": {"summary": "零报告", "value": {"body": "g7", "nil": True}},
                        "found": {
                            "summary": "发现纠纷",
                            "value": {
                                "body": "g7",
                                "period": "2026-W23",
                                "links": [{"number": "浓洄调〔2026〕0015号", "people_count": 3}],
                                "new": [
                                    {
                                        "title": "楼上漏水引发邻里纠纷",
                                        "people_count": 2,
                                        "category": 5,
                                    }
                                ],
                            },
                        },
                    }
                }
            }
        },
    },
)
def file_report(request: HttpRequest, body: FileIn, response: HttpResponse):
    data = body
    require(request, Perm.DISPUTES_SCREEN)
    version = _version(request)
    errors: dict[str, list] = {}
    period = _period(data.period, "period", errors)
    if errors:
        raise Problem("invalid", errors=errors)
    period = period or periods.due()
    services.ensure_duties()
    body = _body(request, data.body, period)  # from here, the reporting body
    links, new = _items(body, data, errors)
    if errors:
        raise Problem("invalid", errors=errors)
    try:
        filing = services.file_report(
            request.user,
            body,
            period,
            nil=data.nil,
            note=data.note,
            links=links,
            new=new,
            version=version,
            request=request,
        )
    except services.ScreeningInvalid as invalid:
        raise _refused(invalid) from None
    except PermissionDenied:
        raise Problem("forbidden") from None
    # The body's own row, judged as the board judges it (its scope: the body itself).
    only = SimpleNamespace(
        community_id=body.community_id if body.is_community else None,
        grid_id=body.grid_id,
        unit_id=body.unit_id,
    )
    rows = compliance(None, period, period, only).rows
    row = next(r for r in rows if r.body.key == body.key)
    response["ETag"] = f'"{filing.report.version}"'
    return Status(
        201 if filing.created else 200,
        {
            "created": filing.created,
            "changed": filing.changed,
            "disputes": [item.case.number for item in filing.items],
            "report": rows_out([row])[0],
        },
    )
