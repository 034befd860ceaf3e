"""The five assurances (五个落实): completeness counted by hand, a body with nothing recorded at
0/5, files checked, access by permission, the year bounded, every change audited; the optional
scoring key reads the same number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from huiyin.assessment import keys
from huiyin.assessment.bodies import COMMUNITY, UNIT, Body
from huiyin.assessment.defaults import ensure_default_scheme
from huiyin.assessment.models import Assurance, AssuranceEvidence, Method, SchemeItem
from huiyin.assessment.rules import points_of
from huiyin.assessment.scoring import figures_for
from huiyin.assessment.services import assurances as service
from huiyin.assessment.services.common import AssessmentInvalid, today
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports.stats import Period

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
VIEWERS = {
    Role.GOVERNANCE_STAFF,
    Role.COMMUNITY_WORKER,
    Role.LEADER,
    Role.AUDITOR,
    Role.DISTRICT,
}


def pdf(name: str = "证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def office(personas):
    return personas[Role.GOVERNANCE_STAFF]


@pytest.fixture
def body(community) -> Body:
    return Body(COMMUNITY, community.pk, community.name)


@pytest.fixture
def year() -> int:
    return today().year


def record(body, year, item, status, office, *, files: int = 0, **more):
    row = service.save_item(body, year, item, actor=office, data={"status": status, **more})
    for n in range(files):
        service.add_evidence(body, year, item, pdf(f"{item}{n}.pdf"), actor=office)
    return row


def test_completeness_counts_items_in_place_with_live_evidence(office, body, year):
    # leadership: in place, 1 file           -> complete
    # team:       in place, 2 files          -> complete
    # venue:      in place, no file          -> not complete
    # funding:    partly, 1 file             -> not complete
    # work:       in place, its one file withdrawn -> not complete
    record(body, year, "leadership", "in_place", office, files=1)
    record(body, year, "team", "in_place", office, files=2)
    record(body, year, "venue", "in_place", office)
    record(body, year, "funding", "partly", office, files=1)
    record(body, year, "work", "in_place", office, files=1)
    work = AssuranceEvidence.objects.get(assurance__item="work")
    service.withdraw_evidence(office, work, reason="文件有误")
    assert service.completeness(body, year) == (2, 5)
    line = next(x for x in service.table(year) if x.body == body)
    assert line.count == 2 and line.complete == {"leadership", "team"}
    assert line.rate == 0.4
    # The withdrawn file is kept, marked, never deleted.
    work.refresh_from_db()
    assert work.withdrawn and work.withdrawn_reason == "文件有误"
    # The optional scoring key reads the same number.
    period = Period(date(year, 1, 1), date(year, 12, 31))
    figures = figures_for(body, period, {"assurances"})
    assert keys.value(figures, "assurances.completeness_rate") == 0.4
    item = SchemeItem(
        method=Method.RATE,
        stat_key="assurances.completeness_rate",
        max_points=Decimal(10),
        target=Decimal(1),
        floor=Decimal(0),
    )
    assert points_of(item, figures).points == Decimal("4.00")


def test_a_body_with_nothing_recorded_shows_0_of_5(client, personas, office, body, unit, year):
    record(body, year, "leadership", "in_place", office, files=1)
    quiet = Body(UNIT, unit.pk, unit.name)
    lines = {line.body.key: line for line in service.table(year)}
    assert lines[quiet.key].count == 0 and lines[body.key].count == 1
    assert service.completeness(quiet, year) == (0, 5)
    client.force_login(personas[Role.LEADER])
    page = client.get(reverse("assessment:assurances"), {"year": year}).content.decode()
    assert f'data-body="{quiet.key}" data-complete="0"' in page
    assert f'data-body="{body.key}" data-complete="1"' in page
    # Another year: nothing recorded, every body shown at 0/5.
    before = client.get(reverse("assessment:assurances"), {"year": year - 1}).content.decode()
    assert f'data-body="{body.key}" data-complete="0"' in before
    detail = client.get(reverse("assessment:assurance", args=[year, quiet.key])).content.decode()
    assert 'data-complete="0">0/5' in detail


def test_bad_files_are_refused(office, body, year):
    with translation.override("en"):
        with pytest.raises(AssessmentInvalid) as refused:
            service.add_evidence(
                body, year, "team", SimpleUploadedFile("x.pdf", b"<html></html>"), actor=office
            )
        assert refused.value.errors["file"] == [service.MSG_TYPE]
        docx = SimpleUploadedFile("x.docx", b"PK\x03\x04" + b"\x00" * 40)
        with pytest.raises(AssessmentInvalid):
            service.add_evidence(body, year, "team", docx, actor=office)
        with pytest.raises(AssessmentInvalid):
            service.add_evidence(body, year, "team", SimpleUploadedFile("e.pdf", b""), actor=office)
    assert not AssuranceEvidence.objects.exists()
    kept = service.add_evidence(
        body, year, "team", SimpleUploadedFile("p.png", PNG), actor=office, title="名册"
    )
    assert kept.content_type == "image/png" and not kept.withdrawn


def test_bad_input_is_refused_with_nothing_written(office, body, year, personas):
    cases = [
        ({"status": "done"}, "status"),
        ({"status": "in_place", "description": "长" * 501}, "description"),
        ({"status": "in_place", "responsible": "99999999"}, "responsible"),
    ]
    for data, field in cases:
        with pytest.raises(AssessmentInvalid) as refused:
            service.save_item(body, year, "team", actor=office, data=data)
        assert field in refused.value.errors
    # Funding names no responsible person.
    leader = personas[Role.LEADER].staff
    with pytest.raises(AssessmentInvalid) as refused:
        service.save_item(
            body,
            year,
            "funding",
            actor=office,
            data={"status": "in_place", "responsible": leader.pk},
        )
    assert refused.value.errors["responsible"] == [service.MSG_NO_RESPONSIBLE]
    with pytest.raises(AssessmentInvalid):
        service.save_item(body, year, "money", actor=office, data={"status": "in_place"})
    assert not Assurance.objects.exists()
    row = service.save_item(
        body, year, "team", actor=office, data={"status": "partly", "responsible": leader.pk}
    )
    assert row.responsible == leader
    # A stale version is refused.
    with pytest.raises(AssessmentInvalid):
        service.save_item(
            body, year, "team", actor=office, data={"status": "in_place", "version": 7}
        )
    assert Assurance.objects.get().status == "partly"


@pytest.mark.parametrize("bad", [1999, 2101, 0, "x", None])
def test_the_year_is_bounded(office, body, bad):
    with pytest.raises(AssessmentInvalid) as refused:
        service.save_item(body, bad, "team", actor=office, data={"status": "in_place"})
    assert "year" in refused.value.errors
    with pytest.raises(AssessmentInvalid):
        service.add_evidence(body, bad, "team", pdf(), actor=office)
    assert not Assurance.objects.exists()


def test_the_year_is_bounded_on_the_pages(client, personas, body):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    for bad in (1999, 2101, 99999999999999999999):
        assert client.get(reverse("assessment:assurance", args=[bad, body.key])).status_code == 404
        url = reverse("assessment:assurance_save", args=[bad, body.key, "team"])
        assert client.post(url, {"team-status": "in_place"}).status_code == 404
    # The list falls back to this year.
    page = client.get(reverse("assessment:assurances"), {"year": "1999"})
    assert page.status_code == 200 and page.context["year"] == today().year
    assert client.get(reverse("assessment:assurance", args=[2000, body.key])).status_code == 200
    assert client.get(reverse("assessment:assurance", args=[2100, "unit-999"])).status_code == 404
    bad_item = reverse("assessment:assurance_save", args=[2026, body.key, "money"])
    assert client.post(bad_item, {"money-status": "in_place"}).status_code == 404
    assert not Assurance.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_access_follows_the_permissions(client, personas, body, year, role, office):
    row = record(body, year, "leadership", "in_place", office, files=1)
    evidence = row.evidence.get()
    client.force_login(personas[role])
    views = [
        reverse("assessment:assurances"),
        reverse("assessment:assurance", args=[year, body.key]),
        reverse("assessment:assurance_evidence", args=[evidence.pk]),
    ]
    for url in views:
        assert client.get(url).status_code == (200 if role in VIEWERS else 403), (role, url)
    manage = role == Role.GOVERNANCE_STAFF
    save = reverse("assessment:assurance_save", args=[year, body.key, "team"])
    response = client.post(save, {"team-status": "in_place", "team-description": "队伍已建"})
    assert response.status_code == (302 if manage else 403)
    upload = reverse("assessment:assurance_evidence_upload", args=[year, body.key, "team"])
    response = client.post(upload, {"team-evidence-file": pdf()})
    assert response.status_code == (302 if manage else 403)
    withdraw = reverse("assessment:assurance_evidence_withdraw", args=[evidence.pk])
    assert client.post(withdraw, {"reason": "重传"}).status_code == (302 if manage else 403)
    assert Assurance.objects.filter(item="team").exists() == manage
    assert AssuranceEvidence.objects.filter(assurance__item="team").exists() == manage
    evidence.refresh_from_db()
    assert evidence.withdrawn == manage


def test_the_office_records_through_the_pages_and_each_change_is_audited(
    client, personas, body, year
):
    office = personas[Role.GOVERNANCE_STAFF]
    client.force_login(office)
    base = [year, body.key, "leadership"]
    client.post(
        reverse("assessment:assurance_save", args=base),
        {
            "leadership-status": "in_place",
            "leadership-description": "领导小组已成立",
            "leadership-responsible": personas[Role.LEADER].staff.pk,
        },
    )
    client.post(
        reverse("assessment:assurance_evidence_upload", args=base),
        {"leadership-evidence-title": "成立文件", "leadership-evidence-file": pdf()},
    )
    page = client.get(reverse("assessment:assurance", args=[year, body.key])).content.decode()
    assert 'data-complete="1">1/5' in page
    evidence = AssuranceEvidence.objects.get()
    download = client.get(reverse("assessment:assurance_evidence", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    # No reason, no withdrawal.
    client.post(reverse("assessment:assurance_evidence_withdraw", args=[evidence.pk]), {})
    evidence.refresh_from_db()
    assert not evidence.withdrawn
    client.post(
        reverse("assessment:assurance_evidence_withdraw", args=[evidence.pk]), {"reason": "重传"}
    )
    evidence.refresh_from_db()
    assert evidence.withdrawn
    assert (
        client.get(reverse("assessment:assurance_evidence", args=[evidence.pk])).status_code == 404
    )
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions.count("assessment.assurance") >= 1
    assert "object.create" in actions and "download" in actions and "object.update" in actions


def test_the_completeness_key_is_optional_and_not_in_the_built_in_scheme():
    assert keys.refusal("assurances.completeness_rate") is None
    assert keys.unit_of("assurances.completeness_rate") == keys.RATE
    built_in = ensure_default_scheme().items.values_list("stat_key", flat=True)
    assert "assurances.completeness_rate" not in built_in
