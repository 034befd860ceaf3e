"""The intake page, its helpers (grid options, the duplicate hint) and the printable receipt."""

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.models import Case, Clock
from huiyin.org.access import reach_of
from huiyin.org.roles import Role
from huiyin.petitions.forms import IntakeForm, PetitionerForm
from huiyin.petitions.models import Channel, Petition, Petitioner
from huiyin.petitions.tests.factories import ID_1, ID_2, PHONE_1, PHONE_2, register
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

NEW = "/petitions/new/"


def field_errors(response, field: str) -> list[str]:
    """The messages shown beside one field (by its data-field marker)."""
    pattern = rf'<div class="invalid-feedback d-block" data-field="{re.escape(field)}">(.*?)</div>'
    return [html.unescape(m) for m in re.findall(pattern, response.content.decode())]


def form_data(petitioners: list[dict], **fields) -> dict:
    data = {
        "channel": Channel.VISIT,
        "level": "street",
        "handling_level": "street",
        "received_at": "",
        "title": "小区违建影响采光",
        "description": "楼下加盖彩钢棚，遮挡采光。",
        "headcount": "",
        "p-TOTAL_FORMS": str(len(petitioners)),
        "p-INITIAL_FORMS": "0",
        "p-MIN_NUM_FORMS": "1",
        "p-MAX_NUM_FORMS": "50",
    }
    for i, person in enumerate(petitioners):
        for key, value in person.items():
            if key == "is_representative":
                if value:
                    data[f"p-{i}-{key}"] = "on"
            else:
                data[f"p-{i}-{key}"] = value
    data.update({k: "" if v is None else str(v) for k, v in fields.items()})
    return data


def person(name="张三", id_number=ID_1, phone=PHONE_1, **extra) -> dict:
    return {"name": name, "id_number": id_number, "phone": phone, "address": "翠屏路12号", **extra}


def crowd(n: int, representatives: int) -> list[dict]:
    return [person(f"群众{i}", "", "", is_representative=i < representatives) for i in range(n)]


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


# --------------------------------------------------------------------------- the form


def test_it_shows_the_intake_form_to_the_clerk(clerk_client, community, grid):
    response = clerk_client.get(NEW)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="intake-form"' in page
    assert "autofocus" in page
    assert 'name="p-TOTAL_FORMS"' in page and 'id="petitioner-template"' in page
    # The received time defaults to now (to the minute, Beijing time).
    now = timezone.localtime().strftime("%Y-%m-%dT%H")
    assert f'value="{now}' in page
    assert community.name in page
    # The grid choices wait for a community to be chosen.
    assert grid.name not in page
    assert response.context["nav_active"] == "petitions"


def test_it_registers_an_individual_visit(clerk_client, community, grid):
    response = clerk_client.post(
        NEW, form_data([person()], community=community.pk, grid=grid.pk), follow=True
    )
    petition = Petition.objects.select_related("case").get()
    assert response.redirect_chain == [(reverse("petitions:receipt", args=[petition.pk]), 302)]
    assert (petition.channel, petition.headcount, petition.is_collective) == ("visit", 1, False)
    assert (petition.case.community, petition.case.grid) == (community, grid)
    [row] = Petitioner.objects.filter(petition=petition)
    assert (row.name, row.id_number, row.phone) == ("张三", ID_1, PHONE_1)
    page = response.content.decode()
    assert petition.case.number in page  # in the success message and on the receipt
    assert petition.receipt_code in page


@pytest.mark.django_db(transaction=True)  # real commits: the session counts as saved after one
def test_an_intake_saves_the_session_and_its_message_in_its_own_commit(clerk_client, community):
    clerk_client.get(NEW)
    data = form_data([person()], community=community.pk)
    with CaptureQueriesContext(connection) as queries:
        response = clerk_client.post(NEW, data)
    assert response.status_code == 302
    statements = [q["sql"] for q in queries]
    # From the case number on (the holiday table read before is its own transaction).
    statements = statements[next(i for i, sql in enumerate(statements) if "casecounter" in sql) :]
    commits = [i for i, sql in enumerate(statements) if sql == "COMMIT"]
    session = [i for i, sql in enumerate(statements) if sql.startswith('UPDATE "django_session"')]
    entry = next(i for i, sql in enumerate(statements) if "privacy_auditentry" in sql)
    # One commit: the session with its message is written after the registration's audit
    # entry, in its transaction; the middleware's save after the view finds nothing new.
    assert len(commits) == 1 and len(session) == 1
    assert entry < session[0] < commits[0]
    page = clerk_client.get(response["Location"]).content.decode()
    assert Petition.objects.get().case.number in page  # the message, on the receipt


def test_it_registers_a_collective_visit_of_12_with_3_representatives(clerk_client, community):
    data = form_data(crowd(3, 3), community=community.pk, is_collective="on", headcount=12)
    response = clerk_client.post(NEW, data, follow=True)
    assert response.status_code == 200
    petition = Petition.objects.get()
    assert (petition.is_collective, petition.headcount) == (True, 12)
    assert petition.petitioners.filter(is_representative=True).count() == 3
    notice = Clock.objects.get(case=petition.case, code="acceptance_notice")
    page = response.content.decode()
    assert petition.receipt_code in page
    assert f"{notice.due_on.year}年{notice.due_on.month}月{notice.due_on.day}日" in page
    # The receipt is the petitioners' own copy: their names in full.
    assert "群众0、群众1、群众2" in page


def test_it_registers_a_matter_assigned_from_above(clerk_client):
    data = form_data(
        [person()],
        channel=Channel.ASSIGNED,
        assigned_by="区信访局",
        assigned_doc_no="区信转〔2026〕18号",
        level="district",
    )
    assert clerk_client.post(NEW, data).status_code == 302
    petition = Petition.objects.get()
    assert (petition.assigned_by, petition.assigned_doc_no) == ("区信访局", "区信转〔2026〕18号")
    assert Clock.objects.filter(case=petition.case, code="transfer_objection").exists()


def test_it_drops_sender_fields_typed_before_switching_channel(clerk_client):
    data = form_data([person()], channel=Channel.LETTER, assigned_by="区信访局")
    assert clerk_client.post(NEW, data).status_code == 302
    assert Petition.objects.get().assigned_by == ""


def test_it_asks_for_the_sender_of_an_assigned_matter(clerk_client):
    response = clerk_client.post(NEW, form_data([person()], channel=Channel.ASSIGNED))
    assert response.status_code == 200
    assert field_errors(response, "assigned_by") == ["请填写交办单位。"]
    assert 'id="intake-assigned"' in response.content.decode()
    assert 'class="row g-3 mb-3 hy-assigned"' in response.content.decode()  # shown
    assert not Case.objects.exists()


BAD_INPUT = [
    pytest.param(
        lambda c: form_data([person()], headcount=0),
        "headcount",
        "人数至少为 1。",
        id="headcount-0",
    ),
    pytest.param(
        lambda c: form_data(crowd(6, 0), is_collective="on", headcount=20),
        None,
        "集体访须至少标明一名代表。",
        id="no-representative",
    ),
    pytest.param(
        lambda c: form_data([person(id_number=ID_1[:17] + ("0" if ID_1[17] != "0" else "1"))]),
        "p-0-id_number",
        "身份证号最后一位校验码不正确，请核对。",
        id="id-check-digit",
    ),
    pytest.param(
        lambda c: form_data([person(phone="1381234567")]),
        "p-0-phone",
        "手机号应为 11 位，以 13–19 开头。",
        id="ten-digit-phone",
    ),
    pytest.param(
        lambda c: form_data(
            [person()],
            received_at=(timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
        "received_at",
        "收到日期不能晚于今天。",
        id="received-in-the-future",
    ),
]


@pytest.mark.parametrize(("make", "field", "message"), BAD_INPUT)
def test_it_refuses_bad_input_beside_the_field_and_saves_nothing(
    clerk_client, community, make, field, message
):
    before = (Case.objects.count(), Petition.objects.count(), Petitioner.objects.count())
    data = make(community)
    response = clerk_client.post(NEW, data)
    assert response.status_code == 200
    assert (Case.objects.count(), Petition.objects.count(), Petitioner.objects.count()) == before
    page = html.unescape(response.content.decode())
    if field is None:
        assert re.search(r'id="petitioner-errors">\s*<div>' + re.escape(message), page)
    else:
        assert field_errors(response, field) == [message]
    # What was typed stays in the form, every petitioner row included.
    assert response.context["formset"].total_form_count() == int(data["p-TOTAL_FORMS"])
    for key, value in data.items():
        if key.endswith("-name"):
            assert f'value="{value}"' in page


def test_it_puts_a_row_error_on_the_row_after_a_blank_one(clerk_client):
    rows = [{"name": "", "id_number": "", "phone": "", "address": ""}, person(phone="12345")]
    response = clerk_client.post(NEW, form_data(rows))
    assert field_errors(response, "p-0-phone") == []
    assert field_errors(response, "p-1-phone") != []
    assert 'value="12345"' in response.content.decode()
    assert not Case.objects.exists()


def test_it_asks_for_a_petitioner_and_a_title(clerk_client):
    blank = [{"name": "", "id_number": "", "phone": "", "address": ""}]
    response = clerk_client.post(NEW, form_data(blank, title=""))
    assert response.status_code == 200
    assert field_errors(response, "title") == ["此项为必填项。"]
    assert "请至少录入一名信访人。" in response.content.decode()
    assert not Case.objects.exists()


def test_it_survives_a_tampered_formset(clerk_client):
    data = form_data([person()])
    del data["p-TOTAL_FORMS"]
    response = clerk_client.post(NEW, data)
    assert response.status_code == 200
    assert 'id="petitioner-errors"' in response.content.decode()
    assert not Case.objects.exists()


def test_a_post_reads_only_the_choices_it_was_sent(clerk, community, grid, unit):
    reach_of(clerk)  # (the page's door has read the role grants already)
    with CaptureQueriesContext(connection) as queries:
        form = IntakeForm(form_data([person()], community=community.pk, grid=grid.pk), user=clerk)
        assert form.is_valid(), form.errors
    # The grid with its community in one query: not the units, staff, categories, slots.
    tables = [re.search(r'FROM "(\w+)"', q["sql"]).group(1) for q in queries]
    assert tables == ["org_grid"]
    assert '"org_community"' in queries[0]["sql"]
    # Their querysets were not even built.
    unused = ("category", "complained_unit", "complained_staff", "reception_slot")
    assert all(form.fields[name]._queryset is None for name in unused)
    assert (form.cleaned_data["community"], form.cleaned_data["grid"]) == (community, grid)


def test_a_refused_post_lists_every_option_again(clerk_client, community, grid, unit):
    response = clerk_client.post(NEW, form_data([person()], community=community.pk, title=""))
    assert response.status_code == 200
    form = response.context["form"]
    page = response.content.decode()
    assert f'<option value="{unit.pk}">{unit.name}</option>' in page
    assert f'<option value="{grid.pk}">{grid.name}</option>' in page  # the community's grids
    assert community.pk in [c.pk for c in form.fields["community"].queryset]
    assert list(form.fields["category"].queryset)  # the petition categories in use


def test_it_refuses_a_grid_of_another_community(clerk_client, community, other_community):
    elsewhere = f.GridFactory(community=other_community)
    response = clerk_client.post(
        NEW, form_data([person()], community=community.pk, grid=elsewhere.pk)
    )
    assert response.status_code == 200
    assert field_errors(response, "grid")
    assert not Case.objects.exists()


def test_the_community_and_grid_read_together_are_those_sent(clerk, community, grid):
    form = IntakeForm(form_data([person()], community=community.pk, grid=grid.pk), user=clerk)
    assert form.is_valid(), form.errors
    chosen = form.cleaned_data["grid"]
    assert chosen == grid and chosen.community == community
    assert form.cleaned_data["community"].street == community.street
    # A value that only reads as the same number is checked by its own query, as before.
    data = form_data([person()], community=f" {community.pk}", grid=f"0{grid.pk}")
    form = IntakeForm(data, user=clerk)
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["community"], form.cleaned_data["grid"]) == (community, grid)


def test_it_links_a_repeat_petition_by_number(clerk_client, clerk):
    earlier = register(clerk)
    data = form_data([person()], repeat_of=earlier.case.number)
    assert clerk_client.post(NEW, data).status_code == 302
    assert Petition.objects.exclude(pk=earlier.pk).get().repeat_of == earlier
    response = clerk_client.post(NEW, form_data([person()], repeat_of="浓洄信〔1999〕9999号"))
    assert field_errors(response, "repeat_of") == ["未找到该编号的原信访事项。"]


# A community worker registers in their own community (社区代办): test_community_intake.py.
@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_HANDLER, Role.GRID_WORKER, Role.LEADER, Role.AUDITOR]
)
def test_it_refuses_intake_to_other_roles(client, personas, role, community):
    client.force_login(personas[role])
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data([person()])).status_code == 403
    assert (
        client.get(reverse("petitions:intake_grids"), {"community": community.pk}).status_code
        == 403
    )
    assert client.post(reverse("petitions:similar"), {"p-0-id_number": ID_1}).status_code == 403
    assert not Case.objects.exists()


def test_it_sends_strangers_to_sign_in(client):
    response = client.get(NEW)
    assert response.status_code == 302 and "/login/" in response["Location"]


# --------------------------------------------------------------------------- helpers


def test_it_lists_the_grids_of_the_chosen_community(clerk_client, community, grid, other_community):
    elsewhere = f.GridFactory(community=other_community, name="第9网格")
    response = clerk_client.get(reverse("petitions:intake_grids"), {"community": community.pk})
    page = response.content.decode()
    assert f'value="{grid.pk}"' in page and f'value="{elsewhere.pk}"' not in page
    for junk in ("", "abc"):
        response = clerk_client.get(reverse("petitions:intake_grids"), {"community": junk})
        assert response.status_code == 200 and "<option" in response.content.decode()


def test_it_hints_at_earlier_petitions_of_the_same_person(clerk_client, clerk):
    earlier = register(clerk)
    response = clerk_client.post(reverse("petitions:similar"), {"p-3-id_number": ID_1})
    page = response.content.decode()
    assert earlier.case.number in page
    assert earlier.case.status_label in page
    for secret in ("张三", ID_1, PHONE_1, "小区违建"):
        assert secret not in page
    by_phone = clerk_client.post(reverse("petitions:similar"), {"p-0-phone": PHONE_1})
    assert earlier.case.number in by_phone.content.decode()
    other = clerk_client.post(
        reverse("petitions:similar"), {"p-0-id_number": ID_2, "p-0-phone": PHONE_2}
    )
    assert earlier.case.number not in other.content.decode()
    typo = clerk_client.post(reverse("petitions:similar"), {"p-0-id_number": "1101"})
    assert typo.status_code == 200 and typo.content.decode().strip() == ""


def test_it_hints_only_at_petitions_the_clerk_may_see(client, clerk, community, other_community):
    earlier = register(clerk, community=community)
    scoped = f.person(Role.PETITION_CLERK, community=other_community)
    client.force_login(scoped)
    response = client.post(reverse("petitions:similar"), {"p-0-id_number": ID_1})
    assert earlier.case.number not in response.content.decode()


def test_it_takes_the_hint_by_post_only(clerk_client):
    response = clerk_client.get(reverse("petitions:similar"), {"id_number": ID_1})
    assert response.status_code == 405


# --------------------------------------------------------------------------- the receipt


def receipt_url(petition, **query) -> str:
    url = reverse("petitions:receipt", args=[petition.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_it_prints_a_receipt_with_the_code_and_the_acceptance_deadline(clerk_client, clerk):
    petition = register(clerk)
    response = clerk_client.get(receipt_url(petition))
    assert response.status_code == 200
    page = response.content.decode()
    due = Clock.objects.get(case=petition.case, code="acceptance_notice").due_on
    assert f'<div class="hy-receipt-code" id="receipt-code">{petition.receipt_code}</div>' in page
    assert petition.case.number in page
    assert f"{due.year}年{due.month}月{due.day}日" in page
    assert "http://testserver/track/" in page
    assert "data-hy-print" in page and "huiyin/receipt-a4.css" in page
    # Their own copy: the names and the matter; the ID masked, the phone without the digits
    # that open the tracker, no address (test_receipt.py has the rest).
    assert "张三" in page and "小区违建" in page
    for secret in (ID_1, PHONE_1, "5678", "翠屏路12号"):
        assert secret not in page


def test_it_prints_on_a5(clerk_client, clerk):
    petition = register(clerk)
    page = clerk_client.get(receipt_url(petition, size="a5")).content.decode()
    assert "huiyin/receipt-a5.css" in page and "receipt-a4.css" not in page
    page = clerk_client.get(receipt_url(petition, size="letter")).content.decode()
    assert "huiyin/receipt-a4.css" in page and "receipt-a5.css" not in page
    for size in ("A4", "A5"):
        sheet = Path(finders.find(f"huiyin/receipt-{size.lower()}.css")).read_text()
        assert f"size: {size} portrait" in sheet


def test_it_audits_every_receipt(clerk_client, clerk):
    petition = register(clerk)
    clerk_client.get(receipt_url(petition, size="a5"))
    entry = AuditEntry.objects.get(action="petition.receipt")
    assert (entry.target_id, entry.diff, entry.actor) == (str(petition.pk), {"size": "a5"}, clerk)


def test_it_says_when_there_is_no_phone_to_track_with(clerk_client, clerk):
    petition = register(clerk, petitioners=[person(phone="")])
    page = clerk_client.get(receipt_url(petition)).content.decode()
    assert "http://testserver/track/" not in page


def test_it_shows_the_receipt_to_a_leader(client, personas, clerk):
    petition = register(clerk)
    client.force_login(personas[Role.LEADER])
    response = client.get(receipt_url(petition))
    assert response.status_code == 200
    assert 'id="receipt-new"' not in response.content.decode()


# A community worker is refused the receipt of the very petition they registered:
# test_community_intake.py.
@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.AUDITOR, Role.GOVERNANCE_STAFF])
def test_it_refuses_the_receipt_to_roles_without_identity(client, personas, clerk, role):
    petition = register(clerk)
    client.force_login(personas[role])
    assert client.get(receipt_url(petition)).status_code == 403
    assert not AuditEntry.objects.filter(action="petition.receipt").exists()


def test_it_refuses_the_receipt_to_the_assigned_handler(client, personas, clerk, unit):
    petition = register(clerk)
    Case.objects.filter(pk=petition.pk).update(owner_unit=unit)
    client.force_login(personas[Role.DEPARTMENT_HANDLER])
    assert client.get(receipt_url(petition)).status_code == 403


def test_it_hides_a_receipt_out_of_scope(client, clerk, community, other_community):
    petition = register(clerk, community=community)
    scoped = f.person(Role.PETITION_CLERK, community=other_community)
    client.force_login(scoped)
    assert client.get(receipt_url(petition)).status_code == 404
    assert client.get(reverse("petitions:receipt", args=[987654])).status_code == 404
    assert AuditEntry.objects.filter(action="access.denied").count() == 2
    assert not AuditEntry.objects.filter(action="petition.receipt").exists()


def test_it_asks_a_community_clerk_for_one_of_their_communities(client, community, other_community):
    scoped = f.person(Role.PETITION_CLERK, community=other_community)
    client.force_login(scoped)
    page = client.get(NEW).content.decode()
    assert other_community.name in page and community.name not in page
    response = client.post(NEW, form_data([person()]))
    assert response.status_code == 200 and field_errors(response, "community")
    response = client.post(NEW, form_data([person()], community=community.pk))
    assert response.status_code == 200 and field_errors(response, "community")
    assert not Case.objects.exists()
    assert client.post(NEW, form_data([person()], community=other_community.pk)).status_code == 302


# --------------------------------------------------------------------------- 条例 art. 23


def test_it_records_a_visitor_told_on_the_spot(clerk_client, community):
    page = clerk_client.get(NEW).content.decode()
    assert 'name="told_on_the_spot"' in page and 'name="contact_unclear"' in page
    data = form_data([person()], community=community.pk, told_on_the_spot="on")
    clerk_client.post(NEW, data)
    petition = Petition.objects.get()
    assert petition.notice_on_the_spot
    notice = Clock.objects.get(case=petition.case, code="acceptance_notice")
    assert (notice.running, notice.outcome) == (False, Clock.Outcome.MET)


def test_it_says_beside_the_box_that_only_visitors_are_told_on_the_spot(clerk_client, community):
    data = form_data(
        [person()], community=community.pk, channel=Channel.PHONE, told_on_the_spot="on"
    )
    response = clerk_client.post(NEW, data)
    assert response.status_code == 200
    assert field_errors(response, "told_on_the_spot")
    assert not Petition.objects.exists()


def test_it_owes_no_notice_when_the_name_or_address_is_unclear(clerk_client, community):
    data = form_data([person()], community=community.pk, contact_unclear="on")
    clerk_client.post(NEW, data)
    petition = Petition.objects.get()
    assert petition.contact_unclear
    assert not Clock.objects.filter(case=petition.case, code="acceptance_notice").exists()


def test_it_registers_an_anonymous_letter_and_shows_it_as_anonymous(clerk_client, community):
    data = form_data(
        [person("", "", "", address="")],
        community=community.pk,
        channel=Channel.LETTER,
        is_anonymous="on",
    )
    response = clerk_client.post(NEW, data, follow=True)
    assert response.status_code == 200  # the receipt renders, with nobody named
    petition = Petition.objects.get()
    assert petition.is_anonymous and not petition.petitioners.exists()
    page = clerk_client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert 'data-anonymous="1"' in page and 'id="anonymous-note"' in page
    assert 'id="receipt-link"' not in page
    assert 'data-notice="not_owed"' in page
    listing = clerk_client.get("/petitions/").content.decode()
    assert 'data-anonymous="1"' in listing


def test_it_registers_a_visit_of_8_representatives_with_a_warning(clerk_client, community):
    data = form_data(crowd(8, 8), community=community.pk, is_collective="on", headcount=30)
    clerk_client.post(NEW, data)
    petition = Petition.objects.get()
    assert petition.representatives_exceeded
    page = clerk_client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert 'id="representatives-warning"' in page
    assert 'data-event="representatives_warning"' in page


@pytest.mark.parametrize("form_class", [IntakeForm, PetitionerForm])
def test_the_fields_are_copied_as_django_copies_them(form_class):
    import copy

    from django import forms

    quick = copy.deepcopy(form_class.base_fields)
    django = copy.deepcopy(dict(form_class.base_fields))  # Django's own __deepcopy__ each
    assert list(quick) == list(django)
    for name, field in form_class.base_fields.items():
        ours, theirs = quick[name], django[name]
        assert type(ours) is type(theirs) and ours is not field
        assert ours.__dict__.keys() == theirs.__dict__.keys()
        for attr in ("label", "required", "help_text", "initial", "error_messages"):
            assert getattr(ours, attr) == getattr(theirs, attr)
        assert ours.validators == theirs.validators
        assert ours.validators is not field.validators
        assert ours.error_messages is not field.error_messages
        assert type(ours.widget) is type(theirs.widget) and ours.widget is not field.widget
        assert ours.widget.attrs == theirs.widget.attrs
        assert ours.widget.attrs is not field.widget.attrs
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            assert list(ours.choices) == list(theirs.choices)
            assert ours._choices is not field._choices
            assert list(ours.widget.choices) == list(theirs.widget.choices)
    # A form's changes stay its own.
    form = form_class()
    next(iter(form.fields.values())).widget.attrs["class"] = "changed"
    assert next(iter(form_class.base_fields.values())).widget.attrs.get("class") != "changed"


def test_the_grid_with_its_community_is_what_the_orm_reads(community, grid, other_community):
    from huiyin.org.models import Grid
    from huiyin.petitions.forms import grid_with_community

    Grid.objects.filter(pk=grid.pk).update(
        geometry={"type": "Polygon", "coordinates": [[[104.06, 30.67], [104.07, 30.68]]]}
    )
    orm = Grid.objects.select_related("community__street").get(pk=grid.pk)
    ours = grid_with_community(grid.pk, community.pk)

    def values(obj):
        return {k: v for k, v in obj.__dict__.items() if not k.startswith("_")}

    assert values(ours) == values(orm) and isinstance(ours.geometry, dict)
    assert values(ours.community) == values(orm.community)
    assert values(ours.community.street) == values(orm.community.street)
    assert (ours._state.db, ours._state.adding) == (orm._state.db, orm._state.adding)
    with CaptureQueriesContext(connection) as queries:
        assert ours.community.street.short_name == orm.community.street.short_name
    assert not queries  # loaded with it
    elsewhere = f.GridFactory(community=other_community)
    assert grid_with_community(elsewhere.pk, community.pk) is None
    assert grid_with_community(elsewhere.pk + 1000, other_community.pk) is None
