"""A campaign's commendations (先进单位, 先进个人) and criticism (通报批评), their notices in the
GB/T 9704 layout, the campaign's written sections and the 信访工作年度报告 (条例 art. 41)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document

from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports import documents
from huiyin.reports.commendations import (
    BASIS_MAX,
    Commendation,
    add_commendation,
    next_number,
    withdraw_commendation,
)
from huiyin.reports.documents import commendations as notices
from huiyin.reports.models import WRITTEN_MAX, Campaign, CampaignInvalid


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def campaign(db, community, unit, today):
    c = Campaign.objects.create(
        name="百日大会战",
        theme="全力保稳定",
        start=today - timedelta(days=60),
        end=today - timedelta(days=1),
    )
    c.communities.set([community])
    c.units.set([unit])
    return c


@pytest.fixture
def manager(personas):
    return personas[Role.GOVERNANCE_STAFF]


def add(campaign, actor, today, **kwargs):
    data = {"kind": "unit", "basis": "排查化解矛盾纠纷成效明显", "decided_on": today}
    data.update(kwargs)
    return add_commendation(campaign, actor=actor, **data)


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def red_runs(data: bytes) -> list[str]:
    doc = Document(io.BytesIO(data))
    return [
        run.text
        for p in doc.paragraphs
        for run in p.runs
        if run.font.color is not None
        and run.font.color.rgb is not None
        and str(run.font.color.rgb) == "E60012"
    ]


# --------------------------------------------------------------------------- the rules


def test_it_adds_a_unit_with_its_basis_a_number_and_an_audit_entry(
    campaign, community, manager, today
):
    row = add(campaign, manager, today, community=community)
    assert row.doc_number == f"浓洄综治〔{today.year}〕1号"
    entry = AuditEntry.objects.get(target_type="reports.commendation", target_id=str(row.pk))
    assert entry.action == "object.create"
    assert entry.diff["basis"] == "排查化解矛盾纠纷成效明显"


def test_rows_of_one_notice_share_its_number_and_a_new_notice_takes_the_next(
    campaign, community, unit, manager, today
):
    first = add(campaign, manager, today, community=community)
    second = add(campaign, manager, today, kind="staff", staff=manager.staff)
    criticism = add(campaign, manager, today, kind="criticism", unit=unit)
    assert first.doc_number == second.doc_number
    assert criticism.doc_number == f"浓洄综治〔{today.year}〕2号"
    assert next_number(campaign, today.year) == f"浓洄综治〔{today.year}〕3号"


def test_the_notice_code_is_configurable(campaign, community, manager, today, settings):
    settings.HUIYIN_NOTICE_CODE = "综"
    row = add(campaign, manager, today, community=community)
    assert row.doc_number == f"浓洄综〔{today.year}〕1号"


def test_an_advanced_individual_must_be_staff(campaign, community, manager, today):
    with pytest.raises(CampaignInvalid) as refused:
        add(campaign, manager, today, kind="staff")
    assert "staff" in refused.value.errors
    with pytest.raises(CampaignInvalid) as refused:
        add(campaign, manager, today, kind="staff", staff=manager.staff, community=community)
    assert "party" in refused.value.errors
    assert not Commendation.objects.exists()


def test_a_unit_or_a_criticism_names_exactly_one_body(campaign, community, unit, manager, today):
    for kind in ("unit", "criticism"):
        for bodies in ({}, {"community": community, "unit": unit}):
            with pytest.raises(CampaignInvalid) as refused:
                add(campaign, manager, today, kind=kind, **bodies)
            assert "party" in refused.value.errors
        with pytest.raises(CampaignInvalid) as refused:
            add(campaign, manager, today, kind=kind, community=community, staff=manager.staff)
        assert "staff" in refused.value.errors
    assert not Commendation.objects.exists()


def test_a_body_must_take_part_in_the_campaign(campaign, other_community, manager, today):
    with pytest.raises(CampaignInvalid) as refused:
        add(campaign, manager, today, community=other_community)
    assert "party" in refused.value.errors


def test_the_database_refuses_a_row_with_two_bodies(campaign, community, unit, today):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Commendation.objects.create(
            campaign=campaign,
            kind="unit",
            community=community,
            unit=unit,
            basis="x",
            decided_on=today,
            doc_number="浓洄综治〔2026〕1号",
        )


@pytest.mark.parametrize("basis", ["", "   ", "\x00"])
def test_the_basis_is_required(campaign, community, manager, today, basis):
    with pytest.raises(CampaignInvalid) as refused:
        add(campaign, manager, today, community=community, basis=basis)
    assert "basis" in refused.value.errors


def test_the_basis_is_bounded(campaign, community, manager, today):
    add(campaign, manager, today, community=community, basis="实" * BASIS_MAX)
    with pytest.raises(CampaignInvalid) as refused:
        add(campaign, manager, today, kind="criticism", community=community, basis="实" * 1001)
    assert "basis" in refused.value.errors


def test_the_decision_date_is_not_in_the_future_nor_before_the_campaign(
    campaign, community, manager, today
):
    for day in (today + timedelta(days=1), campaign.start - timedelta(days=1), None):
        with pytest.raises(CampaignInvalid) as refused:
            add(campaign, manager, today, community=community, decided_on=day)
        assert "decided_on" in refused.value.errors
    assert add(campaign, manager, today, community=community, decided_on=campaign.start)


@pytest.mark.parametrize("number", ["3号", "浓洄综治〔26〕1号", "x" * 41, "浓洄 综治〔2026〕1号"])
def test_a_document_number_has_its_shape(campaign, community, manager, today, number):
    with pytest.raises(CampaignInvalid) as refused:
        add(campaign, manager, today, community=community, doc_number=number)
    assert "doc_number" in refused.value.errors


def test_the_same_body_is_not_listed_twice(campaign, community, manager, today):
    add(campaign, manager, today, community=community)
    with pytest.raises(CampaignInvalid):
        add(campaign, manager, today, community=community)


def test_withdrawing_needs_a_reason_and_never_deletes(campaign, community, manager, today):
    row = add(campaign, manager, today, community=community)
    for reason in ("", "  ", "x" * 501):
        with pytest.raises(CampaignInvalid):
            withdraw_commendation(manager, row, reason=reason)
    withdraw_commendation(manager, row, reason="重复录入")
    row.refresh_from_db()
    assert row.withdrawn and row.withdrawn_reason == "重复录入"
    with pytest.raises(CampaignInvalid):
        withdraw_commendation(manager, row, reason="again")
    assert AuditEntry.objects.filter(target_id=str(row.pk), action="object.update").count() == 1


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR, Role.COMMUNITY_WORKER])
def test_only_campaign_managers_change_the_lists(campaign, community, personas, today, role):
    with pytest.raises(PermissionDenied):
        add(campaign, personas[role], today, community=community)
    row = add(campaign, personas[Role.GOVERNANCE_STAFF], today, community=community)
    with pytest.raises(PermissionDenied):
        withdraw_commendation(personas[role], row, reason="不应表彰")


# --------------------------------------------------------------------------- the pages


def test_the_campaign_page_lists_them_and_managers_add_and_withdraw(
    client, campaign, community, manager, today
):
    client.force_login(manager)
    response = client.post(
        reverse("reports:commendation_new", args=[campaign.pk]),
        {
            "kind": "staff",
            "staff": manager.staff.pk,
            "basis": "坚持一线接访",
            "decided_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    row = Commendation.objects.get()
    page = client.get(reverse("reports:campaign", args=[campaign.pk])).content.decode()
    assert manager.staff.name in page and "坚持一线接访" in page
    assert reverse("reports:commendation_notice", args=[campaign.pk]) in page
    refused = client.post(reverse("reports:commendation_withdraw", args=[row.pk]), {"reason": ""})
    assert refused.status_code == 302
    row.refresh_from_db()
    assert not row.withdrawn
    client.post(reverse("reports:commendation_withdraw", args=[row.pk]), {"reason": "录错"})
    row.refresh_from_db()
    assert row.withdrawn and Commendation.objects.count() == 1


def test_the_form_shows_bad_input_beside_the_field(client, campaign, community, manager, today):
    client.force_login(manager)
    response = client.post(
        reverse("reports:commendation_new", args=[campaign.pk]),
        {"kind": "unit", "party": f"community:{community.pk}", "basis": "", "decided_on": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"basis", "decided_on"}
    response = client.post(
        reverse("reports:commendation_new", args=[campaign.pk]),
        {"kind": "unit", "basis": "好", "decided_on": today.isoformat()},
    )
    assert "party" in response.context["form"].errors
    assert not Commendation.objects.exists()


@pytest.mark.parametrize("role", [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.DEPARTMENT_HANDLER])
def test_others_may_not_see_or_download(client, campaign, community, personas, today, role):
    row = add(campaign, personas[Role.GOVERNANCE_STAFF], today, community=community)
    client.force_login(personas[role])
    for url in (
        reverse("reports:commendation_notice", args=[campaign.pk]),
        reverse("reports:criticism_notice", args=[campaign.pk]),
        reverse("reports:commendation_new", args=[campaign.pk]),
        reverse("reports:annual_report") + "?year=2025",
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            reverse("reports:commendation_withdraw", args=[row.pk]), {"reason": "x"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR])
def test_viewers_may_not_add_or_withdraw(client, campaign, community, personas, today, role):
    row = add(campaign, personas[Role.GOVERNANCE_STAFF], today, community=community)
    client.force_login(personas[role])
    assert client.get(reverse("reports:commendation_new", args=[campaign.pk])).status_code == 403
    client.post(reverse("reports:commendation_withdraw", args=[row.pk]), {"reason": "x"})
    row.refresh_from_db()
    assert not row.withdrawn


# --------------------------------------------------------------------------- the notices


def test_the_commendation_notice_has_the_gbt_9704_elements_and_the_names(
    client, campaign, community, unit, personas, manager, today
):
    add(campaign, manager, today, community=community, basis="矛盾纠纷排查到位")
    add(campaign, manager, today, unit=unit, basis="协助化解积案")
    add(campaign, manager, today, kind="staff", staff=manager.staff, basis="包案化解重点信访事项")
    add(campaign, manager, today, kind="criticism", unit=unit, basis="督办事项逾期未反馈")
    client.force_login(personas[Role.LEADER])
    response = client.get(reverse("reports:commendation_notice", args=[campaign.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == documents.DOCX_CONTENT_TYPE
    text = text_of(response.content)
    assert "浓洄街道办事处" in red_runs(response.content)
    assert f"浓洄综治〔{today.year}〕1号" in text
    assert "柑子园社区、城建办：" in text  # 主送机关: the participants
    for name in ("柑子园社区", "城建办", manager.staff.name, "包案化解重点信访事项"):
        assert name in text
    assert "督办事项逾期未反馈" not in text
    assert "1个先进单位" not in text and "2个先进单位和1名先进个人" in text
    assert "抄送" in text and "印发" in text
    assert AuditEntry.objects.filter(action="document.export", target_type="reports.campaign")

    criticism = text_of(client.get(reverse("reports:criticism_notice", args=[campaign.pk])).content)
    assert f"浓洄综治〔{today.year}〕2号" in criticism
    assert "督办事项逾期未反馈" in criticism and "通报批评" in criticism


def test_a_notice_with_nothing_on_it_is_refused_with_a_message(client, campaign, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:criticism_notice", args=[campaign.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:campaign", args=[campaign.pk])
    with pytest.raises(documents.DocumentRefused):
        documents.render(notices.CRITICISM, notices.Notice.of(campaign, "criticism"))


def test_withdrawn_rows_leave_the_notice(campaign, community, unit, manager, today):
    add(campaign, manager, today, community=community)
    gone = add(campaign, manager, today, unit=unit, basis="误列")
    withdraw_commendation(manager, gone, reason="误列")
    text = text_of(
        documents.render(notices.COMMENDATION, notices.Notice.of(campaign, "commendation"))
    )
    assert "误列" not in text and "柑子园社区" in text


def test_the_command_line_writes_a_notice_by_its_number(
    campaign, community, manager, today, tmp_path
):
    row = add(campaign, manager, today, community=community)
    out = tmp_path / "notice.docx"
    call_command("document", "表彰通报", case=row.doc_number, out=str(out))
    assert "柑子园社区" in text_of(out.read_bytes())
    out = tmp_path / "annual.docx"
    call_command("document", "信访工作年度报告", case=f"{today.year}年度", out=str(out))
    assert "第四十一条" in text_of(out.read_bytes())


# --------------------------------------------------------------------------- the annual report


def test_the_annual_report_writes_the_years_figures(client, personas, community, today):
    from huiyin.reports import stats

    client.force_login(personas[Role.LEADER])
    page = client.get(reverse("reports:annual_report"))
    assert page.status_code == 200
    year = today.year
    response = client.get(reverse("reports:annual_report"), {"year": year})
    assert response.status_code == 200
    text = text_of(response.content)
    figures = stats.compute(notices.annual_period(year), user=personas[Role.LEADER])
    batches = figures["petitions"]["batches"]
    assert f"全年共登记信访事项{batches}批次" in text
    assert f"关于{year}年度信访工作情况的报告" in text
    assert "浓洄街道办事处" in red_runs(response.content)
    assert "《信访工作条例》第四十一条" in text
    bad = client.get(reverse("reports:annual_report"), {"year": year + 5})
    assert bad.status_code == 200 and "year" in bad.context["form"].errors
    assert client.get(reverse("reports:annual_report"), {"year": "x" * 50}).status_code == 200


# --------------------------------------------------------------------------- written sections


def test_the_written_sections_are_saved_from_the_edit_page(client, campaign, manager):
    client.force_login(manager)
    data = {
        "name": campaign.name,
        "start": campaign.start.isoformat(),
        "end": campaign.end.isoformat(),
        "problems": "个别社区排查上报不及时",
        "next_steps": "健全例会制度",
        "version": campaign.version,
    }
    assert (
        client.post(reverse("reports:campaign_edit", args=[campaign.pk]), data).status_code == 302
    )
    campaign.refresh_from_db()
    assert campaign.problems == "个别社区排查上报不及时"
    assert campaign.next_steps == "健全例会制度"
    page = client.get(reverse("reports:campaign", args=[campaign.pk])).content.decode()
    assert "健全例会制度" in page
    edit = client.get(reverse("reports:campaign_edit", args=[campaign.pk])).content.decode()
    assert "个别社区排查上报不及时" in edit


def test_the_written_sections_are_bounded(client, campaign, manager):
    from huiyin.reports.models import save_campaign

    client.force_login(manager)
    data = {
        "name": campaign.name,
        "start": campaign.start.isoformat(),
        "end": campaign.end.isoformat(),
        "problems": "问" * (WRITTEN_MAX + 1),
        "version": campaign.version,
    }
    response = client.post(reverse("reports:campaign_edit", args=[campaign.pk]), data)
    assert response.status_code == 200 and "problems" in response.context["form"].errors
    with pytest.raises(CampaignInvalid) as refused:
        save_campaign(
            actor=manager,
            campaign=campaign,
            data={
                "name": "x",
                "start": campaign.start,
                "end": campaign.end,
                "next_steps": "步" * (WRITTEN_MAX + 1),
            },
        )
    assert "next_steps" in refused.value.errors
    campaign.refresh_from_db()
    assert campaign.next_steps == "" and campaign.name == "百日大会战"


# --------------------------------------------------------------------------- the campaign report


def report_text(**kwargs) -> str:
    from huiyin.reports import stats, word

    campaign = kwargs.get("campaign")
    period = (
        stats.Period.of_campaign(campaign)
        if campaign
        else stats.Period(timezone.localdate() - timedelta(days=30), timezone.localdate())
    )
    out = io.BytesIO()
    word.campaign_report(out, period=period, **kwargs)
    return text_of(out.getvalue())


def test_the_campaign_report_fills_the_counts_and_the_written_sections(
    campaign, community, unit, manager, today
):
    add(campaign, manager, today, community=community)
    add(campaign, manager, today, unit=unit)
    add(campaign, manager, today, kind="staff", staff=manager.staff)
    withdrawn = add(campaign, manager, today, kind="criticism", unit=unit)
    withdraw_commendation(manager, withdrawn, reason="撤回")
    campaign.problems = "个别社区排查上报不及时"
    campaign.next_steps = "健全例会制度\n落实包案责任"
    campaign.save()
    template = Document()
    template.add_paragraph(
        "先进单位{{ 先进单位数 }}个和先进个人{{ 先进个人数 }}名；批评{{ 通报批评数 }}；"
        "问题：{{ 存在问题 }}；下步：{{ campaign_next_steps }}"
    )
    raw = io.BytesIO()
    template.save(raw)
    raw.seek(0)
    filled = report_text(campaign=campaign, template=raw)
    assert (
        "先进单位2个和先进个人1名；批评0；问题：个别社区排查上报不及时；下步：健全例会制度"
        in filled
    )
    built_in = report_text(campaign=campaign)
    assert "存在问题" in built_in and "个别社区排查上报不及时" in built_in
    assert "下步工作" in built_in and "落实包案责任" in built_in
    assert "表彰了先进单位2个和先进个人1名" in built_in


def test_a_report_over_dates_leaves_the_written_sections_to_fill(db, community):
    text = report_text()
    assert "存在问题" in text and "（待填写）" in text
    assert "表彰了先进单位" not in text


# --------------------------------------------------------------------------- the demo


def test_the_demo_campaign_gets_its_commendations_once(personas, street, settings, tmp_path):
    from huiyin.reports import demo
    from huiyin.reports.commendations import counts
    from huiyin.testing import factories as f

    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    for index in range(3):
        f.CommunityFactory(street=street, name=f"社区{index}", order=index + 10)
    f.UnitFactory(street=street, name="浓洄派出所")
    demo.load(io.StringIO())
    demo.load(io.StringIO())
    campaign = Campaign.objects.get(name=demo.NAME)
    assert counts(campaign) == {"unit": 3, "staff": demo.COMMENDED_STAFF, "criticism": 1}
    assert campaign.problems and campaign.next_steps
    assert all(row.basis for row in Commendation.objects.all())
    text = text_of(
        documents.render(notices.COMMENDATION, notices.Notice.of(campaign, "commendation"))
    )
    assert "3个先进单位和5名先进个人" in text
