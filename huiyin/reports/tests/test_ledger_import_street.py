"""The web ledger import's street: a person who works in several streets says which street the
ledger is of (as ``import-ledger --street``), chosen among their own streets only and checked
again when the job runs; a person of one street sees no choice and imports as before."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huiyin.cases.models import Case
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Role
from huiyin.org.street_choice import SESSION_KEY
from huiyin.reports import jobs
from huiyin.reports.jobs import Job
from huiyin.reports.tests.test_ledger_import import ledger, row
from huiyin.reports.views.ledger import MSG_STREET, MSG_STREET_GONE, _run_import
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("reports:ledger_import")


@pytest.fixture(autouse=True)
def _sync_jobs(settings):
    settings.HUIYIN_JOBS_SYNC = True


@pytest.fixture
def street_b(personas):
    """A second street with its community 石门社区, made after street A's personas."""
    st = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    community = f.CommunityFactory(street=st, name="石门社区")
    return {"street": st, "community": community}


@pytest.fixture
def clerk_ab(personas, street, street_b):
    """A petition office over both streets: the clerk of A, given B as well."""
    clerk = personas[Role.PETITION_CLERK]
    RoleGrant.objects.create(staff=clerk.staff, role=Role.PETITION_CLERK, street=street_b["street"])
    return clerk


def upload(**cells):
    return SimpleUploadedFile("台账.xlsx", ledger([row(责任单位="", **cells)]).getvalue())


def test_a_person_of_several_streets_chooses_the_street_and_the_rows_land_there(
    client, clerk_ab, street, street_b
):
    client.force_login(clerk_ab)
    page = client.get(URL).content.decode()
    assert 'name="street"' in page
    assert f'value="{street.pk}"' in page and f'value="{street_b["street"].pk}"' in page
    b = street_b["street"]
    response = client.post(URL, {"street": b.pk, "file": upload(所属社区="石门社区")}, follow=True)
    page = response.content.decode()
    assert 'id="import-ok"' in page and 'id="import-street"' in page and "溪桥街道" in page
    case = Case.objects.get()
    assert case.street == b and case.community == street_b["community"]
    assert case.number.startswith("溪桥")


def test_the_communities_are_looked_up_in_the_street_chosen(client, clerk_ab, street, street_b):
    """石门社区 is street B's: in a ledger said to be street A's it is no community (and A's
    柑子园社区 none of B's), though the clerk may register in both."""
    client.force_login(clerk_ab)
    for chosen, community in ((street, "石门社区"), (street_b["street"], "柑子园社区")):
        response = client.post(
            URL, {"street": chosen.pk, "file": upload(所属社区=community)}, follow=True
        )
        page = response.content.decode()
        assert 'id="import-failed"' in page and community in page
    assert not Case.objects.exists()
    client.post(URL, {"street": street.pk, "file": upload()}, follow=True)
    assert Case.objects.get().street == street


@pytest.mark.parametrize("forged", ["", "0", "-1", "abc", "9" * 40, "1.5", "１"])
def test_a_street_not_chosen_or_malformed_is_a_form_error(client, clerk_ab, forged):
    client.force_login(clerk_ab)
    response = client.post(URL, {"street": forged, "file": upload()})
    assert response.status_code == 200
    assert response.context["form"].errors["street"] == [str(MSG_STREET)]
    assert 'data-error-for="street"' in response.content.decode()
    assert not Case.objects.exists() and not Job.objects.exists()


def test_a_forged_street_the_person_holds_no_grant_in_is_refused(client, clerk_ab, street):
    third = f.StreetFactory(name="桂花街道", short_name="桂花")
    f.CommunityFactory(street=third, name="柑子园社区")  # the same name, in a street not theirs
    client.force_login(clerk_ab)
    response = client.post(URL, {"street": third.pk, "file": upload()})
    assert response.status_code == 200
    assert response.context["form"].errors["street"] == [str(MSG_STREET)]
    assert 'data-error-for="street"' in response.content.decode()
    assert not Case.objects.exists() and not Job.objects.exists()
    assert f'value="{third.pk}"' not in client.get(URL).content.decode()


def test_the_header_street_is_preselected_and_another_of_theirs_may_be_chosen(
    client, clerk_ab, street, street_b
):
    client.force_login(clerk_ab)
    session = client.session
    session[SESSION_KEY] = street_b["street"].pk
    session.save()
    form = client.get(URL).context["form"]
    assert int(form["street"].value()) == street_b["street"].pk
    # The header narrows the pages to B; the ledger may still be A's, which the clerk holds.
    response = client.post(URL, {"street": street.pk, "file": upload()}, follow=True)
    assert 'id="import-ok"' in response.content.decode()
    assert Case.objects.get().street == street


def test_the_job_checks_the_street_again_when_it_runs(clerk_ab, street_b, tmp_path):
    """A grant withdrawn between the upload and the job: nothing is imported, the file goes."""
    path = tmp_path / "upload.xlsx"
    path.write_bytes(upload(所属社区="石门社区").read())
    RoleGrant.objects.filter(staff=clerk_ab.staff, street=street_b["street"]).delete()
    clerk_ab.__dict__.pop("_huiyin_reach", None)  # the job reads the person afresh
    with pytest.raises(ValidationError) as refused:
        _run_import(
            jobs.Progress(),
            path=str(path),
            filename="台账.xlsx",
            user=clerk_ab,
            dry_run=False,
            ledger="petitions",
            street=street_b["street"].pk,
        )
    assert jobs.user_message(refused.value) == str(MSG_STREET_GONE)
    assert not path.exists() and not Case.objects.exists()


def test_a_clerk_of_one_street_sees_no_choice_and_imports_as_before(
    client, personas, street, street_b
):
    clerk = personas[Role.PETITION_CLERK]  # street A only, though B exists
    client.force_login(clerk)
    assert 'name="street"' not in client.get(URL).content.decode()
    # A street sent anyway is not read: the import is the clerk's one street's.
    response = client.post(URL, {"street": street_b["street"].pk, "file": upload()}, follow=True)
    page = response.content.decode()
    assert 'id="import-ok"' in page and 'id="import-street"' not in page
    assert Case.objects.get().street == street


def test_with_one_street_there_is_no_choice(client, personas, street):
    client.force_login(personas[Role.ADMINISTRATOR])
    assert 'name="street"' not in client.get(URL).content.decode()
    response = client.post(URL, {"file": upload()}, follow=True)
    assert 'id="import-ok"' in response.content.decode()
    assert Case.objects.get().street == street
