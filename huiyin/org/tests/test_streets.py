"""Several streets in one database: no street sees another's matters through any door.

Street A is the usual test street with a persona per role (conftest); street B has its own
community, grid, unit, staff and matters. Every role of A goes through the doors — the one
door itself, the lists and their search, the number box, the case pages and documents, the
ledgers, the statistics and dashboard, the notifications and the API — and never meets a
matter of B (nor B's people one of A). The district officer sees the streets given, and not
a third.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.models import Case, Notification
from huiyin.disputes.tests import factories as df
from huiyin.incidents.tests import factories as itf
from huiyin.incidents.types import ensure_default_types
from huiyin.org import streets
from huiyin.org.access import Scope, reach_of
from huiyin.org.models import RoleGrant, Staff
from huiyin.org.roles import Perm, Role
from huiyin.petitions.tests.factories import register, step
from huiyin.reports import stats
from huiyin.testing import factories as f
from huiyin.testing.crawl import body_text

pytestmark = pytest.mark.django_db


def _matters(street_people, community, grid, unit, *, tag: str) -> list[Case]:
    """A petition (accepted, assigned to the unit), a dispute and an incident in the grid."""
    ensure_default_types()
    clerk = street_people[Role.PETITION_CLERK]
    governance = street_people[Role.GOVERNANCE_STAFF]
    petition = register(clerk, community=community, grid=grid, title=f"{tag}小区违建影响采光").case
    step(petition, "accept", clerk)
    step(petition, "assign", clerk, unit=unit)
    dispute = df.register(
        governance, community=community, grid=grid, title=f"{tag}楼上漏水致楼下墙面受损"
    )
    incident = itf.register(governance, community=community, grid=grid, title=f"{tag}底商厨房起火")
    return [petition, dispute, incident]


@pytest.fixture
def street_b(personas):
    """The second street, made after street A's personas (whose whole-street grants are A's)."""
    return f.second_street()


@pytest.fixture
def matters_a(personas, community, grid, unit):
    return _matters(personas, community, grid, unit, tag="甲街")


@pytest.fixture
def matters_b(street_b):
    b = street_b
    return _matters(b["people"], b["community"], b["grid"], b["unit"], tag="乙街")


_texts = body_text  # a page, or the XML inside an .xlsx or .docx


def _markers(cases: list[Case]) -> list[str]:
    return [text for case in cases for text in (case.number, case.title)]


def _seen(text: str, cases: list[Case]) -> list[str]:
    return [marker for marker in _markers(cases) if marker in text]


# --------------------------------------------------------------------------- grants and scopes


def test_every_grant_names_its_street(personas, street_b, street):
    assert set(
        RoleGrant.objects.filter(staff__user__username="leader").values_list("street_id", flat=True)
    ) == {street.pk}
    grid_worker_b = RoleGrant.objects.get(staff__user__username=f"{Role.GRID_WORKER}-b")
    assert grid_worker_b.street == street_b["street"]  # from the grid, not given


def test_a_whole_street_grant_among_several_streets_must_name_one(personas, street_b):
    staff = Staff.objects.create(user=f.UserFactory(username="nobody-yet"), name="某某")
    with pytest.raises(ValidationError):
        RoleGrant.objects.create(staff=staff, role=Role.LEADER)
    assert streets.only_street() is None


def test_a_whole_street_scope_is_its_streets_rows_only(personas, street_b, street):
    scope = reach_of(personas[Role.LEADER]).scope(Perm.PETITIONS_VIEW)
    assert scope.street_ids == {street.pk}
    assert scope.covers(community_id=None, street_id=street.pk)
    assert not scope.covers(community_id=street_b["community"].pk)
    assert not scope.covers(grid_id=street_b["grid"].pk)
    assert not scope.covers(unit_id=street_b["unit"].pk)
    assert not scope.covers()  # no place and several streets: nothing is assumed
    with pytest.raises(ValueError):
        scope.q(street=None)
    assert Scope.every_street().street_ids == {street.pk, street_b["street"].pk}


def _where(queryset) -> str:
    sql = str(queryset.query)
    return sql.split(" WHERE ", 1)[1] if " WHERE " in sql else ""


def _fresh(user):
    """The person as the next request loads them (the reach is read again)."""
    return type(user).objects.get(pk=user.pk)


def test_with_one_street_a_whole_street_scope_has_no_street_condition(
    personas, street, django_assert_num_queries
):
    user = _fresh(personas[Role.GOVERNANCE_STAFF])
    with django_assert_num_queries(1):  # the number of streets comes with the grants
        scope = reach_of(user).scope(Perm.DISPUTES_VIEW)
    assert scope.everything and scope.covers() and scope.covers(street_id=street.pk)
    assert _where(Case.objects.filter(scope.q(street="street"))) == ""
    # In an OR it is still everything (an empty Q() would vanish from it and narrow).
    assert _where(Case.objects.filter(Q(pk__in=[]) | scope.q(street="street"))) == ""
    assert _where(Case.objects.filter(Q(owner_id=0) | scope.q(street="street"))) == ""
    with pytest.raises(ValueError):
        scope.q(street=None)
    seen = Case.objects.visible_to(user, kind="dispute")
    assert "street_id" not in _where(seen)
    # A part of the street keeps its own condition.
    worker = reach_of(_fresh(personas[Role.COMMUNITY_WORKER])).scope(Perm.DISPUTES_VIEW)
    assert not worker.everything
    assert "community_id" in _where(Case.objects.filter(worker.q(street="street")))
    assert Scope.every_street().everything


def test_with_several_streets_a_whole_street_scope_keeps_its_street(personas, street, street_b):
    scope = reach_of(_fresh(personas[Role.GOVERNANCE_STAFF])).scope(Perm.DISPUTES_VIEW)
    assert not scope.everything
    assert "street_id" in _where(Case.objects.filter(scope.q(street="street")))
    assert not scope.covers(community_id=street_b["community"].pk)


def test_a_street_added_after_the_reach_was_read_is_not_covered(personas, street):
    user = personas[Role.LEADER]
    assert reach_of(user).scope(Perm.PETITIONS_VIEW).everything
    other = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    community_b = f.CommunityFactory(street=other, name="石门社区")
    scope = reach_of(user).scope(Perm.PETITIONS_VIEW)  # the same reach, read before
    assert not scope.everything
    assert not scope.covers(community_id=community_b.pk)
    assert "street_id" in _where(Case.objects.filter(scope.q(street="street")))
    # A reader of one street for the command line: the same.
    reader = streets.street_reader(street)
    assert not reach_of(reader).scope(Perm.PETITIONS_VIEW).everything


def test_a_command_lines_reader_of_the_only_street_has_no_street_condition(street):
    reader = streets.street_reader(street)
    scope = reach_of(reader).scope(Perm.PETITIONS_VIEW)
    assert scope.everything
    assert _where(Case.objects.filter(scope.q(street="street"))) == ""


def test_a_district_role_covers_whole_streets_only(street_b):
    staff = Staff.objects.create(user=f.UserFactory(username="district-x"), name="区某")
    grant = RoleGrant(staff=staff, role=Role.DISTRICT, community=street_b["community"])
    with pytest.raises(ValidationError):
        grant.full_clean()


# --------------------------------------------------------------------------- numbering


def test_case_numbers_run_per_street(matters_a, matters_b, street_b):
    petition_a, petition_b = matters_a[0], matters_b[0]
    assert petition_a.number.startswith("浓洄信")
    assert petition_b.number.startswith("溪桥信")
    assert petition_a.seq == petition_b.seq == 1  # each street counts from one
    assert petition_b.street == street_b["street"]
    assert {c.street_id for c in matters_b} == {street_b["street"].pk}


# --------------------------------------------------------------------------- the one door


def test_no_role_sees_another_streets_matters_through_the_one_door(
    personas, street_b, matters_a, matters_b
):
    ids_a, ids_b = {c.pk for c in matters_a}, {c.pk for c in matters_b}
    for role, user in personas.items():
        visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
        assert not visible & ids_b, role
    for role, user in street_b["people"].items():
        visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
        assert not visible & ids_a, role
    # Each street's own still sees its own (the door is not simply shut).
    leader_b = street_b["people"][Role.LEADER]
    assert set(Case.objects.visible_to(leader_b).values_list("pk", flat=True)) == ids_b
    assert ids_a <= set(Case.objects.visible_to(personas[Role.LEADER]).values_list("pk", flat=True))


# --------------------------------------------------------------------------- every page


def _pages(b: list[Case]) -> list[tuple[str, dict]]:
    petition, dispute, incident = b
    return [
        (reverse("home"), {}),
        (reverse("petitions:list"), {}),
        (reverse("petitions:list"), {"q": petition.title}),
        (reverse("petitions:list"), {"q": petition.number}),
        (reverse("disputes:list"), {}),
        (reverse("disputes:list"), {"q": dispute.title}),
        (reverse("incidents:list"), {}),
        (reverse("incidents:list"), {"q": incident.title}),
        (reverse("petitions:detail", args=[petition.pk]), {}),
        (reverse("petitions:document", args=[petition.pk, "registration"]), {}),
        (reverse("disputes:detail", args=[dispute.pk]), {}),
        (reverse("incidents:detail", args=[incident.pk]), {}),
        (reverse("cases:notifications"), {}),
        (reverse("reports:dashboard"), {}),
        (reverse("reports:ledger"), {}),
        (reverse("reports:ledger_export"), {}),
        (reverse("reports:ledger_export"), {"ledger": "disputes"}),
        (reverse("reports:ledger_export"), {"ledger": "incidents"}),
        # Last: "not found" repeats the number typed on the next page shown.
        (reverse("cases:goto"), {"number": petition.number}),
        (reverse("cases:goto"), {"number": petition.number.removeprefix("溪桥")}),
    ]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_no_page_shows_another_streets_matter(role, personas, street_b, matters_a, matters_b):
    call_command("tick", stdout=io.StringIO())  # notifications for every street's clocks
    client = Client()
    client.force_login(personas[role])
    bad = []
    for path, query in _pages(matters_b):
        response = client.get(path, query)
        assert response.status_code in (200, 302, 403, 404), (path, response.status_code)
        if response.status_code == 302:
            # The number box finds nothing of B: it never sends anyone to one of B's pages.
            assert all(
                response["Location"] != reverse(f"{c.kind}s:detail", args=[c.pk]) for c in matters_b
            ), (path, query)
            continue
        if response.status_code == 200:
            text = _texts(response)
            for echoed in query.values():  # the search box shows what was typed
                text = text.replace(echoed, "")
            found = _seen(text, matters_b)
            if found:
                bad.append((path, query, found))
    assert not bad, bad


def test_a_case_page_of_another_street_is_not_found(personas, street_b, matters_b):
    client = Client()
    client.force_login(personas[Role.LEADER])
    petition, dispute, incident = matters_b
    for url in (
        reverse("petitions:detail", args=[petition.pk]),
        reverse("disputes:detail", args=[dispute.pk]),
        reverse("incidents:detail", args=[incident.pk]),
    ):
        assert client.get(url).status_code == 404


def test_documents_carry_their_own_streets_office(personas, street_b, matters_a, matters_b):
    st = street_b["street"]
    st.office_name = "溪桥街道办事处"
    st.save()
    client = Client()
    client.force_login(street_b["people"][Role.PETITION_CLERK])
    doc = client.get(reverse("petitions:document", args=[matters_b[0].pk, "registration"]))
    assert doc.status_code == 200
    text = _texts(doc)
    assert "溪桥街道办事处" in text and "浓洄" not in text
    client.force_login(personas[Role.PETITION_CLERK])
    doc = client.get(reverse("petitions:document", args=[matters_a[0].pk, "registration"]))
    assert doc.status_code == 200
    assert "溪桥" not in _texts(doc)


# --------------------------------------------------------------------------- numbers


def test_the_statistics_of_a_street_ignore_another_streets_matters(personas, matters_a, street_b):
    period = stats.Period(timezone.localdate() - timedelta(days=60), timezone.localdate())
    before = {
        role: stats.compute(period, user=user)
        for role, user in personas.items()
        if role != Role.ADMINISTRATOR
    }
    b = street_b
    _matters(b["people"], b["community"], b["grid"], b["unit"], tag="乙街")
    for role, figures in before.items():
        assert stats.compute(period, user=personas[role]) == figures, role


def test_notifications_stay_in_their_street(personas, street_b, matters_a, matters_b):
    call_command("tick", stdout=io.StringIO())
    ids_a, ids_b = {c.pk for c in matters_a}, {c.pk for c in matters_b}
    for user in personas.values():
        told = set(Notification.objects.filter(recipient=user).values_list("case_id", flat=True))
        assert not told & ids_b
    for user in street_b["people"].values():
        told = set(Notification.objects.filter(recipient=user).values_list("case_id", flat=True))
        assert not told & ids_a
    # B's own clerks are told about B's matters (reminders still reach someone).
    assert Notification.objects.filter(
        recipient__in=street_b["people"].values(), case_id__in=ids_b
    ).exists()


def test_the_api_never_lists_or_opens_another_streets_matter(
    personas, street_b, matters_a, matters_b
):
    from huiyin.api.tokens import create_token

    def call(user, method, path, **query):
        token = create_token(owner=user, name="测试", scope="read", days=30)[1]
        return Client().get(path, query, HTTP_AUTHORIZATION=f"Bearer {token}")

    for role in (Role.PETITION_CLERK, Role.LEADER, Role.GOVERNANCE_STAFF, Role.DISTRICT):
        user = personas[role]
        for kind in ("petition", "dispute", "incident"):
            listed = call(user, "get", "/api/v1/cases", kind=kind)
            assert listed.status_code in (200, 403)
            assert not _seen(listed.content.decode(), matters_b), (role, kind)
        for case in matters_b:
            assert call(user, "get", f"/api/v1/cases/{case.number}").status_code in (403, 404)


# --------------------------------------------------------------------------- the district


def test_the_district_officer_sees_the_streets_given_and_not_a_third(
    personas, street, street_b, matters_a, matters_b
):
    district = personas[Role.DISTRICT]
    RoleGrant.objects.create(staff=district.staff, role=Role.DISTRICT, street=street_b["street"])
    third = f.StreetFactory(name="桂花街道", short_name="桂花")
    c3 = f.CommunityFactory(street=third, name="丹桂社区")
    clerk3 = f.person(Role.PETITION_CLERK, username="clerk-c", street=third)
    case3 = register(clerk3, community=c3, title="丙街路灯损坏").case
    district = type(district).objects.get(pk=district.pk)  # a fresh reach
    visible = set(Case.objects.visible_to(district).values_list("pk", flat=True))
    assert {c.pk for c in matters_a + matters_b} <= visible
    assert case3.pk not in visible
    # Read only: a district officer decides nothing in the streets it reads.
    assert not reach_of(district).can(Perm.PETITIONS_DECIDE)
    assert not reach_of(district).can(Perm.IDENTITY_VIEW)
    client = Client()
    client.force_login(district)
    page = client.get(reverse("petitions:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert matters_a[0].number in text and matters_b[0].number in text
    assert case3.number not in text
    assert client.get(reverse("petitions:detail", args=[case3.pk])).status_code == 404


def test_a_district_officer_chooses_which_of_their_streets_the_pages_show(
    personas, street, street_b, matters_a, matters_b
):
    district = personas[Role.DISTRICT]
    RoleGrant.objects.create(staff=district.staff, role=Role.DISTRICT, street=street_b["street"])
    client = Client()
    client.force_login(district)
    listing = reverse("petitions:list")
    page = client.get(listing).content.decode()
    assert 'id="street-choice"' in page
    assert matters_a[0].number in page and matters_b[0].number in page

    choose = reverse("choose-street")
    answer = client.post(choose, {"street": str(street_b["street"].pk), "next": listing})
    assert answer.status_code == 302 and answer["Location"] == listing
    page = client.get(listing).content.decode()
    assert matters_b[0].number in page and matters_a[0].number not in page
    assert client.get(reverse("petitions:detail", args=[matters_a[0].pk])).status_code == 404
    stats_page = client.get(reverse("reports:dashboard"))
    assert stats_page.status_code in (200, 302)

    # Bounded and checked: a street not theirs, junk, another site: refused, no 500.
    third = f.StreetFactory(name="桂花街道", short_name="桂花")
    for value in (str(third.pk), "abc", "9" * 40, "-1", "１"):
        answer = client.post(choose, {"street": value, "next": "https://evil.example/"})
        assert answer.status_code == 302 and answer["Location"] == reverse("home")
    page = client.get(listing).content.decode()  # the earlier choice stands
    assert matters_b[0].number in page and matters_a[0].number not in page

    client.post(choose, {"street": ""})  # all of them again
    page = client.get(listing).content.decode()
    assert matters_a[0].number in page and matters_b[0].number in page

    # Someone of one street has no selector, and choosing changes nothing.
    clerk = Client()
    clerk.force_login(personas[Role.PETITION_CLERK])
    assert 'id="street-choice"' not in clerk.get(listing).content.decode()
    clerk.post(choose, {"street": str(street_b["street"].pk)})
    assert matters_a[0].number in clerk.get(listing).content.decode()


# --------------------------------------------------------------------------- the command line


def test_a_command_needs_the_street_when_there_are_several(personas, street_b, matters_b):
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("stats", "--from", "2020-01-01", "--to", "2030-12-31", "--json", stderr=err)
    assert "--street" in err.getvalue()
    with pytest.raises(CommandError):
        streets.street_for_command(None)
    with pytest.raises(CommandError):
        streets.street_for_command("没有这个街道")
    assert streets.street_for_command("溪桥") == street_b["street"]


def test_stats_for_one_street_count_that_streets_matters(
    personas, street, street_b, matters_a, matters_b
):
    import json

    def run(name: str) -> dict:
        out = io.StringIO()
        call_command(
            "stats", "--from", "2020-01-01", "--to", "2030-12-31", "--json", "--street", name,
            stdout=out,
        )  # fmt: skip
        return json.loads(out.getvalue())

    a, b = run("浓洄街道"), run("溪桥")
    assert a["petitions"]["batches"] == b["petitions"]["batches"] == 1
    assert b["scope"]["street"] == street_b["street"].pk
    assert a["disputes"]["registered"] == b["disputes"]["registered"] == 1


def test_with_one_street_commands_need_no_street(personas, matters_a):
    out = io.StringIO()
    call_command("stats", "--from", "2020-01-01", "--to", "2030-12-31", "--json", stdout=out)
    assert '"street"' not in out.getvalue().split('"scope"')[1][:80]
    assert streets.street_for_command(None) == streets.only_street()


def test_a_ledger_is_imported_into_the_street_named(personas, street, street_b, tmp_path):
    from huiyin.reports.tests.test_ledger_import import ledger, row

    b = street_b
    path = tmp_path / "台账.xlsx"

    def run(*options: str) -> tuple[int, str]:
        err = io.StringIO()
        try:
            call_command("import-ledger", str(path), *options, stdout=io.StringIO(), stderr=err)
        except SystemExit as exit_:
            return exit_.code, err.getvalue()
        return 0, err.getvalue()

    path.write_bytes(ledger([row(所属社区="石门社区", 责任单位="")]).getvalue())
    code, err = run()  # several streets, no account: which one?
    assert code == 2 and "--street" in err
    assert run("--street", "没有这个街道")[0] == 2
    # Street A's clerk holds no role in street B.
    assert run("--street", "溪桥", "--user", "clerk")[0] == 2
    # Street B's community, named in street A: not one of A's.
    assert run("--street", "浓洄街道", "--dry-run")[0] == 1
    assert run("--street", "溪桥")[0] == 0
    case = Case.objects.get(community=b["community"])
    assert case.street == b["street"] and case.number.startswith("溪桥")
    # B's clerk works in B: no --street needed.
    path.write_bytes(ledger([row(所属社区="石门", 信访事项="路灯不亮", 身份证号="")]).getvalue())
    assert run("--user", f"{Role.PETITION_CLERK}-b")[0] == 0
    assert Case.objects.filter(street=b["street"]).count() == 2
    assert not Case.objects.filter(street=street).exists()


def test_with_one_street_a_ledger_needs_no_street(personas, community, tmp_path):
    from huiyin.reports.tests.test_ledger_import import ledger, row

    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger([row(责任单位="")]).getvalue())
    call_command("import-ledger", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Case.objects.get().community == community


# --------------------------------------------------------------------------- holidays


def test_a_streets_own_day_off_moves_only_its_own_deadlines(personas, community, street_b):
    from huiyin.cases import calendar
    from huiyin.cases.models import Clock
    from huiyin.org.models import StreetDay

    calendar.invalidate()
    received = timezone.localdate() - timedelta(days=20)
    a = register(personas[Role.PETITION_CLERK], community=community, received_at=received).case
    due_a = Clock.objects.get(case=a, code="register_transfer").due_on
    # The day A's limit ends is a day off in street B only (a local festival).
    StreetDay.objects.create(street=street_b["street"], date=due_a, kind="holiday", note="庙会")
    with calendar.for_street(street_b["street"].pk):
        assert calendar.db_calendar().is_rest_day(due_a)
    assert not calendar.db_calendar().is_rest_day(due_a)
    clerk_b = street_b["people"][Role.PETITION_CLERK]
    b = register(clerk_b, community=street_b["community"], received_at=received).case
    due_b = Clock.objects.get(case=b, code="register_transfer").due_on
    assert due_b > due_a
    # Street A's deadlines are as they were.
    a2 = register(personas[Role.PETITION_CLERK], community=community, received_at=received).case
    assert Clock.objects.get(case=a2, code="register_transfer").due_on == due_a
    calendar.invalidate()


def test_the_audit_trail_of_a_street_leaves_out_another_streets_matters(
    personas, street_b, matters_a, matters_b
):
    auditor_b = street_b["people"][Role.AUDITOR]
    client = Client()
    client.force_login(personas[Role.AUDITOR])
    for path in (reverse("privacy:audit"), reverse("privacy:audit_export")):
        text = _texts(client.get(path))
        assert not _seen(text, matters_b), path
        assert matters_a[0].number in text
    client.force_login(auditor_b)
    text = _texts(client.get(reverse("privacy:audit")))
    assert matters_b[0].number in text and matters_a[0].number not in text


def test_the_word_report_of_one_street_names_that_street(
    personas, street_b, matters_a, matters_b, tmp_path
):
    out = tmp_path / "溪桥.docx"
    call_command(
        "report", "campaign", "--from", "2020-01-01", "--to", "2030-12-31",
        "--out", str(out), "--street", "溪桥街道", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    with zipfile.ZipFile(out) as archive:
        text = archive.read("word/document.xml").decode()
    assert "溪桥街道" in text and "浓洄" not in text
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "report", "campaign", "--from", "2020-01-01", "--to", "2030-12-31",
            "--out", str(tmp_path / "x.docx"), stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert "--street" in err.getvalue()
