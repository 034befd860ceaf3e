"""The petition list's tools: the petitioner lookup (exact name, ID or phone, POST only, audited
masked, never in a link or an export), batch assignment and export of ticked matters, the
printed list, page sizes and the page-jump box."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from openpyxl import load_workbook

from huiyin.cases.models import Case, CaseEvent
from huiyin.org.roles import Role
from huiyin.petitions.models import Status
from huiyin.petitions.queries import MAX_IDS, PetitionFilter
from huiyin.petitions.tests.factories import ID_2, PHONE_2, bring_to, petitioner, register
from huiyin.privacy.models import AuditEntry
from huiyin.privacy.validators import resident_id_check_digit
from huiyin.reports.ledgers.petitions_export import ledger_cases
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

URL = "/petitions/"
ASSIGN = "/petitions/batch/assign/"
EXPORT = "/petitions/batch/export/"
PRINT = "/petitions/print/"
LEDGER = "/reports/ledger/export/"


def id_ending_in_x() -> str:
    """A valid resident ID whose check character is X."""
    for serial in range(1000):
        first17 = f"11010519800101{serial:03d}"
        if resident_id_check_digit(first17) == "X":
            return first17 + "X"
    raise AssertionError("no ID with check character X")


ID_X = id_ending_in_x()


@pytest.fixture(autouse=True)
def english_pages(client):
    """The pages in English, so that messages are checked by their msgid whatever the
    catalogue holds."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def numbers(response) -> set[str]:
    html = response.content.decode()
    return set(
        re.findall(
            r'<tr data-case="\d+"[^>]*>\s*(?:<td><input [^>]*></td>\s*)?'
            r'<td class="text-nowrap"><a [^>]*>([^<]+)</a>',
            html,
        )
    )


def look_up(client, user, value, query=""):
    client.force_login(user)
    return client.post(URL + query, {"person": value})


def notices(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def workbook_numbers(response) -> set[str]:
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    found = set()
    for row in sheet.iter_rows(values_only=True):
        for value in row:
            if isinstance(value, str) and re.fullmatch(r".*信〔\d{4}〕\d{4}号", value):
                found.add(value)
    return found


@pytest.fixture
def li(clerk, community):
    """李建国's matter (with his ID ending in X and his phone), and two others."""
    return register(
        clerk,
        community=community,
        title="楼道堆物",
        petitioners=[petitioner("李建国", id_number=ID_X, phone="13700001111")],
    )


@pytest.fixture
def others(clerk, community):
    return [
        register(clerk, community=community, title="噪声扰民"),
        register(
            clerk,
            community=community,
            title="拖欠工资",
            petitioners=[petitioner("王芳", id_number=ID_2, phone=PHONE_2)],
        ),
    ]


# --------------------------------------------------------------------------- the lookup


def test_it_finds_a_returning_petitioners_matters_by_full_name(client, clerk, li, others):
    again = register(
        clerk,
        title="再次反映楼道堆物",
        petitioners=[petitioner("李建国", id_number="", phone="")],
    )
    response = look_up(client, clerk, "李建国")
    assert response.status_code == 200
    assert numbers(response) == {li.case.number, again.case.number}
    html = response.content.decode()
    assert 'id="petition-person-result"' in html
    assert "李**" in html


def test_it_finds_by_resident_id_typed_with_a_lower_case_x(client, clerk, li, others):
    response = look_up(client, clerk, ID_X.lower())
    assert numbers(response) == {li.case.number}


def test_it_finds_by_phone(client, clerk, li, others):
    response = look_up(client, clerk, "137 0000 1111")
    assert numbers(response) == {li.case.number}


def test_a_name_nobody_has_finds_nothing(client, clerk, li, others):
    assert numbers(look_up(client, clerk, "李建")) == set()


def test_it_keeps_the_other_filters_of_the_address(client, clerk, li, others):
    Case.objects.filter(pk=li.pk).update(status=Status.ACCEPTED)
    assert numbers(look_up(client, clerk, "李建国", "?status=registered")) == set()
    assert numbers(look_up(client, clerk, "李建国", "?status=accepted")) == {li.case.number}


def test_a_leader_finds_through_the_same_door(client, personas, li):
    leader = personas[Role.LEADER]
    assert numbers(look_up(client, leader, "李建国")) == {li.case.number}


def test_it_lists_only_matters_the_person_may_see(li, others, clerk, handler):
    # The filter object with the lookup, for someone who may look up but sees nothing: the
    # lookup narrows the visible matters, it never widens them.
    found = PetitionFilter({}, clerk, person="李建国")
    assert set(found.queryset().values_list("pk", flat=True)) == {li.pk}
    hidden = PetitionFilter({"ids": str(others[0].pk)}, clerk, person="李建国")
    assert hidden.queryset().count() == 0


def test_a_handler_gets_no_field_and_the_value_is_ignored(client, handler, li, others, unit):
    # Give the handler sight of every matter, to show the value does not narrow the list.
    for petition in [li, *others]:
        Case.objects.filter(pk=petition.pk).update(owner_unit=unit)
    client.force_login(handler)
    page = client.get(URL)
    assert 'id="petition-person"' not in page.content.decode()
    visible = numbers(page)
    assert len(visible) == 3
    response = client.post(URL, {"person": "李建国"})
    assert response.status_code == 200
    assert numbers(response) == visible
    assert not AuditEntry.objects.filter(action="petition.identity_lookup").exists()


def test_the_value_in_the_address_is_ignored(client, clerk, li, others):
    client.force_login(clerk)
    response = client.get(URL, {"person": "李建国"})
    assert len(numbers(response)) == 3
    assert not AuditEntry.objects.filter(action="petition.identity_lookup").exists()


@pytest.mark.parametrize(
    ("value", "by", "masked"),
    [("李建国", "name", "李**"), (ID_X.lower(), "id_number", None), ("13700001111", "phone", None)],
)
def test_each_lookup_is_audited_with_the_masked_value_only(client, clerk, li, value, by, masked):
    look_up(client, clerk, value)
    entry = AuditEntry.objects.get(action="petition.identity_lookup")
    assert entry.actor == clerk
    assert entry.diff["by"] == by
    if masked:
        assert entry.diff["value"] == masked
    assert "*" in entry.diff["value"]
    stored = json.dumps(entry.diff, ensure_ascii=False) + entry.target_label
    assert value not in stored
    assert value.upper() not in stored
    assert "13700001111" not in stored


def test_the_value_is_in_no_link_of_the_page(client, clerk, li, others):
    response = look_up(client, clerk, "李建国", "?sort=-received&size=20")
    html = response.content.decode()
    # Only in the field the clerk typed it in: never in an address on the page.
    assert html.count("李建国") == 1
    assert 'name="person"' in html
    assert quote("李建国") not in html
    for href in re.findall(r'(?:href|hx-get|action)="([^"]*)"', html):
        assert "person" not in href
        assert "李" not in href


def test_the_export_link_and_the_export_view_leave_the_lookup_out(client, clerk, li, others):
    response = look_up(client, clerk, "李建国")
    export = re.search(r'id="petition-export" href="([^"]*)"', response.content.decode())
    assert export is not None
    assert "person" not in export.group(1)
    everything = {li.case.number, *(p.case.number for p in others)}
    assert workbook_numbers(client.get(export.group(1))) == everything
    # Handed to the export anyway, the value is ignored.
    assert workbook_numbers(client.get(LEDGER, {"person": "李建国"})) == everything
    assert ledger_cases(clerk, {"person": "李建国"})[0].count() == 3


def test_an_over_long_value_is_refused_without_a_lookup(client, clerk, li, others):
    response = look_up(client, clerk, "李" * 41)
    html = response.content.decode()
    assert "at most 40 characters" in html
    assert len(numbers(response)) == 3
    assert not AuditEntry.objects.filter(action="petition.identity_lookup").exists()


def test_digits_that_are_neither_an_id_nor_a_phone_find_nothing_with_a_notice(
    client, clerk, li, others
):
    response = look_up(client, clerk, "12345678901234")
    html = response.content.decode()
    assert "is none of these" in html
    assert "12345678901234" not in html.replace('value="12345678901234"', "")
    assert numbers(response) == set()


def test_an_empty_text_search_points_to_the_lookup_for_those_who_have_it(
    client, clerk, handler, li
):
    client.force_login(clerk)
    html = client.get(URL, {"q": "李建国"}).content.decode()
    assert "not covered by the text search" in html
    client.force_login(handler)
    html = client.get(URL, {"q": "李建国"}).content.decode()
    assert "not covered by the text search" not in html


def test_a_lookup_filter_object_ignores_the_value_without_identity_view(handler, li):
    found = PetitionFilter({}, handler, person="李建国")
    assert not found.person_active
    assert "person" not in found.querystring()


# --------------------------------------------------------------------------- batch assignment


@pytest.fixture
def accepted(clerk, community, personas, unit):
    cases = []
    for title in ("甲事项", "乙事项", "丙事项"):
        petition = register(clerk, community=community, title=title)
        cases.append(bring_to(petition, "accepted", personas, unit=unit))
    return cases


def ticked(cases) -> list[str]:
    return [f"{c.pk}:{Case.objects.get(pk=c.pk).version}" for c in cases]


def test_the_clerk_assigns_the_ticked_matters_to_a_unit(client, clerk, accepted, unit):
    client.force_login(clerk)
    response = client.post(
        ASSIGN, {"case": ticked(accepted[:2]), "unit": unit.pk, "query": "status=accepted"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/petitions/?status=accepted"
    for case in accepted[:2]:
        case = Case.objects.get(pk=case.pk)
        assert case.status == Status.ASSIGNED
        assert case.owner_unit_id == unit.pk
        assert CaseEvent.objects.filter(case=case, kind="assign").count() == 1
    assert Case.objects.get(pk=accepted[2].pk).status == Status.ACCEPTED
    assert any("2 matters assigned to" in m for m in notices(response))


def test_the_list_offers_the_tools_by_role(client, clerk, handler, accepted):
    client.force_login(clerk)
    html = client.get(URL).content.decode()
    assert 'id="petition-batch-assign"' in html
    assert 'id="petition-batch-export"' in html
    assert f'value="{accepted[0].pk}:' in html
    client.force_login(handler)
    html = client.get(URL).content.decode()
    assert 'id="petition-batch-assign"' not in html


def test_a_handler_cannot_batch_assign(client, handler, accepted, unit):
    client.force_login(handler)
    response = client.post(ASSIGN, {"case": ticked(accepted), "unit": unit.pk})
    assert response.status_code == 403
    assert not Case.objects.filter(status=Status.ASSIGNED).exists()


def test_a_stale_version_refuses_the_whole_batch(client, clerk, accepted, unit):
    client.force_login(clerk)
    chosen = ticked(accepted)
    stale = accepted[1]
    Case.objects.filter(pk=stale.pk).update(version=Case.objects.get(pk=stale.pk).version + 1)
    response = client.post(ASSIGN, {"case": chosen, "unit": unit.pk})
    assert response.status_code == 302
    assert not Case.objects.filter(status=Status.ASSIGNED).exists()
    assert not CaseEvent.objects.filter(kind="assign").exists()
    (message,) = [m for m in notices(response) if "Nothing was assigned" in m]
    assert stale.number in message
    assert accepted[0].number not in message
    refused = AuditEntry.objects.filter(action="case.transition_refused", target_id=str(stale.pk))
    assert refused.count() == 1
    assert refused.get().diff["batch"] is True


def test_a_matter_in_the_wrong_state_refuses_the_batch_and_is_named(
    client, clerk, community, accepted, unit
):
    registered = register(clerk, community=community, title="未受理")
    client.force_login(clerk)
    response = client.post(ASSIGN, {"case": ticked([*accepted, registered.case]), "unit": unit.pk})
    assert not Case.objects.filter(status=Status.ASSIGNED).exists()
    (message,) = [m for m in notices(response) if "Nothing was assigned" in m]
    assert registered.case.number in message


def test_too_many_ticked_matters_are_refused(client, clerk, accepted, unit):
    client.force_login(clerk)
    many = ticked(accepted) + [f"{n}:1" for n in range(10**6, 10**6 + MAX_IDS)]
    response = client.post(ASSIGN, {"case": many, "unit": unit.pk})
    assert response.status_code == 302
    assert any("At most 500" in m for m in notices(response))
    assert not Case.objects.filter(status=Status.ASSIGNED).exists()


def test_a_matter_out_of_sight_refuses_the_batch_without_naming_it(client, clerk, accepted, unit):
    client.force_login(clerk)
    response = client.post(ASSIGN, {"case": [*ticked(accepted), "999999:1"], "unit": unit.pk})
    assert any("were not found" in m for m in notices(response))
    assert not Case.objects.filter(status=Status.ASSIGNED).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"case": ["abc"], "unit": "1"},
        {"case": ["1:x"], "unit": "1"},
        {"case": [], "unit": "1"},
        {"case": ["1:1"], "unit": "not a unit"},
        {"case": ["1:1"], "unit": "9" * 40},
    ],
)
def test_bad_input_gets_a_message_not_an_error(client, clerk, data):
    client.force_login(clerk)
    response = client.post(ASSIGN, data)
    assert response.status_code == 302
    assert notices(response)


def test_another_streets_unit_is_refused_by_the_workflow(client, clerk, accepted):
    stranger = f.UnitFactory(name="外街道单位", street=f.StreetFactory(name="别的街道"))
    client.force_login(clerk)
    client.post(ASSIGN, {"case": ticked(accepted), "unit": stranger.pk})
    assert not Case.objects.filter(status=Status.ASSIGNED).exists()


# --------------------------------------------------------------------------- batch export


def test_the_ticked_matters_are_exported(client, clerk, accepted):
    client.force_login(clerk)
    response = client.post(EXPORT, {"case": ticked(accepted[:2])})
    assert response.status_code == 200
    assert workbook_numbers(response) == {c.number for c in accepted[:2]}
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert "ids" in json.dumps(entry.diff)


def test_the_ids_filter_keeps_to_the_visible_matters(personas, handler, accepted, unit):
    petition = Case.objects.get(pk=accepted[0].pk)
    Case.objects.filter(pk=petition.pk).update(owner_unit=unit)
    ids = ",".join(str(c.pk) for c in accepted)
    cases, _filters, _notices = ledger_cases(handler, {"ids": ids})
    assert set(cases.values_list("pk", flat=True)) == {petition.pk}


def test_an_over_long_ids_filter_exports_nothing(clerk, accepted):
    ids = ",".join(str(n) for n in range(1, MAX_IDS + 2))
    cases, _filters, notes = ledger_cases(clerk, {"ids": ids})
    assert cases.count() == 0
    assert any("At most 500" in n for n in notes)


def test_too_many_ticked_matters_are_not_exported(client, clerk, accepted):
    client.force_login(clerk)
    many = [f"{n}:1" for n in range(1, MAX_IDS + 2)]
    response = client.post(EXPORT, {"case": many})
    assert response.status_code == 302
    assert any("At most 500" in m for m in notices(response))


def test_a_handler_cannot_batch_export(client, handler, accepted):
    client.force_login(handler)
    assert client.post(EXPORT, {"case": ticked(accepted)}).status_code == 403


# --------------------------------------------------------------------------- print, pages


def test_the_printed_list_has_the_filters_rows_and_no_navigation(client, clerk, accepted, li):
    client.force_login(clerk)
    response = client.get(PRINT, {"status": "accepted"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "list-print.css" in html
    assert 'id="hy-sidebar"' not in html
    assert "<nav" not in html
    assert {c.number for c in accepted} <= set(re.findall(r"[^>\s]*信〔\d{4}〕\d{4}号", html))
    assert li.case.number not in html
    assert 'id="print-filters"' in html


def test_print_all_and_bad_pages_never_fail(client, clerk, accepted):
    client.force_login(clerk)
    for params in (
        {"scope": "all"},
        {"page": "abc"},
        {"page": "9" * 50},
        {"size": "10000"},
        {"page": "-3"},
    ):
        response = client.get(PRINT, params)
        assert response.status_code == 200


def test_the_list_links_a_print_of_this_page(client, clerk, accepted):
    client.force_login(clerk)
    html = client.get(URL, {"status": "accepted"}).content.decode()
    assert 'id="petition-print" href="/petitions/print/?status=accepted&amp;page=1"' in html
    assert "scope=all" in html


@pytest.mark.parametrize(
    ("size", "per_page"),
    [
        ("20", 20),
        ("50", 50),
        ("100", 100),
        ("10000", 100),
        ("9" * 40, 100),
        ("abc", 50),
        ("7", 20),
        ("", 50),
    ],
)
def test_the_page_size_is_one_of_the_offered_sizes(client, clerk, petition, size, per_page):
    client.force_login(clerk)
    response = client.get(URL, {"size": size})
    assert response.status_code == 200
    assert response.context["page"].paginator.per_page == per_page


def test_the_page_size_stays_in_page_links_but_not_in_the_export(client, clerk, community):
    for n in range(21):
        register(clerk, community=community, title=f"事项{n}")
    client.force_login(clerk)
    html = client.get(URL, {"size": "20"}).content.decode()
    assert "size=20&amp;page=2" in html
    export = re.search(r'id="petition-export" href="([^"]*)"', html).group(1)
    assert "size" not in export
    # The page-jump box keeps the size and the filters.
    jump = re.search(r'<form [^>]*id="petition-jump".*?</form>', html, re.S).group(0)
    assert 'name="size" value="20"' in jump
    assert client.get(URL, {"size": "20", "page": "2"}).context["page"].number == 2


@pytest.mark.parametrize("page", ["abc", "0", "-1", "9" * 40, "1.5", "\x00"])
def test_an_invalid_page_number_shows_the_first_page(client, clerk, petition, page):
    client.force_login(clerk)
    response = client.get(URL, {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_the_key_case_column_has_a_header(client, clerk, petition):
    client.force_login(clerk)
    html = client.get(URL).content.decode()
    header = re.search(r'<th [^>]*id="col-key-case"[^>]*>([^<]*)</th>', html)
    assert header is not None
    assert header.group(1).strip() == "Key case"
