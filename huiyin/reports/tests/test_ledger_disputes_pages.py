"""The dispute ledgers on the ledger page and the command line: who may export them, masked
as the petition ledger is, audited; `huiyin import-ledger --kind disputes` with its exit code."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from huiyin.cases.models import Case
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports.ledgers.disputes import COLUMNS, export_dispute_ledger
from huiyin.reports.tests.test_ledger_disputes import ledger, row
from huiyin.reports.tests.test_ledger_export import sheet_rows

HEADERS = [c.header for c in COLUMNS]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def registered(personas, community):
    df.dispute_type("邻里")
    return df.register(personas[Role.GOVERNANCE_STAFF], community=community)


def test_the_page_offers_the_dispute_ledgers_to_who_reads_disputes(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    page = client.get(reverse("reports:ledger")).content.decode()
    assert 'name="ledger"' in page
    assert 'value="disputes"' in page and 'value="mediations"' in page
    client.force_login(personas[Role.PETITION_CLERK])  # no dispute reading: the page as before
    page = client.get(reverse("reports:ledger")).content.decode()
    assert 'name="ledger"' not in page


def test_the_page_exports_a_masked_dispute_ledger_and_audits_it(client, personas, registered):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = client.get(reverse("reports:ledger_export"), {"ledger": "disputes"})
    assert response.status_code == 200
    # The file is named in the office's language: 矛盾纠纷排查台账-<time>.xlsx.
    assert "矛盾纠纷排查台账" in unquote(response["Content-Disposition"])
    rows = sheet_rows(b"".join(response.streaming_content))
    (data,) = rows[3:]
    assert data[HEADERS.index("申请人")] == "张*"
    assert data[HEADERS.index("纠纷编号")] == registered.number
    assert data[HEADERS.index("身份证号")].count("*") >= 8
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.diff["rows"] == 1 and entry.diff["identity"] is False
    # Identity needs Perm.IDENTITY_VIEW, as for petitions: refused and audited.
    denied = client.get(reverse("reports:ledger_export"), {"ledger": "disputes", "identity": "1"})
    assert denied.status_code == 403
    assert AuditEntry.objects.filter(action="access.denied").exists()


def test_the_leader_exports_identities_and_others_are_refused(client, personas, registered):
    client.force_login(personas[Role.LEADER])
    response = client.get(
        reverse("reports:ledger_export"), {"ledger": "mediations", "identity": "1"}
    )
    assert response.status_code == 200
    assert len(sheet_rows(b"".join(response.streaming_content))) == 3  # not mediated yet
    client.force_login(personas[Role.PETITION_CLERK])
    assert client.get(reverse("reports:ledger_export"), {"ledger": "disputes"}).status_code == 403
    assert client.get(reverse("reports:ledger_export"), {"ledger": "nope"}).status_code == 404
    client.force_login(personas[Role.MEDIATOR])
    assert client.get(reverse("reports:ledger_export"), {"ledger": "disputes"}).status_code == 403


def test_the_export_follows_visible_to_and_the_list_filters(personas, community, other_community):
    df.dispute_type("邻里")
    screen = personas[Role.GOVERNANCE_STAFF]
    df.register(screen, community=community, title="甲社区的纠纷")
    df.register(screen, community=other_community, title="乙社区的纠纷")

    def titles(user, params=None) -> list[str]:
        out = io.BytesIO()
        export_dispute_ledger(out, user=user, params=params or {})
        return [r[HEADERS.index("纠纷简要情况")] for r in sheet_rows(out.getvalue())[3:]]

    assert titles(screen) == ["楼上卫生间漏水，楼下墙面发霉，双方协商未果。"] * 2
    assert len(titles(screen, {"community": str(other_community.pk)})) == 1
    # A community worker reads their own community's disputes only.
    assert len(titles(personas[Role.COMMUNITY_WORKER])) == 1
    assert titles(personas[Role.PETITION_CLERK]) == []


def test_the_commands_export_and_import_a_dispute_ledger(tmp_path, personas, registered, capsys):
    out = tmp_path / "纠纷台账.xlsx"
    call_command(
        "export-ledger", "--user", "leader", "--kind", "disputes", "--identity", "--out", str(out)
    )
    rows = sheet_rows(out.read_bytes())
    assert rows[3][HEADERS.index("申请人")] == "张三"
    assert AuditEntry.objects.filter(action="export").latest("id").diff["identity"] is True

    good = tmp_path / "good.xlsx"
    good.write_bytes(ledger([row(申请人="王五", 身份证号="", 联系电话="")]).getvalue())
    call_command("import-ledger", str(good), "--kind", "disputes")
    assert "1 disputes imported from 1 rows" in capsys.readouterr().out
    assert Case.objects.filter(kind="dispute").count() == 2

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(ledger([row(所属社区="无此社区")]).getvalue())
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-ledger", str(bad), "--kind", "disputes")
    assert exit_info.value.code == 1
    assert "所属社区" in capsys.readouterr().err
    assert Case.objects.filter(kind="dispute").count() == 2


def test_imported_disputes_open_on_their_pages_in_every_state(client, personas):
    from huiyin.reports.ledgers.disputes import import_dispute_ledger
    from huiyin.reports.tests.test_ledger_disputes import day

    df.dispute_type("邻里")
    ended = {"受理日期": day(50), "结案日期": day(20)}
    agreed = {"受理日期": day(50), "调解结果": "调解成功", "协议生效日期": day(40)}
    variants = [
        {},
        {"受理日期": day(5), "调解结果": "调解中"},
        {**agreed, "协议形式": "书面", "履行情况": "履行中", "是否申请司法确认": "是"},
        {**agreed, "协议形式": "口头", "履行情况": "部分履行"},
        {**agreed, "协议形式": "书面", "履行情况": "已履行", "结案日期": day(20)},
        {**ended, "调解结果": "调解不成功"},
        {**ended, "调解结果": "当事人拒绝调解"},
        {"调解结果": "已移交", "结案日期": day(20)},
    ]
    rows = [
        row(序号=n, 申请人=f"申请人{n}", 身份证号="", 联系电话="", **v)
        for n, v in enumerate(variants)
    ]
    governance = personas[Role.GOVERNANCE_STAFF]
    report = import_dispute_ledger(ledger(rows), filename="台账.xlsx", actor=governance)
    assert report.ok, report.errors
    statuses, downloaded = set(), set()
    client.force_login(governance)
    for case in Case.objects.filter(kind="dispute"):
        statuses.add(case.status)
        response = client.get(reverse("disputes:detail", args=[case.pk]))
        assert response.status_code == 200, case.status
        assert case.number in response.content.decode()
        # The documents of what the ledger recorded print (its blanks stay blank); the others
        # send back to the case page: never a 500.
        for slug in ("mediation-application", "mediation-agreement", "oral-agreement"):
            document = client.get(reverse("disputes:document", args=[case.pk, slug]))
            assert document.status_code in (200, 302, 403, 404), (case.status, slug)
            if slug != "mediation-application" and document.status_code == 200:
                downloaded.add(slug)
    assert statuses == {
        "registered",
        "mediating",
        "agreed",
        "performing",
        "closed",
        "failed",
        "refused",
        "transferred",
    }
    assert downloaded == {"mediation-agreement", "oral-agreement"}
    assert client.get(reverse("disputes:list")).status_code == 200
