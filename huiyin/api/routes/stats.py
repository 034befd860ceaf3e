"""``/api/v1/stats``: the figures of ``huiyin stats --json``, counted over what the caller may
see (the statistics layer's ``compute(period, user=…)``, as the dashboard counts them)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from huiyin.api.access import require
from huiyin.api.problems import Problem
from huiyin.api.schemas import ERRORS, Id, Stats
from huiyin.cases import bounds
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid, Unit
from huiyin.org.roles import Perm

router = Router(tags=["statistics 统计"])

MSG_BOTH = _("Give both from and to, or neither (this month).")
MSG_REVERSED = _("The end date cannot be earlier than the start date.")
MSG_TOO_LONG = _("Choose a period of at most ten years.")
MSG_UNKNOWN = _("No such record.")


class StatsQuery(Schema):
    from_: date | None = Field(None, alias="from", description="first day, YYYY-MM-DD")
    to: date | None = Field(None, description="last day (included), YYYY-MM-DD")
    community: Id | None = None
    grid: Id | None = None
    unit: Id | None = Field(None, description="the responsible unit")


def period_of(query: StatsQuery):
    from huiyin.reports.forms import MAX_PERIOD_DAYS
    from huiyin.reports.stats import Period

    start, end = query.from_, query.to
    if start is None and end is None:
        return Period.this_month(bounds.today())
    errors: dict[str, list] = {}
    if start is None or end is None:
        errors["from" if start is None else "to"] = [MSG_BOTH]
    for name, day in (("from", start), ("to", end)):
        if day is not None:
            error = bounds.date_error(day, future_ok=True)
            if error is not None:
                errors.setdefault(name, []).extend(error.messages)
    if not errors and end < start:
        errors["to"] = [MSG_REVERSED]
    elif not errors and (end - start).days + 1 > MAX_PERIOD_DAYS:
        errors["to"] = [MSG_TOO_LONG]
    if errors:
        raise Problem("invalid", errors=errors)
    return Period(start, end)


#: The query parameters naming a place, its model, and the path from the place to its street.
PLACES = (
    ("community", Community, "street_id"),
    ("grid", Grid, "community__street_id"),
    ("unit", Unit, "street_id"),
)


def scope_of(query: StatsQuery, user):
    """The place the figures are counted in, looked up in the caller's streets only: an id of
    another street's place answers as one that does not exist (no probing across streets)."""
    from huiyin.reports.stats import Scope

    street_ids = reach_of(user).street_ids
    errors: dict[str, list] = {}
    for name, model, street_path in PLACES:
        value = getattr(query, name)
        if value is None:
            continue
        mine = model.objects.filter(pk=value, **{f"{street_path}__in": street_ids})
        if not mine.exists():
            errors[name] = [MSG_UNKNOWN]
    if errors:
        raise Problem("invalid", errors=errors)
    if query.community is None and query.grid is None and query.unit is None:
        return None
    return Scope(community_id=query.community, grid_id=query.grid, unit_id=query.unit)


@router.get(
    "/stats",
    response={200: Stats, **ERRORS},
    url_name="stats",
    operation_id="getStats",
    summary="统计数字 Statistics",
    description=(
        "The numbers of `huiyin stats --json` for a period (both days included; default this "
        "month, at most ten years), over the cases the caller may see. The keys are those the "
        "README lists."
    ),
)
def get_stats(request: HttpRequest, query: Query[StatsQuery]):
    from huiyin.reports.stats import compute, registered

    require(request, Perm.REPORTS_VIEW)
    # As the command: every section, the assessment's ranking (computed on request) too.
    every = [section for entry in registered() for section in entry.sections]
    return compute(
        period_of(query), user=request.user, scope=scope_of(query, request.user), include=every
    )
