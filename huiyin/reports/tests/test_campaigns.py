"""Campaigns (百日大会战) and pledges: who may do what, validation, storage, audit, demo."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports import demo
from huiyin.reports.models import Campaign, Pledge

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
STALE = "已被他人修改，请刷新后重试。"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    return settings.ATTACHMENT_DIR


@pytest.fixture
def campaign(db, community, unit):
    c = Campaign.objects.create(
        name="百日大会战",
        theme="全力保稳定",
        start=date(2026, 3, 1),
        end=date(2026, 6, 8),
        goals="三零四无",
    )
    c.communities.set([community])
    c.units.set([unit])
    return c


def form_data(**overrides) -> dict:
    data = {
        "name": "百日大会战",
        "theme": "全力保稳定、献礼十分大",
        "start": "2026-03-01",
        "end": "2026-06-08",
        "goals": "零进京、零赴省、零到市",
    }
    data.update(overrides)
    return data


def pledge_post(client, campaign, *, party, content=PDF, name="承诺书.pdf", **overrides):
    data = {
        "party": party,
        "signed_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "signed_by": "社区党委书记",
        "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
    }
    data.update(overrides)
    return client.post(reverse("reports:pledge_new", args=[campaign.pk]), data)


def stored_pledge(campaign, community, user) -> Pledge:
    from huiyin.reports.models import add_pledge

    return add_pledge(
        campaign,
        SimpleUploadedFile("scan.pdf", PDF),
        actor=user,
        signed_on=timezone.localdate(),
        signed_by="书记",
        community=community,
    )


# --------------------------------------------------------------------------- seeing


@pytest.mark.parametrize(
    "role", [Role.LEADER, Role.PETITION_CLERK, Role.AUDITOR, Role.GOVERNANCE_STAFF]
)
def test_it_lists_and_shows_campaigns_to_reports_roles(client, personas, campaign, role):
    client.force_login(personas[role])
    response = client.get(reverse("reports:campaigns"))
    assert response.status_code == 200
    assert response.context["nav_active"] == "reports"
    assert "百日大会战" in response.content.decode()
    detail = client.get(reverse("reports:campaign", args=[campaign.pk]))
    assert detail.status_code == 200
    assert f"?period=campaign&amp;campaign={campaign.pk}" in detail.content.decode()


@pytest.mark.parametrize("role", [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.DEPARTMENT_HANDLER])
def test_it_refuses_campaign_pages_to_others(client, personas, campaign, role):
    client.force_login(personas[role])
    assert client.get(reverse("reports:campaigns")).status_code == 403
    assert client.get(reverse("reports:campaign", args=[campaign.pk])).status_code == 403


def test_it_answers_404_for_a_campaign_that_does_not_exist(client, personas, db):
    client.force_login(personas[Role.LEADER])
    assert client.get(reverse("reports:campaign", args=[999999])).status_code == 404


def test_it_lists_campaigns_with_a_constant_number_of_queries(
    client, personas, community, unit, django_assert_max_num_queries
):
    client.force_login(personas[Role.LEADER])
    for index in range(3):
        Campaign.objects.create(name=f"专项{index}", start=date(2026, 1, 1), end=date(2026, 2, 1))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("reports:campaigns"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reports:campaigns"))
    for index in range(15):
        c = Campaign.objects.create(
            name=f"活动{index}", start=date(2026, 1, 1), end=date(2026, 2, 1)
        )
        c.communities.set([community])
        c.units.set([unit])
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("reports:campaigns"))
    assert len(response.context["page"].object_list) == 18


# --------------------------------------------------------------------------- creating, editing


def test_it_creates_a_campaign_for_governance_staff_and_audits_it(
    client, personas, community, unit
):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = client.post(
        reverse("reports:campaign_new"),
        form_data(communities=[community.pk], units=[unit.pk]),
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:campaign", args=[campaign.pk])
    assert (campaign.start, campaign.end, campaign.days) == (
        date(2026, 3, 1),
        date(2026, 6, 8),
        100,
    )
    assert list(campaign.communities.all()) == [community]
    assert list(campaign.units.all()) == [unit]
    assert campaign.created_by == personas[Role.GOVERNANCE_STAFF]
    entry = AuditEntry.objects.filter(action="object.create", target_type="reports.campaign").get()
    assert entry.target_label == "百日大会战"


@pytest.mark.parametrize(
    "role", [Role.LEADER, Role.PETITION_CLERK, Role.AUDITOR, Role.COMMUNITY_WORKER]
)
def test_it_refuses_creating_or_editing_without_assessment_manage(client, personas, campaign, role):
    client.force_login(personas[role])
    assert client.get(reverse("reports:campaign_new")).status_code == 403
    assert client.post(reverse("reports:campaign_new"), form_data()).status_code == 403
    edit = reverse("reports:campaign_edit", args=[campaign.pk])
    assert client.post(edit, form_data(name="改名", version=1)).status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "百日大会战"
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"end": "2026-02-01"}, "end"),
        ({"start": "2026-02-30"}, "start"),
        ({"name": "   "}, "name"),
        ({"end": ""}, "end"),
        ({"communities": ["999999"]}, "communities"),
    ],
)
def test_it_shows_bad_input_beside_the_field(client, personas, overrides, field, db):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = client.post(reverse("reports:campaign_new"), form_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'data-error-for="{field}"' in response.content.decode()
    assert Campaign.objects.count() == 0


def test_it_edits_a_campaign_and_bumps_its_version(client, personas, campaign, other_community):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    edit = reverse("reports:campaign_edit", args=[campaign.pk])
    assert client.get(edit).context["form"].initial["version"] == 1
    response = client.post(
        edit, form_data(name="百日大会战（第二阶段）", version=1, communities=[other_community.pk])
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "百日大会战（第二阶段）"
    assert campaign.version == 2
    assert list(campaign.communities.all()) == [other_community]
    assert list(campaign.units.all()) == []
    entry = AuditEntry.objects.filter(action="object.update", target_type="reports.campaign").get()
    assert "name" in entry.diff


def test_it_refuses_a_stale_edit(client, personas, campaign):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    edit = reverse("reports:campaign_edit", args=[campaign.pk])
    assert client.post(edit, form_data(name="第一次", version=1)).status_code == 302
    response = client.post(edit, form_data(name="第二次", version=1))
    assert response.status_code == 200
    assert STALE in response.content.decode()
    campaign.refresh_from_db()
    assert (campaign.name, campaign.version) == ("第一次", 2)


# --------------------------------------------------------------------------- pledges


def test_it_stores_a_pledge_outside_the_web_root(
    client, personas, campaign, community, private_files
):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = pledge_post(client, campaign, party=f"community:{community.pk}")
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.community == community and pledge.unit is None
    assert pledge.content_type == "application/pdf"
    assert pledge.original_name == "承诺书.pdf"
    path = Path(private_files) / pledge.file.name
    assert path.read_bytes() == PDF
    assert pledge.file.name.startswith(f"pledges/{campaign.pk}/")
    with pytest.raises(ValueError):
        pledge.file.url  # noqa: B018 - no URL: only the checked download serves it
    assert AuditEntry.objects.filter(action="object.create", target_type="reports.pledge").exists()


def test_it_stores_a_unit_pledge(client, personas, campaign, unit):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    assert pledge_post(client, campaign, party=f"unit:{unit.pk}").status_code == 302
    assert Pledge.objects.get().unit == unit


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"content": b"MZ\x90\x00\x03\x00\x00\x00", "name": "scan.exe"}, "file"),
        ({"content": b"<html><script>alert(1)</script></html>", "name": "scan.pdf"}, "file"),
        ({"content": b"", "name": "empty.pdf"}, "file"),
        ({"party": ""}, "party"),
        ({"party": "community:999999"}, "party"),
        ({"signed_by": ""}, "signed_by"),
        ({"signed_on": "2999-01-01"}, "signed_on"),
        ({"signed_on": "not a date"}, "signed_on"),
    ],
)
def test_it_refuses_a_bad_pledge_beside_the_field(
    client, personas, campaign, community, kwargs, field, private_files
):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    kwargs.setdefault("party", f"community:{community.pk}")
    response = pledge_post(client, campaign, **kwargs)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'data-error-for="{field}"' in response.content.decode()
    assert Pledge.objects.count() == 0
    assert not (Path(private_files) / "pledges").exists() or not any(
        (Path(private_files) / "pledges").rglob("*.*")
    )


def test_it_refuses_a_pledge_too_large(client, personas, campaign, community, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = pledge_post(
        client, campaign, party=f"community:{community.pk}", content=PDF + b" " * 200
    )
    assert "file" in response.context["form"].errors
    assert Pledge.objects.count() == 0


def test_it_refuses_a_pledge_of_a_community_not_taking_part(campaign, personas, other_community):
    from huiyin.reports.models import CampaignInvalid, add_pledge

    with pytest.raises(CampaignInvalid) as exc:
        add_pledge(
            campaign,
            SimpleUploadedFile("scan.pdf", PDF),
            actor=personas[Role.GOVERNANCE_STAFF],
            signed_on=timezone.localdate(),
            signed_by="书记",
            community=other_community,
        )
    assert "party" in exc.value.errors
    assert Pledge.objects.count() == 0


@pytest.mark.parametrize("role", [Role.LEADER, Role.PETITION_CLERK, Role.COMMUNITY_WORKER])
def test_it_refuses_uploading_without_assessment_manage(
    client, personas, campaign, community, role
):
    client.force_login(personas[role])
    assert pledge_post(client, campaign, party=f"community:{community.pk}").status_code == 403
    assert Pledge.objects.count() == 0


def test_it_downloads_a_pledge_for_reports_roles_and_audits_it(
    client, personas, campaign, community
):
    pledge = stored_pledge(campaign, community, personas[Role.GOVERNANCE_STAFF])
    client.force_login(personas[Role.AUDITOR])
    response = client.get(reverse("reports:pledge_download", args=[pledge.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    entry = AuditEntry.objects.filter(action="download").get()
    assert entry.actor == personas[Role.AUDITOR]
    assert entry.target_type == "reports.pledge"


@pytest.mark.parametrize("role", [Role.COMMUNITY_WORKER, Role.DEPARTMENT_HANDLER, Role.MEDIATOR])
def test_it_refuses_downloads_to_others(client, personas, campaign, community, role):
    pledge = stored_pledge(campaign, community, personas[Role.GOVERNANCE_STAFF])
    client.force_login(personas[role])
    assert client.get(reverse("reports:pledge_download", args=[pledge.pk])).status_code == 403
    assert not AuditEntry.objects.filter(action="download").exists()


def test_it_answers_404_for_a_missing_pledge(client, personas, db):
    client.force_login(personas[Role.LEADER])
    assert client.get(reverse("reports:pledge_download", args=[999999])).status_code == 404


def test_it_withdraws_a_pledge_with_a_reason_instead_of_deleting(
    client, personas, campaign, community
):
    pledge = stored_pledge(campaign, community, personas[Role.GOVERNANCE_STAFF])
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    url = reverse("reports:pledge_withdraw", args=[pledge.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"reason": ""})
    pledge.refresh_from_db()
    assert pledge.withdrawn is False
    response = client.post(url, {"reason": "扫描件不清晰，重新上传"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert (pledge.withdrawn, pledge.withdrawn_reason) == (True, "扫描件不清晰，重新上传")
    assert Pledge.objects.filter(pk=pledge.pk).exists()
    client.force_login(personas[Role.LEADER])
    assert client.get(reverse("reports:pledge_download", args=[pledge.pk])).status_code == 404


def test_it_refuses_withdrawing_without_assessment_manage(client, personas, campaign, community):
    pledge = stored_pledge(campaign, community, personas[Role.GOVERNANCE_STAFF])
    client.force_login(personas[Role.LEADER])
    response = client.post(reverse("reports:pledge_withdraw", args=[pledge.pk]), {"reason": "x"})
    assert response.status_code == 403
    pledge.refresh_from_db()
    assert pledge.withdrawn is False


def test_it_shows_who_has_signed(client, personas, campaign, community, unit):
    stored_pledge(campaign, community, personas[Role.GOVERNANCE_STAFF])
    client.force_login(personas[Role.LEADER])
    response = client.get(reverse("reports:campaign", args=[campaign.pk]))
    rows = {row["name"]: row["pledge"] for row in response.context["participants"]}
    assert rows[community.name] is not None
    assert rows[unit.name] is None
    assert response.context["pledge_form"] is None  # a leader sees, does not upload


# --------------------------------------------------------------------------- demo


def test_it_seeds_the_demo_campaign_once(db, community, private_files):
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    campaign = Campaign.objects.get()
    assert campaign.name == "百日大会战"
    assert campaign.days == 100
    assert campaign.end == timezone.localdate()
    assert list(campaign.communities.all()) == [community]
    pledge = Pledge.objects.get()
    assert (Path(private_files) / pledge.file.name).read_bytes().startswith(b"%PDF-")
