"""The incident ledger (突发事件台账), the patrol ledger (巡查台账) and the hazard rectification
ledger (隐患整改台账) on the ledger page: who is offered them, the download with the list filters
(audited), each reader's scope, the import of the incident ledger all-or-nothing with its report
in Chinese, and the patrol ledgers said to be exported only."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from huiyin.cases.models import Case
from huiyin.incidents.tests import factories as itf
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports.ledgers.incidents import COLUMNS as INCIDENT_COLUMNS
from huiyin.reports.ledgers.patrols import PATROL_COLUMNS, RECTIFICATION_COLUMNS
from huiyin.reports.tests import test_stats_patrols as fixtures
from huiyin.reports.tests.test_ledger_export import sheet_rows
from huiyin.reports.tests.test_ledger_incidents import ledger, row
from huiyin.reports.views.ledger import exportable, importable

PAGE = reverse("reports:ledger")
EXPORT = reverse("reports:ledger_export")
IMPORT = reverse("reports:ledger_import")
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
NEW = ("incidents", "patrols", "rectifications")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _setup(db, settings, tmp_path):
    from huiyin.incidents.types import ensure_default_types

    settings.HUIYIN_JOBS_SYNC = True
    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    ensure_default_types()


@pytest.fixture
def march(personas, community, other_community, grid):
    fixtures.make_march(personas, community, other_community, grid)


@pytest.fixture
def incidents(personas, community, other_community, grid):
    """Three incidents: one in the grid, one elsewhere in its community, one in another."""
    duty = personas[Role.GOVERNANCE_STAFF]
    now = timezone.now().replace(second=0, microsecond=0)
    made = []
    for n, (place, cell) in enumerate(
        ((community, grid), (community, None), (other_community, None))
    ):
        made.append(
            itf.register(
                duty,
                title=f"事件{n}",
                community=place,
                grid=cell,
                occurred_at=now - timedelta(days=5 - n, minutes=30),
                learned_at=now - timedelta(days=5 - n),
            )
        )
    return made


def download(client, key: str, **params) -> list[list]:
    response = client.get(EXPORT, {"ledger": key, **params})
    assert response.status_code == 200, key
    return sheet_rows(b"".join(response.streaming_content))


def test_the_page_offers_the_three_ledgers_to_who_reads_them(client, personas):
    assert exportable(personas[Role.LEADER])[-3:] == list(NEW)
    assert exportable(personas[Role.GOVERNANCE_STAFF])[-3:] == list(NEW)
    # The petition office reads neither incidents nor patrols.
    assert not set(NEW) & set(exportable(personas[Role.PETITION_CLERK]))
    client.force_login(personas[Role.LEADER])
    page = client.get(PAGE).content.decode()
    for key in NEW:
        assert f'value="{key}"' in page
    # The patrol ledgers are said to be exported only.
    assert 'id="ledger-export-only"' in page and "只能导出，不能导入" in page
    client.force_login(personas[Role.PETITION_CLERK])
    page = client.get(PAGE).content.decode()
    assert 'value="incidents"' not in page and 'id="ledger-export-only"' not in page


def test_a_leader_downloads_each_with_the_list_filters_audited(
    client, personas, march, incidents, other_community
):
    client.force_login(personas[Role.LEADER])
    response = client.get(EXPORT, {"ledger": "incidents"})
    assert response.status_code == 200
    assert "突发事件台账-" in unquote(response["Content-Disposition"])
    rows = sheet_rows(b"".join(response.streaming_content))
    assert rows[2] == [c.header for c in INCIDENT_COLUMNS]
    assert [r[1] for r in rows[3:]] == [case.number for case in incidents]
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.diff["rows"] == 3

    # The incident list's filters: one community.
    there = download(client, "incidents", community=str(other_community.pk))
    assert [r[1] for r in there[3:]] == [incidents[2].number]

    patrols = download(client, "patrols", **MARCH)
    assert patrols[2] == [c.header for c in PATROL_COLUMNS]
    assert len(patrols) - 3 == 3  # the three of March, not the evening before or the day after
    assert len(download(client, "patrols")) - 3 == 5
    rectifications = download(client, "rectifications", **MARCH)
    assert rectifications[2] == [c.header for c in RECTIFICATION_COLUMNS]
    assert len(rectifications) - 3 == 4
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.diff["rows"] == 4
    # Bad filters are ignored, as the lists ignore them: never a 500.
    assert len(download(client, "patrols", **{"from": "2025-13-01", "to": "x" * 300})) - 3 == 5


def test_a_grid_worker_is_refused_the_downloads(client, personas, march, incidents):
    client.force_login(personas[Role.GRID_WORKER])
    # No Perm.REPORTS_EXPORT, and a grid's scope imports no ledger: neither half of the page.
    assert client.get(PAGE).status_code == 403
    for key in NEW:
        assert client.get(EXPORT, {"ledger": key}).status_code == 403, key
    assert not AuditEntry.objects.filter(action="export").exists()
    assert importable(personas[Role.GRID_WORKER]) == []


def test_an_exporter_who_works_one_grid_gets_only_that_grids_rows(
    client, personas, march, incidents, grid
):
    # The petition office's export right, and a grid worker's reach on 第1网格.
    person = personas[Role.PETITION_CLERK]
    RoleGrant.objects.create(staff=person.staff, role=Role.GRID_WORKER, grid=grid)
    client.force_login(person)
    assert [r[1] for r in download(client, "incidents")[3:]] == [incidents[0].number]
    patrols = download(client, "patrols", **MARCH)[3:]
    assert [r[[c.header for c in PATROL_COLUMNS].index("网格")] for r in patrols] == ["第1网格"]
    grids = [c.header for c in RECTIFICATION_COLUMNS].index("网格")
    rectifications = download(client, "rectifications")[3:]
    assert rectifications and {r[grids] for r in rectifications} == {"第1网格"}


def test_a_community_worker_imports_the_incident_ledger_of_their_community(client, personas):
    worker = personas[Role.COMMUNITY_WORKER]  # 柑子园社区
    assert "incidents" in importable(worker)
    client.force_login(worker)
    page = client.get(IMPORT).content.decode()
    assert 'value="incidents"' in page and 'id="import-needs-incidents"' in page
    assert 'value="patrols"' not in page and 'id="import-export-only"' in page
    with translation.override("zh-hans"):
        response = client.post(
            IMPORT,
            {
                "ledger": "incidents",
                "file": upload([row(), row(序号=2, 所属社区="翠屏路社区", 简要情况="另一起火警")]),
            },
            follow=True,
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-failed"' in page and "翠屏路社区" in page
    assert not Case.objects.filter(kind="incident").exists()  # all or nothing

    response = client.post(IMPORT, {"ledger": "incidents", "file": upload([row()])}, follow=True)
    page = response.content.decode()
    assert 'id="import-ok"' in page and "已导入 1 起突发事件。" in page
    job = response.context["job"]
    assert job.result["ledger"] == "incidents" and job.result["report"]["imported"] == 1
    assert Case.objects.filter(kind="incident").count() == 1
    entry = AuditEntry.objects.filter(action="ledger.import").latest("id")
    assert entry.diff["kind"] == "incidents" and entry.diff["imported"] == 1


def upload(rows, name="突发事件台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ledger(rows).getvalue())


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"事件类别": "外星人入侵"}, "“外星人入侵”不是系统中的突发事件类别"),
        ({"获知时间": "2025-3-5 14:00"}, "“获知时间”不能早于 2025-03-05 14:30"),
        ({"发生时间": "昨天下午"}, "“昨天下午”不是日期时间"),
        ({"伤亡情况": "有人受伤"}, "“有人受伤”不是伤亡人数"),
    ],
)
def test_a_bad_upload_gives_a_chinese_message_not_a_500(client, personas, overrides, says):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    with translation.override("zh-hans"):
        response = client.post(
            IMPORT,
            {"ledger": "incidents", "file": upload([row(), row(序号=2, **overrides)])},
            follow=True,
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-failed"' in page and '<tr data-row="5">' in page
    assert says in page and "未导入任何数据" in page
    assert not Case.objects.filter(kind="incident").exists()


def test_a_file_that_is_no_ledger_is_a_message_not_a_500(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    with translation.override("zh-hans"):
        garbage = SimpleUploadedFile("台账.xlsx", b"this is not a workbook" * 10)
        response = client.post(IMPORT, {"ledger": "incidents", "file": garbage}, follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="import-file-error"' in page and "无法作为 .xlsx 工作簿打开" in page
        # A wrong file type is refused on the form, in Chinese.
        text = SimpleUploadedFile("台账.txt", b"x")
        response = client.post(IMPORT, {"ledger": "incidents", "file": text})
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-error-for="file"' in page and "请选择 .xlsx 或 .csv 文件" in page
    assert not Case.objects.filter(kind="incident").exists()


def test_the_patrol_ledgers_cannot_be_imported_and_a_grid_worker_imports_nothing(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    for key in ("patrols", "rectifications"):
        response = client.post(IMPORT, {"ledger": key, "file": upload([row()])})
        assert response.status_code == 200  # not offered: a form error, never read as a kind
        assert 'data-error-for="ledger"' in response.content.decode()
    client.force_login(personas[Role.GRID_WORKER])
    response = client.post(IMPORT, {"ledger": "incidents", "file": upload([row()])})
    assert response.status_code == 403
    assert not Case.objects.filter(kind="incident").exists()
    assert not AuditEntry.objects.filter(action="ledger.import").exists()
