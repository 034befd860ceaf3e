"""The page "E-mail reminders": each person's own choice, validated and audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from huiyin.mail import services
from huiyin.mail.models import MailPreference, Mode
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/mail/"
GOOD = {"email": "wangfang@street.gov.cn", "reminders": "daily", "assignments": "off"}
GOOD["supervision"] = "daily"


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_url():
    assert reverse("mail:preferences") == URL


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_its_own_page(client, personas, role):
    other = personas[Role.PETITION_CLERK if role != Role.PETITION_CLERK else Role.LEADER]
    MailPreference.objects.create(user=other, email="someone.else@street.gov.cn")
    response = signed_in(client, personas[role]).get(URL)
    assert response.status_code == 200
    assert b"someone.else@street.gov.cn" not in response.content
    assert b'id="mail-form"' in response.content


def test_an_account_without_a_role_is_refused_and_a_stranger_signs_in(client, db):
    assert client.get(URL).status_code == 302
    nobody = UserFactory(username="nobody")
    assert signed_in(client, nobody).get(URL).status_code == 403


def test_saving_writes_only_ones_own_preference_and_audits_it(client, personas):
    clerk, leader = personas[Role.PETITION_CLERK], personas[Role.LEADER]
    response = signed_in(client, clerk).post(URL, {**GOOD, "user": leader.pk})
    assert response.status_code == 302
    pref = MailPreference.objects.get()
    assert pref.user == clerk and pref.email == GOOD["email"]
    assert (pref.reminders, pref.assignments, pref.supervision) == ("daily", "off", "daily")
    entry = AuditEntry.objects.filter(action="mail.preference").get()
    assert entry.actor_id == clerk.pk
    assert GOOD["email"] not in str(entry.diff) and "email" in entry.diff
    # The page shows the saved choice; saving it again changes nothing and audits nothing.
    assert GOOD["email"].encode() in client.get(URL).content
    client.post(URL, GOOD)
    assert AuditEntry.objects.filter(action="mail.preference").count() == 1


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "wang@",
        "wangfang@street.gov.cn\r\nBcc: all@example.com",
        "a" * 250 + "@street.gov.cn",
    ],
)
def test_a_bad_address_is_refused_with_a_message(client, personas, address):
    response = signed_in(client, personas[Role.LEADER]).post(URL, {**GOOD, "email": address})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    errors = response.context["form"].errors["email"]
    assert errors and all("Traceback" not in e for e in errors)
    assert not MailPreference.objects.exists()


def test_the_message_of_a_bad_address():
    with pytest.raises(ValidationError) as refused:
        services.clean_email("wang@@street")
    assert refused.value.messages == [str(services.MSG_EMAIL)]


def test_an_address_is_needed_unless_everything_is_off(client, personas):
    c = signed_in(client, personas[Role.LEADER])
    response = c.post(URL, {**GOOD, "email": ""})
    assert str(services.MSG_EMAIL_NEEDED) in response.context["form"].errors["email"]
    off = {"email": "", "reminders": "off", "assignments": "off", "supervision": "off"}
    assert c.post(URL, off).status_code == 302
    assert not MailPreference.objects.get().active


def test_an_unknown_choice_is_refused(client, personas):
    response = signed_in(client, personas[Role.LEADER]).post(URL, {**GOOD, "reminders": "hourly"})
    assert response.status_code == 200 and "reminders" in response.context["form"].errors
    assert not MailPreference.objects.exists()


def test_only_the_offices_domains_when_configured(settings):
    settings.HUIYIN_EMAIL_DOMAINS = ("street.gov.cn",)
    assert services.clean_email("li@street.gov.cn") == "li@street.gov.cn"
    with pytest.raises(ValidationError) as refused:
        services.clean_email("li@gmail.com")
    assert "street.gov.cn" in refused.value.messages[0]


def test_turning_mail_on_starts_it_now(personas):
    user = personas[Role.LEADER]
    off = {"email": "", "reminders": Mode.OFF, "assignments": Mode.OFF, "supervision": Mode.OFF}
    first = services.save_preference(user, off)
    on = services.save_preference(user, {**GOOD})
    assert on.active and on.since >= first.since


def test_the_tokens_page_links_here(client, personas):
    response = signed_in(client, personas[Role.LEADER]).get(reverse("api:tokens"))
    assert URL.encode() in response.content


def test_the_demo_gives_a_few_accounts_a_choice_once(personas):
    import io

    from huiyin.mail import demo

    demo.load(io.StringIO())
    demo.load(io.StringIO())
    chosen = dict(MailPreference.objects.values_list("user__username", "supervision"))
    assert chosen == {"clerk": "off", "handler": "daily", "leader": "daily"}
