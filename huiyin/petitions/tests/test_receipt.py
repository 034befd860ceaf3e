"""The receipt is the petitioners' own copy: their names in full (opened and audited like any
identity), ID and phone masked — the phone without the four digits that open the tracker —,
a one-line summary of the matter and the tracker's address as a QR code made on the server.
"""

import re

import pytest
import segno
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.petitions.models import Petitioner
from huiyin.petitions.receipt_qr import tracker_qr_svg
from huiyin.petitions.tests.factories import ID_1, ID_2, PHONE_1, PHONE_2, petitioner, register
from huiyin.petitions.views.intake import _phone_on_slip, _summary
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

TRACKER = "http://testserver/track/"
ASKED = (
    "楼上住户在小区公共绿地上违规搭建两层砖混结构房屋，遮挡我家采光，"
    "请求街道依法责令拆除并恢复绿地原状，同时请城管执法队说明处理时限。"
)


def receipt(client, petition, **query):
    return client.get(reverse("petitions:receipt", args=[petition.pk]), query)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def joint(clerk, community):
    return register(
        clerk,
        community=community,
        description=ASKED,
        petitioners=[petitioner(), petitioner("欧阳春梅", id_number=ID_2, phone=PHONE_2)],
    )


def test_it_shows_the_petitioners_own_names_with_id_and_phone_masked(clerk_client, joint):
    page = receipt(clerk_client, joint).content.decode()
    people = re.search(r'id="receipt-people">(.*?)</ul>', page, re.S).group(1)
    assert "张三" in people and "欧阳春梅" in people
    assert "张三、欧阳春梅" in page
    assert "110105********" + ID_1[-4:] in people and "511302********" + ID_2[-4:] in people
    # The phone masked, its last four digits too: with the code they would open the tracker.
    assert "138********" in people and "139********" in people
    for secret in (ID_1, ID_2, PHONE_1, PHONE_2, PHONE_1[-4:], PHONE_2[-4:], "翠屏路12号"):
        assert secret not in page, secret


def test_it_sums_up_the_matter_in_one_line(clerk_client, joint):
    page = receipt(clerk_client, joint).content.decode()
    matter = re.search(r'id="receipt-matter">(.*?)</dd>', page, re.S).group(1)
    assert joint.case.title in matter
    assert ASKED[:60] in matter and ASKED[60:] not in matter and "…" in matter
    assert _summary("  要求\n  答复  ") == "要求 答复"
    assert _summary("") == ""


def test_it_prints_the_tracker_address_as_a_qr_code(clerk_client, joint):
    page = receipt(clerk_client, joint).content.decode()
    qr = re.search(r'<figure[^>]*id="receipt-qr"[^>]*>(.*?)</figure>', page, re.S).group(1)
    assert qr.startswith("<svg") and qr.endswith("</svg>")
    # What segno makes of the tracker's address, and only of it (no code, no digits).
    assert qr == segno.make(TRACKER, error="m").svg_inline(scale=3) == tracker_qr_svg(TRACKER)
    assert qr != tracker_qr_svg(TRACKER + "?code=" + joint.receipt_code)
    assert TRACKER in page


def test_it_prints_no_qr_code_without_a_phone_to_track_with(clerk_client, clerk):
    petition = register(clerk, petitioners=[petitioner(phone="")])
    page = receipt(clerk_client, petition).content.decode()
    assert 'id="receipt-qr"' not in page and "<svg" not in page


def test_it_audits_the_names_shown_as_an_identity_view(clerk_client, clerk, joint):
    receipt(clerk_client, joint, size="a5")
    ids = list(Petitioner.objects.filter(petition=joint).order_by("order", "id").values_list("pk"))
    entry = AuditEntry.objects.get(action="identity.view")
    assert (entry.target_id, entry.actor) == (str(joint.pk), clerk)
    assert entry.diff == {"fields": [f"name.{pk}" for (pk,) in ids]}
    # The receipt's own entry stays as it was.
    assert AuditEntry.objects.get(action="petition.receipt").diff == {"size": "a5"}


@pytest.mark.parametrize(
    "role",
    [Role.COMMUNITY_WORKER, Role.AUDITOR, Role.GOVERNANCE_STAFF, Role.DEPARTMENT_HANDLER],
)
def test_it_opens_no_names_to_roles_without_identity(client, personas, joint, role):
    client.force_login(personas[role])
    response = receipt(client, joint)
    assert response.status_code in (403, 404)
    assert "张三" not in response.content.decode()
    assert not AuditEntry.objects.filter(action__in=("identity.view", "petition.receipt")).exists()


def test_it_leaves_no_digits_of_a_phone_on_the_slip():
    assert _phone_on_slip("138****5678") == "138********"
    assert _phone_on_slip("0816-****678") == "0816-*******"
    assert _phone_on_slip("") == ""
