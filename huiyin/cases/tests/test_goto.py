"""The top bar's "go to number" box: a visible case opens; anything else, one message."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register

pytestmark = pytest.mark.django_db

URL = reverse("cases:goto")


@pytest.fixture(autouse=True)
def english():
    # The test's own strings in English; the pages answer in the site's language (zh-hans).
    with translation.override("en"):
        yield


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


@pytest.fixture
def petition(clerk, community):
    return register(clerk, community=community, title="小区违建影响采光")


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_visible_case_opens_by_its_number_trimmed(client, clerk, petition):
    client.force_login(clerk)
    response = client.get(URL, {"number": f"  {petition.case.number}\t"})
    assert response.status_code == 302
    assert response.url == reverse("petitions:detail", args=[petition.pk])


@pytest.mark.parametrize(
    "shape",
    [
        "{letter}〔{year}〕{seq:04d}号",  # without the street's short name
        "{letter}[{year}]{seq}",  # other brackets, no 号, no leading zeros
        "{street} {letter}（{year}）{seq:04d} 号",  # full-width brackets and spaces
        "{year}-{seq:04d}",
    ],
)
def test_a_number_without_the_street_or_in_another_shape_opens_too(client, clerk, petition, shape):
    case = petition.case
    text = shape.format(street=case.street.short_name, letter="信", year=case.year, seq=case.seq)
    client.force_login(clerk)
    response = client.get(URL, {"number": text})
    assert response.status_code == 302, said(response)
    assert response.url == reverse("petitions:detail", args=[petition.pk])


def test_an_invisible_case_gets_the_same_answer_as_a_missing_one(
    client, personas, petition, community
):
    worker = personas[Role.COMMUNITY_WORKER]  # sees no petitions at all
    client.force_login(worker)
    other = Client()
    other.force_login(worker)
    hidden = client.get(URL, {"number": petition.case.number}, HTTP_REFERER="http://testserver/")
    missing_number = petition.case.number.replace(f"{petition.case.seq:04d}", "9999")
    missing = other.get(URL, {"number": missing_number}, HTTP_REFERER="http://testserver/")
    assert hidden.status_code == missing.status_code == 302
    assert hidden.url == missing.url == "http://testserver/"
    assert said(hidden) == [f"未找到编号为“{petition.case.number}”的事项，或您无权查看。"]
    assert said(missing) == [f"未找到编号为“{missing_number}”的事项，或您无权查看。"]


def test_the_answer_goes_back_to_the_page_only_on_this_site(client, clerk):
    client.force_login(clerk)
    response = client.get(URL, {"number": "nothing"}, HTTP_REFERER="https://evil.example/x")
    assert response.url == reverse("home")
    response = client.get(URL, {"number": "nothing"}, HTTP_REFERER="/petitions/?status=new")
    assert response.url == "/petitions/?status=new"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "请输入事项编号。"),
        ("   ", "请输入事项编号。"),
        ("\x00", "请输入事项编号。"),
        ("信" * 41, "事项编号不超过40个字符。"),
        ("1" * 5000, "事项编号不超过40个字符。"),
        ("42", "未找到编号为“42”的事项，或您无权查看。"),
        ("<script>", "未找到编号为“<script>”的事项，或您无权查看。"),
        ("信〔99999〕1号", "未找到编号为“信〔99999〕1号”的事项，或您无权查看。"),
    ],
)
def test_bad_or_oversize_input_gets_a_message(client, clerk, petition, number, message):
    client.force_login(clerk)
    response = client.get(URL, {"number": number})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert said(response) == [message]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL, {"number": "浓洄信〔2026〕0001号"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_box_is_in_the_top_bar_for_those_who_see_cases(client, personas):
    client.force_login(personas[Role.PETITION_CLERK])
    html = client.get(reverse("home")).content.decode()
    assert f'action="{URL}"' in html and 'id="goto-number"' in html
    client.force_login(personas[Role.ADMINISTRATOR])
    html = client.get(reverse("home")).content.decode()
    assert 'id="goto-number"' not in html
