"""巡查台账 and 隐患整改台账 out to Excel, on the patrols' March 2025 fixtures
(test_stats_patrols): the rows a person may see, the list filters, the team and the findings,
the rectification's deadline and whether it is overdue; an import of them writes nothing."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import translation

from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports.ledgers import kinds
from huiyin.reports.ledgers.load import import_ledger
from huiyin.reports.ledgers.patrols import (
    PATROL_COLUMNS,
    RECTIFICATION_COLUMNS,
    export_patrol_ledger,
    export_rectification_ledger,
)
from huiyin.reports.tests import test_stats_patrols as fixtures
from huiyin.reports.tests.test_ledger_export import sheet_rows

MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def photo_dir(settings, tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"


@pytest.fixture
def march(personas, community, other_community, grid):
    fixtures.make_march(personas, community, other_community, grid)


def patrol_rows(user, params=None) -> list[list]:
    out = io.BytesIO()
    count = export_patrol_ledger(out, user=user, params=params or {})
    rows = sheet_rows(out.getvalue())
    assert rows[2] == [c.header for c in PATROL_COLUMNS] and len(rows) - 3 == count
    return rows[3:]


def rectification_rows(user, params=None) -> list[list]:
    out = io.BytesIO()
    count = export_rectification_ledger(out, user=user, params=params or {})
    rows = sheet_rows(out.getvalue())
    assert rows[2] == [c.header for c in RECTIFICATION_COLUMNS] and len(rows) - 3 == count
    return rows[3:]


def column(rows, header, columns) -> list:
    index = [c.header for c in columns].index(header)
    return [r[index] for r in rows]


def test_the_patrol_ledger(march, personas):
    leader = personas[Role.LEADER]
    every = patrol_rows(leader)
    assert len(every) == 5
    rows = patrol_rows(leader, MARCH)
    assert len(rows) == 3  # not the evening before, not the morning after
    assert column(rows, "巡查时间", PATROL_COLUMNS) == [
        datetime(2025, 3, 1, 0, 0),
        datetime(2025, 3, 15, 20, 0),
        datetime(2025, 3, 31, 23, 59),
    ]
    assert column(rows, "时长（分钟）", PATROL_COLUMNS) == [90, 45, 20]
    assert column(rows, "志愿者", PATROL_COLUMNS) == ["王红袖、李红袖", "王红袖", "赵红袖"]
    assert column(rows, "巡查路线", PATROL_COLUMNS)[1:] == ["翠屏路沿线", "果丰路"]
    found = column(rows, "发现问题", PATROL_COLUMNS)
    assert "3栋楼道" in found[0] and found[1:] == ["无", "无"]
    assert "rectification" in column(rows, "处理情况", PATROL_COLUMNS)[0].lower()
    # The export is audited with its row count.
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.diff["rows"] == 3


def test_the_patrol_ledger_follows_the_readers_scope(march, personas, other_community):
    assert len(patrol_rows(personas[Role.COMMUNITY_WORKER], MARCH)) == 2
    assert len(patrol_rows(personas[Role.GRID_WORKER], MARCH)) == 1
    assert patrol_rows(personas[Role.PETITION_CLERK]) == []
    leader = personas[Role.LEADER]
    assert len(patrol_rows(leader, {**MARCH, "community": str(other_community.pk)})) == 1
    # Bad filters are ignored, as the lists ignore them.
    assert len(patrol_rows(leader, {"from": "2025-13-01", "to": "x", "community": "-1"})) == 5


def test_the_rectification_ledger(march, personas):
    leader = personas[Role.LEADER]
    assert len(rectification_rows(leader)) == 5
    rows = rectification_rows(leader, MARCH)
    assert len(rows) == 4
    assert column(rows, "立项日期", RECTIFICATION_COLUMNS) == [
        datetime(2025, 3, 5),
        datetime(2025, 3, 5),
        datetime(2025, 3, 15),
        datetime(2025, 3, 31),
    ]
    assert column(rows, "整改期限", RECTIFICATION_COLUMNS)[0] == datetime(2025, 3, 10)
    assert column(rows, "整改完成日期", RECTIFICATION_COLUMNS) == [
        datetime(2025, 3, 8),
        None,
        datetime(2025, 4, 2),
        None,
    ]
    # Overdue as of today: the two not done, long past their deadlines.
    assert column(rows, "是否逾期", RECTIFICATION_COLUMNS) == ["否", "是", "否", "是"]
    sources = column(rows, "来源", RECTIFICATION_COLUMNS)
    assert sources[2] == "Found on patrol" and "检" in sources[0]
    assert column(rows, "场所", RECTIFICATION_COLUMNS)[0] == "极速网咖"
    assert len(rectification_rows(personas[Role.COMMUNITY_WORKER], MARCH)) == 3
    assert rectification_rows(personas[Role.PETITION_CLERK]) == []


def test_they_are_exported_only(march, personas):
    out = io.BytesIO()
    export_patrol_ledger(out, user=personas[Role.LEADER])
    for key in ("patrols", "rectifications"):
        with pytest.raises(PermissionDenied):
            import_ledger(
                kinds.get(key),
                io.BytesIO(out.getvalue()),
                filename="巡查台账.xlsx",
                actor=personas[Role.GOVERNANCE_STAFF],
            )
    # The command line (no account) is told on each row, and nothing is written.
    report = import_ledger(
        kinds.get("patrols"), io.BytesIO(out.getvalue()), filename="巡查台账.xlsx", actor=None
    )
    assert not report.ok and report.imported == 0
    assert "exported only" in str(report.errors[0].reason)


def test_the_command_exports_them(march, personas, tmp_path):
    for key, expected in (("patrols", 3), ("rectifications", 4)):
        path = tmp_path / f"{key}.xlsx"
        out = io.StringIO()
        call_command(
            "export-ledger", "--user", "leader", "--kind", key, "--from", "2025-03-01",
            "--to", "2025-03-31", "--out", str(path), stdout=out, stderr=io.StringIO(),
        )  # fmt: skip
        assert len(sheet_rows(path.read_bytes())) - 3 == expected
