"""The patrol ledgers out to Excel: 巡查台账 (``--kind patrols``) and 隐患整改台账
(``--kind rectifications``).

    huiyin export-ledger --user NAME --kind patrols --from 2025-03-01 --to 2025-03-31 --out 巡查.xlsx

Which rows: those inside the person's ``patrols.view`` scope (:func:`huiyin.patrols.access.rows`:
a grid worker their grid, a community worker their community and its grids, the 综治办 and the
leaders the whole street), filtered by the GET names ``from`` and ``to`` (Beijing dates: the
day a patrol started, the day a rectification was opened) and ``community`` (an id); a bad
value is ignored, as the lists ignore it. Oldest first, streamed in chunks, each chunk's team,
findings and inspections read in one query each. The export is audited by the engine.

Matters, not people: the patrol ledger names the team (staff and the roster's volunteers, never
their phones) and what was found (conditions and events, checked for identities when recorded);
the rectification ledger names the responsible party as recorded (a business or its manager),
never a resident.

These ledgers are exported only: a patrol or an inspection is recorded on its page, with its
photos and checklist, not from a sheet. An import of one of them reports that on every row and
writes nothing.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.deadlines import CHINA_TZ

# The petition ledger registers first whatever is imported first: it is the default kind.
from huiyin.reports.ledgers import export, kinds, petitions  # noqa: F401
from huiyin.reports.ledgers.kinds import Column, LedgerKind

__all__ = ["PATROLS", "RECTIFICATIONS", "export_patrol_ledger", "export_rectification_ledger"]

MSG_EXPORT_ONLY = _(
    "This ledger is exported only: record patrols and inspections on their pages. Nothing was "
    "imported."
)
#: Several names or findings in one cell.
NAMES_SEPARATOR = "、"
FINDINGS_SEPARATOR = "\n"
#: Rows fetched per chunk.
EXPORT_CHUNK = 2000


def _filters(params: Mapping | None) -> dict[str, str]:
    """The valid filters of `params`: ``from`` / ``to`` (plausible ISO dates, to not before
    from) and ``community`` (an id); anything else is ignored."""
    params = params or {}
    out: dict[str, str] = {}
    for name in ("from", "to"):
        raw = str(params.get(name) or "").strip()[:10]
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            continue
        if bounds.date_error(day, future_ok=True) is None:
            out[name] = day.isoformat()
    if "from" in out and "to" in out and out["to"] < out["from"]:
        del out["to"]
    community = bounds.bounded_int(params.get("community"), 1, bounds.MAX_ID)
    if community is not None:
        out["community"] = str(community)
    return out


def _start(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.min, tzinfo=CHINA_TZ)


def _dated(rows: QuerySet, field: str, filters: Mapping[str, str], *, moment: bool) -> QuerySet:
    if "from" in filters:
        start = _start(filters["from"]) if moment else filters["from"]
        rows = rows.filter(**{f"{field}__gte": start})
    if "to" in filters:
        if moment:
            rows = rows.filter(**{f"{field}__lt": _start(filters["to"]) + timedelta(days=1)})
        else:
            rows = rows.filter(**{f"{field}__lte": filters["to"]})
    if "community" in filters:
        rows = rows.filter(community_id=int(filters["community"]))
    return rows


def _chunked(rows: QuerySet, related) -> Iterator[tuple[Any, Any]]:
    chunk: list = []
    for record in rows.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(record)
        if len(chunk) == EXPORT_CHUNK:
            found = related([r.pk for r in chunk])
            yield from ((r, found) for r in chunk)
            chunk = []
    if chunk:
        found = related([r.pk for r in chunk])
        yield from ((r, found) for r in chunk)


def _local(moment: datetime | None) -> date | None:
    return timezone.localtime(moment, CHINA_TZ).date() if moment else None


class _ExportOnly(LedgerKind):
    msg_imported = _("%(count)s rows imported from %(rows)s rows.")

    def may_import(self, user) -> bool:
        return False

    def build(self, session, number: int, cells: Mapping[str, Any]):
        session.error(number, "", "", MSG_EXPORT_ONLY)
        return None

    def save(self, session, row) -> None:  # never reached: every row is an error
        raise NotImplementedError


# ============================================================================== 巡查台账


PATROL_COLUMNS: tuple[Column, ...] = (
    Column("序号", ("编号", "序"), width=6, format="int", serial=True),
    Column("巡查时间", ("开始时间", "巡逻时间"), width=17, format="datetime"),
    Column("时长（分钟）", ("时长", "巡查时长"), width=9, format="int"),
    Column("巡查类型", ("类型", "巡逻类型"), width=14, format="wrap"),
    Column("所属社区", ("社区",), width=14),
    Column("网格", ("所属网格",), width=10),
    Column("巡查路线", ("路线",), width=18, format="wrap"),
    Column("工作人员", ("巡查人员",), width=16, format="wrap"),
    Column("志愿者", ("志愿者（红袖章）",), width=16, format="wrap"),
    Column("联防单位", ("公安联防单位",), width=14, format="wrap"),
    Column("发现问题", ("巡查发现", "发现情况"), width=40, format="wrap"),
    Column("处理情况", ("处置情况",), width=24, format="wrap"),
)


class _PatrolRelated:
    """One chunk's team members and findings, by patrol id: one query each."""

    def __init__(self, ids: list[int]):
        from huiyin.patrols.models import Finding, Patrol

        self.staff: dict[int, list[str]] = defaultdict(list)
        for patrol_id, name in (
            # The roster's order, not the order a set happened to be saved in.
            Patrol.staff.through.objects.filter(patrol_id__in=ids)
            .order_by("staff_id")
            .values_list("patrol_id", "staff__name")
        ):
            self.staff[patrol_id].append(name)
        self.volunteers: dict[int, list[str]] = defaultdict(list)
        for patrol_id, name in (
            Patrol.volunteers.through.objects.filter(patrol_id__in=ids)
            .order_by("volunteer_id")
            .values_list("patrol_id", "volunteer__name")
        ):
            self.volunteers[patrol_id].append(name)
        self.findings: dict[int, list[Finding]] = defaultdict(list)
        for finding in Finding.objects.filter(patrol_id__in=ids).order_by("id"):
            self.findings[finding.patrol_id].append(finding)


def _patrol_row(number: int, patrol, related: _PatrolRelated) -> list:
    findings = related.findings.get(patrol.pk, [])
    found = FINDINGS_SEPARATOR.join(
        f"{n}. {f.get_kind_display()}：{f.location}，{f.description}"
        for n, f in enumerate(findings, start=1)
    )
    handled = FINDINGS_SEPARATOR.join(
        f"{n}. {f.get_outcome_display()}" + (f"（{f.outcome_note}）" if f.outcome_note else "")
        for n, f in enumerate(findings, start=1)
    )
    return [
        number,
        patrol.started_at,
        patrol.duration_minutes,
        patrol.get_kind_display(),
        patrol.community.name,
        patrol.grid.name if patrol.grid_id else "",
        patrol.route,
        NAMES_SEPARATOR.join(related.staff.get(patrol.pk, [])),
        NAMES_SEPARATOR.join(related.volunteers.get(patrol.pk, [])),
        patrol.police_unit,
        found or "无",
        handled,
    ]


class PatrolLedger(_ExportOnly):
    """巡查台账: every patrol, with its team and what it found."""

    key = "patrols"
    label = _("Patrol ledger")
    columns = PATROL_COLUMNS
    msg_refused = _("%(name)s may not import patrols.")

    def export_records(self, user, params: Mapping | None) -> tuple[QuerySet, dict]:
        from huiyin.org.roles import Perm
        from huiyin.patrols import access
        from huiyin.patrols.models import Patrol

        filters = _filters(params)
        rows = access.rows(user, Patrol.objects.all(), Perm.PATROLS_VIEW)
        rows = _dated(rows, "started_at", filters, moment=True)
        rows = rows.select_related("community", "grid").order_by("started_at", "id")
        return rows, filters

    def export_rows(self, records: QuerySet, *, with_identity: bool) -> Iterator[list]:
        for number, (patrol, related) in enumerate(_chunked(records, _PatrolRelated), start=1):
            yield _patrol_row(number, patrol, related)

    def titles(self, user, filters: Mapping) -> tuple[str, str]:
        return export.ledger_titles(_("{street} patrol ledger"), filters, user=user)


# ============================================================================== 隐患整改台账


RECTIFICATION_COLUMNS: tuple[Column, ...] = (
    Column("序号", ("编号", "序"), width=6, format="int", serial=True),
    Column("立项日期", ("发现日期", "登记日期"), width=12, format="date"),
    Column("所属社区", ("社区",), width=14),
    Column("网格", ("所属网格",), width=10),
    Column("场所", ("重点场所", "检查场所"), width=16, format="wrap"),
    Column("来源", ("隐患来源",), width=18, format="wrap"),
    Column("隐患内容", ("整改事项", "存在问题"), width=36, format="wrap"),
    Column("依据", ("整改依据", "法律依据"), width=20, format="wrap"),
    Column("责任单位（人）", ("责任单位", "责任人"), width=16, format="wrap"),
    Column("整改期限", ("期限",), width=12, format="date"),
    Column("整改状态", ("状态",), width=12),
    Column("移交部门", ("移送部门",), width=12),
    Column("移交日期", ("移送日期",), width=12, format="date"),
    Column("部门处理结果", ("处理结果",), width=20, format="wrap"),
    Column("复查日期", ("复查时间",), width=12, format="date"),
    Column("复查结果", (), width=10),
    Column("整改完成日期", ("完成日期", "销号日期"), width=12, format="date"),
    Column("是否逾期", ("逾期",), width=8),
)


def _source(rectification) -> str:
    if rectification.inspection_id:
        return str(_("Inspection {number}")).format(number=rectification.inspection.number)
    return str(_("Found on patrol"))


def _rectification_row(number: int, r, today: date) -> list:
    return [
        number,
        _local(r.created_at),
        r.community.name,
        r.grid.name if r.grid_id else "",
        r.place.name if r.place_id else "",
        _source(r),
        r.item,
        r.basis,
        r.responsible_party,
        r.deadline,
        r.get_status_display(),
        r.get_referred_to_display() if r.referred_to else "",
        r.referred_on,
        r.referral_result,
        r.reinspected_on,
        r.get_reinspection_result_display() if r.reinspection_result else "",
        r.done_on,
        "是" if r.overdue_on(today) else "否",
    ]


class RectificationLedger(_ExportOnly):
    """隐患整改台账: every rectification, its deadline, referral, re-inspection and result."""

    key = "rectifications"
    label = _("Hazard rectification ledger")
    columns = RECTIFICATION_COLUMNS
    msg_refused = _("%(name)s may not import rectifications.")

    def export_records(self, user, params: Mapping | None) -> tuple[QuerySet, dict]:
        from huiyin.org.roles import Perm
        from huiyin.patrols import access
        from huiyin.patrols.models import Rectification

        filters = _filters(params)
        rows = access.rows(user, Rectification.objects.all(), Perm.PATROLS_VIEW)
        rows = _dated(rows, "created_at", filters, moment=True)
        rows = rows.select_related("community", "grid", "place", "inspection")
        return rows.order_by("created_at", "id"), filters

    def export_rows(self, records: QuerySet, *, with_identity: bool) -> Iterator[list]:
        today = bounds.today()
        for number, record in enumerate(records.iterator(chunk_size=EXPORT_CHUNK), start=1):
            yield _rectification_row(number, record, today)

    def titles(self, user, filters: Mapping) -> tuple[str, str]:
        return export.ledger_titles(_("{street} hazard rectification ledger"), filters, user=user)


PATROLS = kinds.register(PatrolLedger())
RECTIFICATIONS = kinds.register(RectificationLedger())


def export_patrol_ledger(
    out: str | os.PathLike | IO[bytes], *, user, params: Mapping | None = None, request=None
) -> int:
    """Write the patrol ledger (巡查台账) of the patrols `user` sees; audited. Returns the rows."""
    return export.export_ledger(PATROLS, out, user=user, params=params, request=request)


def export_rectification_ledger(
    out: str | os.PathLike | IO[bytes], *, user, params: Mapping | None = None, request=None
) -> int:
    """Write the hazard rectification ledger (隐患整改台账) of the rectifications `user` sees;
    audited. Returns the rows."""
    return export.export_ledger(RECTIFICATIONS, out, user=user, params=params, request=request)
