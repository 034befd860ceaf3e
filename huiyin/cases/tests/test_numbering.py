import threading

import pytest
from django.db import connection, transaction

from huiyin.cases import numbering
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseCounter
from huiyin.cases.tests.factories import make_case
from huiyin.testing.factories import StreetFactory


def test_it_formats_the_number_with_street_kind_year_and_four_digits():
    assert numbering.format_number("浓洄", Kind.PETITION, 2026, 42) == "浓洄信〔2026〕0042号"
    assert numbering.format_number("浓洄", Kind.DISPUTE, 2026, 7) == "浓洄调〔2026〕0007号"
    assert numbering.format_number("浓洄", Kind.INCIDENT, 2027, 12345) == "浓洄事〔2027〕12345号"


@pytest.mark.django_db
def test_it_numbers_each_kind_and_year_from_one_without_gaps():
    numbers = [make_case().number for _ in range(3)]
    assert numbers == ["浓洄信〔2026〕0001号", "浓洄信〔2026〕0002号", "浓洄信〔2026〕0003号"]
    assert make_case(kind=Kind.DISPUTE).number == "浓洄调〔2026〕0001号"
    assert CaseCounter.objects.get(kind=Kind.PETITION, year=2026).last == 3


@pytest.mark.django_db
def test_it_keeps_a_counter_per_street():
    other = StreetFactory(name="翠屏街道", short_name="翠屏")
    make_case()
    assert make_case(street=other).number == "翠屏信〔2026〕0001号"


@pytest.mark.django_db
def test_it_gives_the_number_back_when_the_registration_rolls_back():
    street = StreetFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        numbering.allocate(street, Kind.PETITION, 2026)
        raise RuntimeError("the registration failed after the number was taken")
    assert make_case(street=street).seq == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_refuses_to_allocate_outside_a_transaction():
    street = StreetFactory()
    with pytest.raises(RuntimeError):
        numbering.allocate(street, Kind.PETITION, 2026)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_allocates_distinct_numbers_to_concurrent_registrations():
    if connection.vendor != "postgresql":
        pytest.skip("threads sharing SQLite's in-memory test database are not meaningful")
    street = StreetFactory()
    errors = []

    def register():
        try:
            make_case(street=street)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(Case.objects.filter(street=street).values_list("seq", flat=True))
    assert seqs == list(range(1, 9))
