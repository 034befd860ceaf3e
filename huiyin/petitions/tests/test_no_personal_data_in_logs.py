"""A journey with a petitioner's ID number and phone leaves neither in any log record.

Every logger is captured at DEBUG: sign-in, a search of the list by phone and by ID number,
registering a petition, its receipt, case page and full identity, a public lookup, and the
4xx pages Django logs (whose messages name the path, never the query string).
"""

import logging
import re

import pytest
from django.urls import reverse

from huiyin.petitions.models import Petition, Petitioner
from huiyin.petitions.tests.test_views_intake import NEW, form_data, person
from huiyin.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
PHONE = "13712345679"
TRACK = "/track/"


def secrets_in(text: str) -> list[str]:
    """The ID number or phone, or a long run of their digits, found in `text`."""
    found = []
    digits_only = re.sub(r"\D", "", text)
    for secret in (ID_NUMBER, PHONE):
        core = re.sub(r"\D", "", secret)
        if secret.lower() in text.lower() or core in digits_only:
            found.append(secret)
        # Any 8 consecutive digits of it (a masked or partial copy would still be a leak).
        for start in range(len(core) - 7):
            if core[start : start + 8] in text:
                found.append(f"{secret}[{start}:{start + 8}]")
    return found


def record_text(record: logging.LogRecord) -> str:
    parts = [str(record.msg), record.getMessage(), repr(record.args)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    parts += [record.exc_text or "", record.stack_info or ""]
    return "\n".join(parts)


def test_no_id_number_nor_phone_reaches_any_log(client, clerk, outsider, community, caplog):
    caplog.set_level(logging.DEBUG)

    # Sign in (a wrong password first: axes and the audit log it).
    client.post(reverse("login"), {"username": "clerk", "password": "wrong-wrong-1"})
    signed_in = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/petitions/", {"q": PHONE}).status_code == 200
    assert client.get("/petitions/", {"q": ID_NUMBER}).status_code == 200
    response = client.post(
        NEW,
        form_data([person(id_number=ID_NUMBER, phone=PHONE)], community=community.pk),
        follow=True,
    )
    assert response.status_code == 200
    petition = Petition.objects.get()
    row = Petitioner.objects.get(petition=petition)
    assert (row.id_number, row.phone) == (ID_NUMBER, PHONE)
    client.get(reverse("petitions:receipt", args=[petition.pk]))
    client.get(reverse("petitions:detail", args=[petition.pk]), {"q": PHONE})
    shown = client.post(reverse("petitions:identity", args=[petition.pk, row.pk]))
    assert shown.status_code == 200 and PHONE in shown.content.decode()
    # 4xx responses are logged by django.request: a 404 and a 403 with the phone in the query.
    assert client.get("/petitions/999999/", {"q": PHONE}).status_code == 404
    client.force_login(outsider)
    assert client.get("/petitions/", {"q": PHONE}).status_code == 403
    client.logout()
    # The public tracker, with the phone's last four digits.
    client.post(TRACK, {"code": petition.receipt_code, "last4": PHONE[-4:]})
    client.post(TRACK, {"code": petition.receipt_code, "last4": "0000"})

    # The check itself finds a leak where there is one.
    assert secrets_in(f"GET /petitions/?q={PHONE}") and secrets_in(ID_NUMBER[:-1])
    assert caplog.records, "the journey should have logged something (the 404 and the 403)"
    leaks = {
        f"{r.name}: {r.getMessage()[:200]}": secrets_in(record_text(r))
        for r in caplog.records
        if secrets_in(record_text(r))
    }
    assert leaks == {}
