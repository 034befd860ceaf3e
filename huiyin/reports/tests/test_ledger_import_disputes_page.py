"""The dispute ledgers through the upload page: a choice of ledger offered only to those who
may import it, the same all-or-nothing import with its row-by-row report and progress as the
petition ledger, each row within the importer's scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from huiyin.cases.models import Case
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports.tests.test_ledger_disputes import ledger, row
from huiyin.reports.views.ledger import importable

URL = reverse("reports:ledger_import")


@pytest.fixture(autouse=True)
def _sync_jobs(settings):
    settings.HUIYIN_JOBS_SYNC = True


@pytest.fixture(autouse=True)
def types(db):
    df.dispute_type("邻里")


def upload(rows, name="纠纷台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ledger(rows).getvalue())


def post(client, rows, **data):
    return client.post(URL, {"file": upload(rows), **data}, follow=True)


def disputes() -> int:
    return Case.objects.filter(kind="dispute").count()


def test_each_role_is_offered_the_ledgers_it_may_import(personas):
    assert importable(personas[Role.PETITION_CLERK]) == ["petitions"]
    assert importable(personas[Role.GOVERNANCE_STAFF]) == ["disputes", "mediations", "incidents"]
    # A community worker registers petitions received there (社区代办) but keeps no petition
    # ledger; they screen their community's disputes and register its incidents.
    assert importable(personas[Role.COMMUNITY_WORKER]) == ["disputes", "mediations", "incidents"]
    assert importable(personas[Role.ADMINISTRATOR]) == [
        "petitions",
        "disputes",
        "mediations",
        "incidents",
    ]
    # A grid's scope covers no community (every ledger row names one); a mediator does not
    # screen; the others register nothing.
    for role in (Role.GRID_WORKER, Role.MEDIATOR, Role.LEADER, Role.AUDITOR):
        assert importable(personas[role]) == [], role


def test_a_dispute_sheet_uploaded_through_the_page_imports_with_progress(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    page = client.get(URL).content.decode()
    assert 'name="ledger"' in page and 'value="disputes"' in page
    assert 'value="petitions"' not in page
    assert 'id="import-needs-disputes"' in page and 'id="import-needs-petitions"' not in page

    response = post(
        client, [row(), row(序号=2, 申请人="王五", 身份证号="", 联系电话="")], ledger="disputes"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-ok"' in page
    job = response.context["job"]
    assert job.state == "done" and (job.done, job.total) == (2, 2)
    assert job.result["ledger"] == "disputes" and job.result["report"]["imported"] == 2
    assert disputes() == 2
    entry = AuditEntry.objects.filter(action="ledger.import").latest("id")
    assert entry.diff["kind"] == "disputes" and entry.diff["imported"] == 2
    # The job's page links back to the ledgers, not to a petition-only page.
    assert f'href="{reverse("reports:ledger_import")}"' in page


def test_the_dry_run_checks_a_dispute_sheet_without_importing(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = post(client, [row()], ledger="mediations", dry_run="on")
    assert 'id="import-ok"' in response.content.decode()
    assert response.context["job"].result["report"]["dry_run"] is True
    assert disputes() == 0


def test_one_bad_row_imports_nothing_and_the_page_names_it_in_chinese(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    rows = [row(), row(序号=2, 申请人="王五", 所属社区="无此社区", 身份证号="", 联系电话="")]
    with translation.override("zh-hans"):
        response = post(client, rows, ledger="disputes")
    page = response.content.decode()
    assert 'id="import-failed"' in page
    assert '<tr data-row="5">' in page  # the title, the subtitle, the header, then rows 4 and 5
    assert "“无此社区”不是回音中的社区" in page
    assert disputes() == 0
    # The error sheet is offered, as for petitions.
    assert reverse("reports:job_download", args=[response.context["job"].id]) in page


def test_a_community_worker_imports_their_community_only(client, personas, other_community):
    client.force_login(personas[Role.COMMUNITY_WORKER])  # 柑子园社区
    page = client.get(URL).content.decode()
    assert 'value="disputes"' in page and 'value="petitions"' not in page
    with translation.override("en"):
        response = post(client, [row(), row(序号=2, 所属社区="翠屏路社区")], ledger="disputes")
    page = response.content.decode()
    assert 'id="import-failed"' in page
    assert "您无权登记翠屏路社区的矛盾纠纷" in page
    assert disputes() == 0
    assert 'id="import-ok"' in post(client, [row()], ledger="disputes").content.decode()
    assert disputes() == 1


def test_a_ledger_not_offered_is_refused_on_post(client, personas):
    clerk = personas[Role.PETITION_CLERK]
    client.force_login(clerk)
    page = client.get(URL).content.decode()
    assert 'value="disputes"' not in page and 'value="mediations"' not in page
    for key in ("disputes", "mediations"):
        assert client.post(URL, {"file": upload([row()]), "ledger": key}).status_code == 403
    # The community worker may not import the petition ledger, however asked.
    client.force_login(personas[Role.COMMUNITY_WORKER])
    response = client.post(URL, {"file": upload([row()]), "ledger": "petitions"})
    assert response.status_code == 403
    for role in (Role.GRID_WORKER, Role.MEDIATOR, Role.LEADER):
        client.force_login(personas[role])
        assert client.get(URL).status_code == 403
        response = client.post(URL, {"file": upload([row()]), "ledger": "disputes"})
        assert response.status_code == 403, role
    assert disputes() == 0
    assert not AuditEntry.objects.filter(action="ledger.import").exists()


def test_an_unknown_ledger_is_a_form_error_not_a_500(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = client.post(URL, {"file": upload([row()]), "ledger": "x" * 500})
    assert response.status_code == 200
    assert 'data-error-for="ledger"' in response.content.decode()
    assert disputes() == 0


def test_the_ledger_page_offers_the_import_to_who_may(client, personas):
    client.force_login(personas[Role.COMMUNITY_WORKER])
    page = client.get(reverse("reports:ledger"))
    assert page.status_code == 200
    assert 'id="ledger-import-link"' in page.content.decode()
    assert 'id="ledger-export-form"' not in page.content.decode()  # no export permission
    client.force_login(personas[Role.GRID_WORKER])
    assert client.get(reverse("reports:ledger")).status_code == 403
