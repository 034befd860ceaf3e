"""The petition ledger out to Excel: columns, masking, identity, filters, audit, queries."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from huiyin.cases import bounds
from huiyin.cases.models import Category
from huiyin.org.roles import Role
from huiyin.petitions.models import Petition
from huiyin.petitions.services import mark_key_case, record_follow_up
from huiyin.petitions.tests.factories import (
    ID_1,
    ID_2,
    PHONE_1,
    PHONE_2,
    bring_to,
    days_ago,
    make_id,
    petitioner,
    register,
)
from huiyin.privacy.models import AuditEntry
from huiyin.reports.ledgers.petitions import PETITION_EXPORT_COLUMNS, export_petition_ledger

ID_3 = make_id("51130219700101003")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def build_petitions(personas, community, other_community, unit) -> dict[str, Petition]:
    """Petitions in the states and shapes a ledger shows, as the services make them."""
    clerk = personas[Role.PETITION_CLERK]
    leader = personas[Role.LEADER]
    category = Category.objects.get(kind="petition", parent=None, name="城建拆迁")
    made = {}
    made["concluded"] = p = register(
        clerk, community=community, category=category.pk, received_at=days_ago(40)
    )
    bring_to(p, "concluded", personas, unit=unit)
    record_follow_up(p, actor=clerk, satisfaction="satisfied")
    made["national"] = p = register(
        clerk,
        community=other_community,
        channel="letter",
        level="national",
        received_at=days_ago(30),
        petitioners=[petitioner("李四", id_number=ID_2, phone=PHONE_2)],
        complained_text="某物业公司",
        title="物业费上涨，要求公示收支",
    )
    bring_to(p, "accepted", personas, unit=unit)
    made["collective"] = register(
        clerk,
        community=community,
        is_collective=True,
        headcount=12,
        received_at=days_ago(25),
        title="拖欠农民工工资",
        petitioners=[
            petitioner("王五", id_number="", phone="", is_representative=True),
            petitioner("欧阳修文", id_number=ID_3, phone="0816-2345678", is_representative=True),
        ],
    )
    made["repeat"] = p = register(
        clerk, community=community, received_at=days_ago(10), repeat_of=made["concluded"].pk
    )
    bring_to(p, "declined", personas, unit=unit)
    made["key"] = p = register(
        clerk,
        community=other_community,
        channel="phone",
        level="province",
        received_at=days_ago(8),
        title="征地补偿标准",
        petitioners=[petitioner("赵六", id_number="", phone=PHONE_1)],
    )
    bring_to(p, "assigned", personas, unit=unit)
    mark_key_case(
        p,
        actor=leader,
        leader=leader.staff,
        plan="包案化解",
        time_limit=timezone.localdate() + timedelta(days=30),
        responsible_unit=unit,
    )
    made["replied"] = p = register(
        clerk, community=community, channel="online", received_at=days_ago(5), title="噪音扰民"
    )
    bring_to(p, "replied", personas, unit=unit)
    record_follow_up(p, actor=clerk, satisfaction="basically_satisfied")
    made["registered"] = register(
        clerk,
        community=community,
        received_at=days_ago(1),
        title="路灯损坏",
        petitioners=[petitioner("钱七", id_number="", phone="")],
    )
    return made


def sheet_rows(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row] for row in ws.iter_rows()]


def export(user, params=None, **kwargs) -> tuple[int, list[list]]:
    out = io.BytesIO()
    count = export_petition_ledger(out, user=user, params=params or {}, **kwargs)
    return count, sheet_rows(out.getvalue())


@pytest.fixture
def petitions(personas, community, other_community, unit):
    return build_petitions(personas, community, other_community, unit)


def by_column(row: list) -> dict:
    return dict(zip(PETITION_EXPORT_COLUMNS, row, strict=True))


def test_it_writes_the_columns_of_the_issue_in_order_with_title_and_period(personas, petitions):
    count, rows = export(personas[Role.PETITION_CLERK], {"from": "2000-01-01", "to": "2099-12-31"})
    assert count == 7
    assert rows[0][0] == "浓洄街道 petition ledger"
    assert "浓洄街道办事处" in rows[1][0]
    # A far end date is clamped to the last year the system supports (cases/bounds.py).
    last = bounds.latest_date()
    assert "2000年1月1日" in rows[1][0] and f"{last.year}年12月31日" in rows[1][0]
    assert rows[2] == list(PETITION_EXPORT_COLUMNS)
    assert [r[0] for r in rows[3:]] == list(range(1, 8))


def test_it_shows_each_petition_as_the_ledger_spells_it(personas, petitions, unit):
    _count, rows = export(personas[Role.PETITION_CLERK], with_identity=True)
    data = [by_column(r) for r in rows[3:]]
    first = data[0]
    assert first["登记日期"].date() == days_ago(40)
    assert first["信访形式"] == "来访"
    assert first["信访层级"] == "街道"
    assert first["是否集体访"] == "否"
    assert first["人数"] == 1
    assert first["信访人"] == "张三"
    assert first["身份证号"] == ID_1
    assert first["联系电话"] == PHONE_1
    assert first["所属社区"] == "柑子园社区"
    assert first["问题类别"] == "城建拆迁"
    assert first["责任单位"] == "城建办"
    assert first["办理状态"] == "已办结"
    assert first["受理日期"] and first["答复日期"] and first["办结日期"]
    assert first["满意度"] == "满意"
    national = data[1]
    assert national["信访层级"] == "进京"
    assert national["信访形式"] == "来信"
    assert national["被反映单位"] == "某物业公司"
    assert national["办理状态"] == "已受理"
    assert national["答复日期"] is None
    collective = data[2]
    assert collective["是否集体访"] == "是"
    assert collective["人数"] == 12
    assert collective["信访人"] == "王五、\n欧阳修文"
    assert collective["身份证号"] == f"、\n{ID_3}"
    repeat = data[3]
    assert repeat["是否重复信访"] == "是"
    assert repeat["办理状态"] == "不予受理"
    key = data[4]
    assert key["包案领导"] == personas[Role.LEADER].staff.name
    assert key["办理状态"] == "已交办"  # assigned, as the web labels it
    assert key["信访层级"] == "省"
    assert data[5]["满意度"] == "基本满意"
    assert data[6]["办理状态"] == "已登记"
    assert data[6]["满意度"] is None


def test_it_masks_names_ids_and_phones_without_identity(personas, petitions):
    _count, rows = export(personas[Role.PETITION_CLERK])
    first = by_column(rows[3])
    assert first["信访人"] == "张*"
    assert first["身份证号"] == ID_1[:6] + "********" + ID_1[-4:]
    assert first["联系电话"] == "138****5678"
    assert by_column(rows[5])["信访人"] == "王*、\n欧阳**"
    text = "".join(str(v) for row in rows for v in row if v)
    assert ID_1 not in text and PHONE_2 not in text and "李四" not in text


def test_it_audits_every_export_with_count_and_identity(personas, petitions):
    clerk = personas[Role.PETITION_CLERK]
    export(clerk, {"community": str(petitions["national"].case.community_id)})
    export(clerk, with_identity=True)
    entries = list(AuditEntry.objects.filter(action="export").order_by("seq"))
    assert [e.diff["identity"] for e in entries] == [False, True]
    assert [e.diff["rows"] for e in entries] == [2, 7]
    assert entries[0].diff["filters"] == {"community": str(petitions["national"].case.community_id)}
    assert entries[1].actor == clerk


def test_it_refuses_identity_to_a_role_without_it_and_audits_the_refusal(personas, petitions):
    governance = personas[Role.GOVERNANCE_STAFF]
    with pytest.raises(PermissionDenied):
        export(governance, with_identity=True)
    assert AuditEntry.objects.filter(action="access.denied", actor=governance).exists()
    assert not AuditEntry.objects.filter(action="export").exists()


def test_it_exports_what_the_petition_list_shows_with_the_same_filters(
    personas, petitions, community
):
    clerk = personas[Role.PETITION_CLERK]
    params = {"community": str(community.pk), "from": days_ago(26).isoformat()}
    count, rows = export(clerk, params)
    titles = [by_column(r)["信访事项"] for r in rows[3:]]
    assert titles == ["拖欠农民工工资", "小区违建影响采光", "噪音扰民", "路灯损坏"]
    assert count == 4
    count, _rows = export(clerk, {"level": "national"})
    assert count == 1
    count, _rows = export(clerk, {"status": "declined"})
    assert count == 1


def test_it_exports_only_the_petitions_the_person_may_see(personas, petitions, unit):
    community_worker = personas[Role.COMMUNITY_WORKER]  # no petition permission at all
    count, _rows = export(community_worker)
    assert count == 0
    handler = personas[Role.DEPARTMENT_HANDLER]  # only what 城建办 owns
    count, rows = export(handler)
    owned = Petition.objects.filter(case__owner_unit=unit).count()
    assert count == owned > 0


def test_it_streams_rows_with_a_constant_number_of_queries(
    personas, petitions, django_assert_max_num_queries, community
):
    clerk = personas[Role.PETITION_CLERK]
    out = io.BytesIO()
    with django_assert_max_num_queries(16) as few:
        export_petition_ledger(out, user=clerk, params={})
    baseline = len(few.captured_queries)
    for n in range(10):
        register(clerk, community=community, title=f"更多事项{n}", received_at=days_ago(2))
    with django_assert_max_num_queries(baseline):
        export_petition_ledger(io.BytesIO(), user=clerk, params={})


# --------------------------------------------------------------------------- the page


def test_it_downloads_the_ledger_from_the_export_url(client, personas, petitions):
    client.force_login(personas[Role.PETITION_CLERK])
    response = client.get(reverse("reports:ledger_export"), {"from": "2000-01-01"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(b"".join(response.streaming_content))
    assert len(rows) == 3 + 7
    assert by_column(rows[3])["信访人"] == "张*"


def test_it_gives_full_identity_when_ticked_by_a_holder(client, personas, petitions):
    client.force_login(personas[Role.PETITION_CLERK])
    response = client.get(reverse("reports:ledger_export"), {"identity": "1"})
    rows = sheet_rows(b"".join(response.streaming_content))
    assert by_column(rows[3])["身份证号"] == ID_1
    assert AuditEntry.objects.get(action="export").diff["identity"] is True


def test_it_refuses_the_export_to_roles_without_it(client, personas):
    for role in (Role.DEPARTMENT_HANDLER, Role.COMMUNITY_WORKER, Role.AUDITOR, Role.MEDIATOR):
        client.force_login(personas[role])
        assert client.get(reverse("reports:ledger_export")).status_code == 403


def test_it_refuses_identity_on_the_page_to_governance_staff(client, personas, petitions):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = client.get(reverse("reports:ledger_export"), {"identity": "1"})
    assert response.status_code == 403
    response = client.get(reverse("reports:ledger_export"))
    assert response.status_code == 200


def test_it_shows_the_export_form_with_the_identity_box_only_to_holders(client, personas):
    client.force_login(personas[Role.PETITION_CLERK])
    page = client.get(reverse("reports:ledger")).content.decode()
    assert 'name="identity"' in page
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    page = client.get(reverse("reports:ledger")).content.decode()
    assert 'name="identity"' not in page
    assert reverse("reports:ledger_export") in page


def test_it_ignores_bad_filter_values_instead_of_failing(client, personas, petitions):
    client.force_login(personas[Role.PETITION_CLERK])
    response = client.get(reverse("reports:ledger_export"), {"from": "2026-13-45", "level": "x"})
    assert response.status_code == 200
    rows = sheet_rows(b"".join(response.streaming_content))
    assert len(rows) == 3 + 7


def test_it_writes_real_dates_and_a_frozen_header(personas, petitions):
    out = io.BytesIO()
    export_petition_ledger(out, user=personas[Role.PETITION_CLERK], params={})
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert ws.freeze_panes == "A4"
    assert ws["C4"].is_date
    assert ws.column_dimensions["M"].width == 40  # 信访事项
    assert isinstance(ws["C4"].value.date(), date)


def test_it_exports_an_empty_ledger_with_its_header(personas):
    count, rows = export(personas[Role.PETITION_CLERK])
    assert count == 0
    assert rows[2] == list(PETITION_EXPORT_COLUMNS)


def test_it_names_the_community_in_the_unit_line(personas, petitions, other_community):
    _count, rows = export(personas[Role.PETITION_CLERK], {"community": str(other_community.pk)})
    assert "翠屏路社区" in rows[1][0]


def test_it_refuses_the_ledger_page_to_roles_without_export_or_import(client, personas):
    # (A community worker imports their community's dispute ledgers: the page is theirs.)
    for role in (Role.DEPARTMENT_HANDLER, Role.GRID_WORKER, Role.MEDIATOR, Role.AUDITOR):
        client.force_login(personas[role])
        assert client.get(reverse("reports:ledger")).status_code == 403


def test_it_exports_from_the_command_line_as_an_account(tmp_path, personas, petitions):
    out = tmp_path / "台账.xlsx"
    call_command("export-ledger", "--user", "clerk", "--identity", "--out", str(out))
    rows = sheet_rows(out.read_bytes())
    assert len(rows) == 3 + 7
    assert by_column(rows[3])["身份证号"] == ID_1
    assert AuditEntry.objects.get(action="export").diff["identity"] is True


def test_it_refuses_identity_on_the_command_line_without_the_permission(tmp_path, personas, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "export-ledger", "--user", "governance", "--identity", "--out", str(tmp_path / "x")
        )
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip()
