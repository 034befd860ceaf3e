"""Registering a petition: validation, numbering, petitioners, clocks, audit."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection
from django.utils import timezone

from huiyin.cases.models import Case, CaseEvent, Category, Clock
from huiyin.org.roles import Role
from huiyin.petitions.models import (
    RECEIPT_ALPHABET,
    Channel,
    Level,
    Petition,
    Petitioner,
    Status,
)
from huiyin.petitions.services import (
    MSG_ASSIGNED_BY,
    MSG_HEADCOUNT_BELOW,
    MSG_HEADCOUNT_MIN,
    MSG_NO_PETITIONER,
    MSG_RECEIVED_FUTURE,
    MSG_REPRESENTATIVES_MIN,
    MSG_SLOT_DAY,
    PetitionInvalid,
    register_petition,
    similar_petitions,
)
from huiyin.petitions.tests.factories import (
    ID_1,
    ID_2,
    PHONE_1,
    PHONE_2,
    days_ago,
    make_id,
    petitioner,
    register,
)
from huiyin.privacy.models import AuditEntry
from huiyin.privacy.validators import MSG_ID_CHECK, MSG_PHONE_INVALID
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def crowd(n: int, representatives: int) -> list[dict]:
    return [
        petitioner(f"群众{i}", id_number="", phone="", is_representative=i < representatives)
        for i in range(n)
    ]


def invalid(clerk, **kwargs) -> dict:
    before = (Case.objects.count(), Petition.objects.count(), AuditEntry.objects.count())
    with pytest.raises(PetitionInvalid) as caught:
        register(clerk, **kwargs)
    # Nothing written: no case, no petition, no audit entry, no number used.
    assert (Case.objects.count(), Petition.objects.count(), AuditEntry.objects.count()) == before
    return {k: [str(m) for m in v] for k, v in caught.value.errors.items()}


def test_it_registers_a_collective_visit_of_12_with_3_representatives(clerk, community):
    petition = register(
        clerk,
        community=community,
        is_collective=True,
        headcount=12,
        petitioners=crowd(3, 3),
    )
    case = petition.case
    assert case.number == f"浓洄信〔{case.year}〕0001号"
    assert case.status == Status.REGISTERED
    assert (petition.is_collective, petition.headcount) == (True, 12)
    assert petition.petitioners.filter(is_representative=True).count() == 3
    assert len(petition.receipt_code) == 10
    assert set(petition.receipt_code) <= set(RECEIPT_ALPHABET)
    assert petition.received_by.user == clerk
    assert CaseEvent.objects.filter(case=case, kind="registered").count() == 1


def test_it_audits_the_registration_with_masked_identity_only(clerk, community):
    petition = register(clerk, community=community)
    entry = AuditEntry.objects.get(action="object.create", target_id=str(petition.pk))
    text = entry.diff_text
    assert ID_1 not in text and PHONE_1 not in text and "张三" not in text
    assert entry.diff["petitioners"] == [
        {
            "name": "张*",
            "id_number": ID_1[:6] + "********" + ID_1[-4:],
            "phone": "138****5678",
            "representative": False,
        }
    ]


def test_it_refuses_headcount_zero(clerk):
    errors = invalid(clerk, headcount=0)
    assert errors == {"headcount": [str(MSG_HEADCOUNT_MIN)]}


def test_it_refuses_a_collective_visit_without_headcount(clerk):
    errors = invalid(clerk, is_collective=True, petitioners=crowd(2, 1))
    assert errors == {"headcount": [str(MSG_HEADCOUNT_MIN)]}


def test_it_registers_a_visit_of_8_representatives_with_a_warning(clerk):
    petition = register(clerk, is_collective=True, headcount=30, petitioners=crowd(8, 8))
    petition = Petition.objects.get(pk=petition.pk)
    assert petition.representatives_exceeded
    assert petition.representatives_warning == (
        "More than 5 representatives; advised on the spot (Regulations art. 20)."
    )
    event = CaseEvent.objects.get(case=petition.case, kind="representatives_warning")
    assert event.note == petition.representatives_warning
    assert event.data == {"representatives": 8, "max": 5}


def test_it_registers_a_joint_letter_of_8_names_with_no_warning(clerk):
    for representatives in (0, 8):
        petition = register(
            clerk,
            channel=Channel.LETTER,
            is_collective=True,
            headcount=8,
            petitioners=crowd(8, representatives),
        )
        petition = Petition.objects.get(pk=petition.pk)
        assert not petition.representatives_exceeded and petition.headcount == 8
        assert not CaseEvent.objects.filter(
            case=petition.case, kind="representatives_warning"
        ).exists()


def test_a_call_has_no_representative_rule(clerk):
    petition = register(
        clerk, channel=Channel.PHONE, is_collective=True, headcount=8, petitioners=crowd(8, 8)
    )
    assert not Petition.objects.get(pk=petition.pk).representatives_exceeded


def test_it_accepts_five_representatives(clerk):
    petition = register(clerk, is_collective=True, headcount=30, petitioners=crowd(6, 5))
    assert petition.petitioners.filter(is_representative=True).count() == 5
    assert not Petition.objects.get(pk=petition.pk).representatives_exceeded


def test_it_refuses_a_collective_visit_without_representative(clerk):
    errors = invalid(clerk, is_collective=True, headcount=8, petitioners=crowd(2, 0))
    assert errors == {"petitioners": [str(MSG_REPRESENTATIVES_MIN)]}


def test_it_counts_an_individual_petition_by_its_petitioners(clerk):
    two = [petitioner("张三"), petitioner("李四", id_number=ID_2, phone=PHONE_2)]
    assert register(clerk, petitioners=two).headcount == 2
    errors = invalid(clerk, headcount=1, petitioners=two)
    assert errors == {"headcount": [str(MSG_HEADCOUNT_BELOW)]}


def test_it_refuses_no_petitioner(clerk):
    with pytest.raises(PetitionInvalid) as caught:
        register_petition(actor=clerk, data={"title": "t", "channel": "visit"}, petitioners=[])
    assert caught.value.errors == {"petitioners": [MSG_NO_PETITIONER]}


def test_it_refuses_a_date_received_in_the_future(clerk):
    errors = invalid(clerk, received_at=timezone.now() + timedelta(days=1))
    assert errors == {"received_at": [str(MSG_RECEIVED_FUTURE)]}


def test_it_checks_id_numbers_and_phones_with_the_privacy_validators(clerk):
    bad_id = ID_1[:-1] + ("0" if ID_1[-1] != "0" else "1")
    errors = invalid(clerk, petitioners=[petitioner(id_number=bad_id, phone="12345")])
    assert errors == {
        "petitioners.0.id_number": [str(MSG_ID_CHECK)],
        "petitioners.0.phone": [str(MSG_PHONE_INVALID)],
    }


def test_it_normalises_id_and_phone(clerk):
    lower_x = make_id("11010519491231002")
    assert lower_x.endswith("X")
    petition = register(
        clerk, petitioners=[petitioner(id_number=lower_x.lower(), phone="+86 138 1234 5678")]
    )
    person = petition.petitioners.get()
    assert (person.id_number, person.phone) == (lower_x, "13812345678")


def test_it_needs_the_sender_of_an_assigned_matter(clerk):
    errors = invalid(clerk, channel=Channel.ASSIGNED)
    assert errors == {"assigned_by": [str(MSG_ASSIGNED_BY)]}
    petition = register(
        clerk,
        channel=Channel.ASSIGNED,
        assigned_by="区信访局",
        assigned_doc_no="区信交〔2026〕18号",
    )
    assert (petition.assigned_by, petition.assigned_doc_no) == ("区信访局", "区信交〔2026〕18号")


def test_it_reports_every_problem_at_once(clerk, grid, other_community):
    errors = invalid(
        clerk,
        title=" ",
        channel="pigeon",
        level="galaxy",
        community=other_community,
        grid=grid,
        headcount=0,
    )
    assert set(errors) == {"title", "channel", "level", "grid", "headcount"}


def test_it_keeps_place_and_category(clerk, community, grid):
    category = Category.objects.get_or_create(kind="petition", parent=None, name="物业管理")[0]
    petition = register(clerk, grid=grid, category=category.pk)
    assert (petition.case.community, petition.case.grid) == (community, grid)
    assert petition.case.category == category
    dispute_category, _new = Category.objects.get_or_create(kind="dispute", name="婚姻家庭")
    assert "category" in invalid(clerk, category=dispute_category)


def test_it_seeds_the_petition_categories(db):
    from importlib import import_module

    seed = import_module("huiyin.cases.migrations.0002_petition_categories")
    from django.apps import apps

    Category.objects.filter(kind="petition").delete()
    seed.seed(apps, None)
    assert list(Category.objects.filter(kind="petition").values_list("name", flat=True)) == [
        "土地征收",
        "城建拆迁",
        "劳动社保",
        "涉法涉诉",
        "环境保护",
        "物业管理",
        "邻里纠纷",
        "教育医疗",
        "其他",
    ]


def test_it_refuses_registration_without_the_permission(personas):
    handler = personas[Role.DEPARTMENT_HANDLER]
    with pytest.raises(PermissionDenied):
        register(handler)
    assert AuditEntry.objects.filter(action="access.denied", actor=handler).count() == 1
    assert not Case.objects.exists()


def test_it_records_over_level_petitions(clerk):
    national = register(clerk, level=Level.NATIONAL)
    street = register(clerk, level=Level.STREET)
    district_at_district = register(clerk, level=Level.DISTRICT, handling_level=Level.DISTRICT)
    # The next level up is not 越级 (条例 art. 20 "本级或者上一级"); the one above it is.
    district = register(clerk, level=Level.DISTRICT)
    city = register(clerk, level=Level.CITY)
    assert national.is_over_level and city.is_over_level
    assert not street.is_over_level
    assert not district.is_over_level
    assert not district_at_district.is_over_level
    assert set(Petition.objects.over_level()) == {national, city}


def test_it_links_a_reception_slot_of_the_same_day(clerk, personas):
    from datetime import time

    from huiyin.org.models import Staff
    from huiyin.petitions.models import ReceptionSlot

    leader = Staff.objects.get(user=personas[Role.LEADER])
    slot = ReceptionSlot.objects.create(
        leader=leader,
        kind="reception_day",
        date=days_ago(20),
        start_time=time(9),
        end_time=time(12),
        place="街道信访接待室",
    )
    assert register(clerk, reception_slot=slot).reception_slot == slot
    assert invalid(clerk, reception_slot=slot, received_at=days_ago(3)) == {
        "reception_slot": [str(MSG_SLOT_DAY)]
    }


def test_it_starts_the_registration_clocks(clerk):
    case = register(clerk).case
    assert set(Clock.objects.filter(case=case).values_list("code", flat=True)) == {
        "register_transfer",
        "acceptance_notice",
    }
    assigned = register(clerk, channel=Channel.ASSIGNED, assigned_by="区信访局").case
    assert "transfer_objection" in set(assigned.clocks.values_list("code", flat=True))


def test_it_keeps_identity_encrypted_at_rest(clerk):
    petition = register(clerk, petitioners=[petitioner("王小明", address="果丰社区3栋")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM petitions_petitioner WHERE petition_id = %s", [petition.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    for plain in (ID_1, PHONE_1, "王小明", "果丰社区3栋"):
        assert plain not in row
    assert "138****5678" in row  # the masked copy, for lists
    person = Petitioner.objects.get(petition=petition)
    assert (person.id_number, person.phone, person.name) == (ID_1, PHONE_1, "王小明")
    assert (person.name_masked, person.phone_masked) == ("王**", "138****5678")


def test_it_finds_similar_petitions_by_id_or_phone(clerk, personas):
    first = register(clerk)
    register(clerk, petitioners=[petitioner("李四", id_number=ID_2, phone=PHONE_2)])
    assert list(similar_petitions(id_number=ID_1.lower())) == [first]
    assert list(similar_petitions(phone="138-1234-5678")) == [first]
    assert list(similar_petitions(id_number="not an id", phone="")) == []
    assert list(similar_petitions()) == []
    assert list(similar_petitions(id_number=ID_1, user=personas[Role.DEPARTMENT_HANDLER])) == []


def test_it_flags_a_repeat_after_reexamination_without_blocking_it(clerk):
    first = register(clerk)
    Petition.objects.filter(pk=first.pk).update(reexam_closed_facts=True)
    second = register(clerk, repeat_of=first.case.number)
    third = register(clerk, repeat_of=second.pk)
    unrelated = register(clerk)
    assert second.repeat_of == first and second.is_repeat
    assert second.after_reexamination and third.after_reexamination
    assert not unrelated.after_reexamination and not unrelated.is_repeat
    assert third.case.status == Status.REGISTERED
    assert "repeat_of" in invalid(clerk, repeat_of="浓洄信〔1999〕0001号")


def test_it_numbers_by_the_year_received_without_gaps(clerk):
    numbers = [register(clerk).case.number for _ in range(3)]
    year = days_ago(20).year
    assert numbers == [f"浓洄信〔{year}〕000{i}号" for i in (1, 2, 3)]


def test_it_gives_the_number_back_when_registration_fails(clerk, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("huiyin.petitions.services.clocks.start_planned", broken)
    with pytest.raises(RuntimeError):
        register(clerk)
    monkeypatch.undo()
    assert register(clerk).case.seq == 1
    assert Case.objects.count() == 1


def test_its_timeline_begins_registered_then_the_clocks_started(clerk):
    petition = register(clerk, channel=Channel.ASSIGNED, assigned_by="区信访局")
    kinds = list(
        CaseEvent.objects.filter(case=petition.case).order_by("id").values_list("kind", "data")
    )
    assert [kind for kind, _data in kinds] == ["registered"] + ["clock_started"] * 3
    assert [data["code"] for _kind, data in kinds[1:]] == [
        "register_transfer",
        "acceptance_notice",
        "transfer_objection",
    ]


def test_a_receipt_code_already_taken_is_drawn_again(clerk, monkeypatch):
    first = register(clerk)
    codes = iter([first.receipt_code, "NEWCODE234"])
    monkeypatch.setattr("huiyin.petitions.services.new_receipt_code", lambda: next(codes))
    second = register(clerk)
    assert second.receipt_code == "NEWCODE234"
    # The attempt that met the taken code left nothing behind: no number, no entry, no clock.
    assert second.case.seq == first.case.seq + 1
    assert Case.objects.count() == Petition.objects.count() == 2
    assert AuditEntry.objects.filter(action="object.create").count() == 2
    assert Clock.objects.filter(case=second.case).count() == 2


def test_a_receipt_code_taken_every_time_fails_with_nothing_written(clerk, monkeypatch):
    first = register(clerk)
    monkeypatch.setattr("huiyin.petitions.services.new_receipt_code", lambda: first.receipt_code)
    with pytest.raises(IntegrityError):
        register(clerk)
    assert Case.objects.count() == Petition.objects.count() == 1
    monkeypatch.undo()
    assert register(clerk).case.seq == first.case.seq + 1


def test_what_on_written_writes_is_committed_with_the_petition_or_not_at_all(clerk):
    seen = []

    def written(petition):
        seen.append((petition.case.number, connection.in_atomic_block))
        AuditEntry.objects.count()  # inside the registration's transaction, still usable
        raise RuntimeError("the session could not be saved")

    with pytest.raises(RuntimeError):
        register_petition(
            actor=clerk,
            data={"title": "小区违建影响采光", "channel": Channel.VISIT},
            petitioners=[petitioner()],
            on_written=written,
        )
    assert seen and seen[0][1]
    assert not Case.objects.exists() and not AuditEntry.objects.filter(action="object.create")
    assert register(clerk).case.seq == 1


def test_it_refuses_a_unit_of_another_street(clerk, community):
    other_street = f.StreetFactory(name="翠屏街道", short_name="翠屏")
    foreign = f.UnitFactory(street=other_street, name="别处的办公室")
    errors = invalid(clerk, community=community, complained_unit=foreign)
    assert set(errors) == {"complained_unit"}
    # With two streets, a petition without a community is of the clerk's own street.
    assert register(clerk).case.street == community.street


# --------------------------------------------------------------------------- anonymous letters


def anonymous_letter(clerk, **data) -> Petition:
    data = {"title": "匿名反映违建", "channel": Channel.LETTER, "is_anonymous": True, **data}
    return register_petition(actor=clerk, data=data, petitioners=[])


def test_it_registers_an_anonymous_letter_without_a_petitioner(clerk, community):
    petition = anonymous_letter(clerk, community=community)
    petition = Petition.objects.get(pk=petition.pk)
    assert petition.is_anonymous and not petition.notice_owed
    assert not petition.petitioners.exists()
    assert petition.headcount == 1  # counted with the others
    # Nobody to tell (条例 art. 23): no notice clock; the office's own 15 days still run.
    codes = set(Clock.objects.filter(case=petition.case).values_list("code", flat=True))
    assert codes == {"register_transfer"}
    assert CaseEvent.objects.get(case=petition.case, kind="registered").data["anonymous"]


def test_it_registers_anonymously_only_letters_and_without_names(clerk):
    with pytest.raises(PetitionInvalid) as caught:
        anonymous_letter(clerk, channel=Channel.VISIT)
    assert list(caught.value.errors) == ["is_anonymous"]
    errors = invalid(clerk, channel=Channel.LETTER, is_anonymous=True)
    assert list(errors) == ["petitioners"]


def test_an_anonymous_letter_cannot_be_tracked(clerk):
    from huiyin.petitions.services import track

    petition = anonymous_letter(clerk)
    assert track(petition.receipt_code, PHONE_1[-4:]) is None
