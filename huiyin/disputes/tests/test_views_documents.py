"""The documents of a dispute on its case page: whatever the documents registry holds for the
dispute kind and fits the stage is listed and downloaded through the case's door; one naming
the parties goes only to those who may open their identity; every download audited."""

from __future__ import annotations

import importlib
import re

import docx
import pytest

from huiyin.cases.kinds import Kind
from huiyin.disputes.models import Dispute
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

# The module, not the function of the same name the package re-exports.
render = importlib.import_module("huiyin.reports.documents.render")

pytestmark = pytest.mark.django_db


def _build(ctx):
    document = docx.Document()
    document.add_paragraph(f"{ctx.case.number} 调解协议")
    return document


def _spec(name: str, slug: str, *, names_person: bool, fits=True) -> render.DocumentSpec:
    return render.DocumentSpec(
        name=name,
        slug=slug,
        label=name,
        kind=Kind.DISPUTE,
        load=lambda case: Dispute.objects.get(pk=case.pk),
        check=lambda case, d: None if fits else "it is issued only after an agreement",
        build=_build,
        names_person=names_person,
        fields=("name",) if names_person else (),
    )


@pytest.fixture
def registry(monkeypatch):
    """Two dispute documents and a petition's, in place of whatever is registered."""
    specs = [
        _spec("测试协议书", "test-agreement", names_person=True),
        _spec("测试统计表", "test-sheet", names_person=False),
        _spec("测试告知书", "test-notice", names_person=False, fits=False),
    ]
    petition = render.by_name("受理告知书")
    table = {s.name: s for s in specs}
    if petition is not None:
        table[petition.name] = petition
    monkeypatch.setattr(render, "_REGISTRY", table)
    return specs


@pytest.fixture
def dispute(governance, community):
    return df.register(governance, community=community)


def listed(client, user, case) -> set[str]:
    client.force_login(user)
    html = client.get(f"/disputes/{case.pk}/").content.decode()
    if 'id="case-documents"' not in html:
        return set()
    section = html[html.index('id="case-documents"') :]
    section = section[: section.index("</section>")]
    return set(re.findall(r'data-document="([a-z-]+)"', section))


def test_the_page_lists_the_documents_that_fit_by_role(client, personas, registry, dispute):
    # The mediator mediates it: the documents naming the parties too.
    assert listed(client, personas[Role.MEDIATOR], dispute) == {"test-agreement", "test-sheet"}
    # The auditor reads: not what names the parties in full.
    assert listed(client, personas[Role.AUDITOR], dispute) == {"test-sheet"}


def test_a_download_is_a_docx_and_audited(client, personas, registry, dispute):
    client.force_login(personas[Role.MEDIATOR])
    response = client.get(f"/disputes/{dispute.pk}/documents/test-agreement/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="document.export")
    assert entry.diff["document"] == "测试协议书" and entry.diff["fields"] == ["name"]


def test_the_identity_document_is_refused_to_the_auditor_and_audited(
    client, personas, registry, dispute
):
    client.force_login(personas[Role.AUDITOR])
    response = client.get(f"/disputes/{dispute.pk}/documents/test-agreement/")
    assert response.status_code == 403
    denied = AuditEntry.objects.get(action="access.denied")
    assert denied.diff["document"] == "测试协议书"
    assert not AuditEntry.objects.filter(action="document.export").exists()


def test_a_document_that_does_not_fit_sends_back_with_the_reason(
    client, personas, registry, dispute
):
    client.force_login(personas[Role.MEDIATOR])
    response = client.get(f"/disputes/{dispute.pk}/documents/test-notice/", follow=True)
    assert response.redirect_chain[-1][0] == f"/disputes/{dispute.pk}/"
    assert "it is issued only after an agreement" in response.content.decode()


def test_other_kinds_unknown_slugs_and_foreign_cases_are_404(
    client, personas, registry, dispute, governance, other_community
):
    client.force_login(personas[Role.GRID_WORKER])
    elsewhere = df.register(governance, community=other_community)
    assert client.get(f"/disputes/{elsewhere.pk}/documents/test-sheet/").status_code == 404
    client.force_login(personas[Role.MEDIATOR])
    for path in (
        f"/disputes/{dispute.pk}/documents/acceptance-notice/",
        f"/disputes/{dispute.pk}/documents/no-such-thing/",
        "/disputes/99999999999999999999999/documents/test-sheet/",
    ):
        assert client.get(path).status_code == 404, path


def test_documents_not_yet_registered_leave_the_page_as_it_is(
    client, personas, dispute, monkeypatch
):
    monkeypatch.setattr(render, "_REGISTRY", {})
    assert listed(client, personas[Role.MEDIATOR], dispute) == set()
