"""Registering a dispute: its parties' identity encrypted and masked, every input bounded, the
place within the registrar's scope, one transaction."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from huiyin.cases.models import Case, CaseEvent, Category
from huiyin.disputes import services
from huiyin.disputes.models import Dispute, Party, Transfer
from huiyin.disputes.services import DisputeInvalid
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.privacy.fields import lookup_q
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_it_registers_a_dispute_with_its_number_parties_and_event(governance, community, grid):
    case = df.register(
        governance,
        community=community,
        grid=grid,
        category=df.dispute_type("邻里"),
        amount="2000.5",
        people_count=2,
        facts="楼上漏水",
        claims="赔偿修复费用",
    )
    assert case.number.startswith("浓洄调〔") and case.kind == "dispute"
    assert case.status == "registered" and case.created_by == governance
    dispute = Dispute.objects.get(pk=case.pk)
    assert (dispute.source, dispute.tier, dispute.amount, dispute.people_count) == (
        "application",
        "community",
        Decimal("2000.50"),
        2,
    )
    a, b = df.parties(case)
    assert (a.side, a.name, a.name_masked, a.phone_masked) == ("a", "张三", "张*", "138****5678")
    assert b.id_number_masked == df.ID_2[:6] + "********" + df.ID_2[-4:]
    event = CaseEvent.objects.get(case=case, kind="registered")
    assert event.data["parties"] == 2 and event.actor == governance
    entry = AuditEntry.objects.get(action="object.create", target_id=str(case.pk))
    text = str(entry.diff)
    assert "张*" in text and "张三" not in text and df.ID_1 not in text and df.PHONE_1 not in text


def test_it_keeps_identity_encrypted_at_rest_and_finds_it_by_blind_index(governance, community):
    case = df.register(governance, community=community)
    party = df.parties(case)[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM disputes_party WHERE id = %s", [party.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    for plain in ("张三", df.ID_1, df.PHONE_1, "翠屏路12号"):
        assert plain not in row
    assert "张*" in row  # the masked copy for lists
    found = Party.objects.filter(lookup_q("id_number_hash", df.ID_1, "resident_id"))
    assert list(found) == [party]
    assert Party.objects.filter(lookup_q("name_hash", "张三", "name")).get() == party


def test_an_organisation_keeps_its_name_and_legal_representative(governance, community):
    case = df.register(
        governance, community=community, parties=[df.person(), df.organisation(side="b")]
    )
    org = df.parties(case)[-1]
    assert (org.kind, org.name_masked, org.legal_representative) == (
        "organisation",
        "宏达建筑劳务有限公司",
        "王五",
    )
    assert org.id_number == "" and org.phone_masked == "0831-****678"


def test_it_shows_parties_masked_only(governance, community):
    case = df.register(governance, community=community)
    rows = services.parties_for_display(case)
    assert [r["name_masked"] for r in rows] == ["张*", "李*"]
    assert "name" not in rows[0] and "phone" not in rows[0]


@pytest.mark.parametrize(
    ("amount", "ok"),
    [
        ("0", True),
        ("12,345.67", True),
        (Decimal("10000000000"), True),
        ("10000000000.01", False),
        ("1" + "0" * 30, False),
        ("9" * 5000, False),
        ("-1", False),
        ("NaN", False),
        ("Infinity", False),
        ("1e400", False),
        ("二千元", False),
        (True, False),
    ],
)
def test_it_bounds_the_amount(governance, community, amount, ok):
    if ok:
        case = df.register(governance, community=community, amount=amount)
        assert Dispute.objects.get(pk=case.pk).amount is not None
    else:
        with pytest.raises(DisputeInvalid) as invalid:
            df.register(governance, community=community, amount=amount)
        assert set(invalid.value.errors) == {"amount"}
        assert not Case.objects.exists()


@pytest.mark.parametrize("count", [0, -3, "abc", 10**9, "9" * 400, True, 1.5])
def test_it_bounds_the_people_involved(governance, community, count):
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(governance, community=community, people_count=count)
    assert set(invalid.value.errors) == {"people_count"}


@pytest.mark.parametrize(
    "day",
    [
        date(1, 1, 1),
        date(1900, 1, 1),
        date(9999, 12, 31),
        "9999-12-31",
        "2026-02-30",
        "yesterday",
        "x" * 10000,
        12345,
        None,
    ],
)
def test_it_refuses_absurd_dates_received(governance, community, day):
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(governance, community=community, received_on=day)
    assert "received_on" in invalid.value.errors


def test_it_refuses_a_date_received_in_the_future(governance, community):
    tomorrow = df.days_ago(-1)
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(governance, community=community, received_on=tomorrow)
    assert "received_on" in invalid.value.errors


def test_a_datetime_received_counts_in_beijing(governance, community):
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.get_fixed_timezone(-300))  # 3-2 in BJ
    case = df.register(governance, community=community, received_on=moment)
    assert case.received_on == date(2026, 3, 2)


def test_it_reports_every_problem_at_once(governance, community, other_community):
    from huiyin.testing.factories import GridFactory

    other_grid = GridFactory(community=other_community)
    parties = [
        {"side": "c", "name": ""},
        df.person("张三", "a", id_number="110105199003071230", phone="12345"),
        "not a row",
    ]
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(
            governance,
            title="",
            community=community,
            grid=other_grid,
            category=Category.objects.filter(kind="petition").first(),
            source="rumour",
            parties=parties,
        )
    assert set(invalid.value.errors) >= {
        "title",
        "grid",
        "category",
        "source",
        "parties.0.side",
        "parties.0.name",
        "parties.1.id_number",
        "parties.1.phone",
        "parties.2",
    }
    assert not Case.objects.exists()


def test_it_bounds_the_number_of_parties(governance, community, settings):
    settings.HUIYIN_DISPUTE_MAX_PARTIES = 3
    rows = [df.person(f"张{i}", "a", id_number="", phone="") for i in range(4)]
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(governance, community=community, parties=rows)
    assert set(invalid.value.errors) == {"parties"}


def test_it_bounds_text(governance, community):
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(governance, community=community, facts="事" * 20001)
    assert set(invalid.value.errors) == {"facts"}
    case = df.register(governance, community=community, title="标题\x00" + "长" * 500)
    assert "\x00" not in case.title and len(case.title) == 200


def test_a_court_referral_names_the_court_and_starts_its_period(governance, community):
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(governance, community=community, source="court_entrusted")
    assert set(invalid.value.errors) == {"court_name"}
    case = df.register(
        governance,
        community=community,
        source="court_entrusted",
        simplified=True,
        court_name="南岸区人民法院",
        court_document="（2026）川1502民初456号",
        received_on=date(2026, 9, 28),
    )
    dispute = Dispute.objects.get(pk=case.pk)
    assert dispute.simplified
    assert df.running(case, "court_entrusted_simple").due_on == date(2026, 10, 8)
    incoming = Transfer.objects.get(dispute=dispute)
    assert (incoming.direction, incoming.body_kind, incoming.body) == (
        "in",
        "court",
        "南岸区人民法院",
    )


def test_simplified_is_only_for_an_entrusted_mediation(governance, community):
    case = df.register(governance, community=community, simplified=True)
    assert not Dispute.objects.get(pk=case.pk).simplified


def test_a_labour_dispute_starts_its_15_days(governance, community):
    case = df.register(
        governance,
        community=community,
        category=df.dispute_type("欠薪"),
        received_on=date(2026, 9, 15),
    )
    assert Dispute.objects.get(pk=case.pk).is_labour
    assert df.running(case, "labour_mediation").due_on == date(2026, 9, 30)
    neighbours = df.register(governance, community=community, category=df.dispute_type("邻里"))
    assert not Dispute.objects.get(pk=neighbours.pk).is_labour
    assert df.running(neighbours, "labour_mediation") is None


def test_it_seeds_the_dispute_types(db):
    roots = Category.objects.filter(kind="dispute", parent=None).values_list("name", flat=True)
    assert list(roots) == [
        "婚姻家庭",
        "邻里",
        "房屋宅基地",
        "土地承包",
        "损害赔偿",
        "劳动争议",
        "物业",
        "合同",
        "消费",
        "其他",
    ]
    assert df.dispute_type("欠薪").parent.name == "劳动争议"


def test_it_needs_a_dispute_permission_over_the_place(personas, community, other_community, grid):
    for role in (Role.PETITION_CLERK, Role.LEADER, Role.AUDITOR, Role.DEPARTMENT_HANDLER):
        with pytest.raises(PermissionDenied):
            df.register(personas[role], community=community)
    # A community worker registers in their community, a grid worker in their grid.
    df.register(personas[Role.COMMUNITY_WORKER], community=community)
    df.register(personas[Role.GRID_WORKER], community=community, grid=grid)
    with pytest.raises(PermissionDenied):
        df.register(personas[Role.COMMUNITY_WORKER], community=other_community)
    with pytest.raises(PermissionDenied):
        df.register(personas[Role.GRID_WORKER], community=community)
    # A mediator receives an application (人民调解法 art. 17).
    df.register(personas[Role.MEDIATOR], community=community)
    assert AuditEntry.objects.filter(action="access.denied").count() == 6


def test_the_screening_call_registers_with_keywords_only(personas, community, grid):
    case = services.register_dispute(
        personas[Role.GRID_WORKER],
        title="两户因排水沟堵塞争执",
        description="排查发现",
        community=community,
        grid=grid,
        category=df.dispute_type("邻里"),
        source="screening",
        received_on=timezone.localdate(),
    )
    assert case.grid == grid and Dispute.objects.get(pk=case.pk).source == "screening"
    assert not Party.objects.filter(dispute_id=case.pk).exists()


def test_a_committee_must_serve_the_place_and_fit_the_tier(governance, community, other_community):
    mine, theirs = df.committee(community), df.committee(other_community)
    case = df.register(governance, community=community, committee=mine.pk)
    assert Dispute.objects.get(pk=case.pk).tier == "community"
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(governance, community=community, committee=theirs)
    assert "committee" in invalid.value.errors
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(governance, community=community, committee=mine, tier="street")
    assert "tier" in invalid.value.errors


def test_a_unit_committee_makes_the_unit_the_owner(governance, community, unit, personas):
    committee = df.committee(unit)
    case = df.register(governance, community=community, committee=committee)
    assert case.owner_unit == unit
    assert Dispute.objects.get(pk=case.pk).tier == "unit"


def test_adding_a_party_before_the_mediation_ends(governance, community, personas):
    df.committee(community)
    case = df.register(governance, community=community)
    party = services.add_party(case, governance, side="b", name="王五", phone=df.PHONE_2)
    assert party.name_masked == "王*" and party.order == 2
    assert CaseEvent.objects.filter(case=case, kind="party_added").exists()
    with pytest.raises(DisputeInvalid):
        services.add_party(case, governance, side="x", name="")
    df.bring_to(case, "refused", personas)
    from huiyin.cases.exceptions import TransitionRefused

    with pytest.raises(TransitionRefused):
        services.add_party(case, governance, side="b", name="赵六")
    with pytest.raises(TransitionRefused):
        services.add_party(case, personas[Role.LEADER], side="b", name="赵六")


def test_a_type_takes_in_the_types_below_it(governance, community):
    wages = df.register(governance, community=community, category=df.dispute_type("欠薪"))
    labour = df.register(governance, community=community, category=df.dispute_type("劳动争议"))
    df.register(governance, community=community, category=df.dispute_type("邻里"))
    df.register(governance, community=community)
    both = {wages.pk, labour.pk}
    assert set(Dispute.objects.labour().values_list("pk", flat=True)) == both
    of_type = Dispute.objects.of_type(df.dispute_type("劳动争议"))
    assert set(of_type.values_list("pk", flat=True)) == both
    assert list(Dispute.objects.of_type(df.dispute_type("欠薪"))) == [
        Dispute.objects.get(pk=wages.pk)
    ]
