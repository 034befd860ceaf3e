from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import translation

from huiyin.privacy.crypto import key_id
from huiyin.privacy.fields import lookup_hash, lookup_q
from huiyin.privacy.models import AuditEntry
from huiyin.privacy.tests.conftest import ID_NUMBER, KEY_A, KEY_B, PHONE, raw_rows
from huiyin.privacy.tests.scratch import ScratchResident

TABLE = ScratchResident._meta.db_table


def tokens() -> list[str]:
    return [v for row in raw_rows(TABLE) for v in row if isinstance(v, str) and v.startswith("v1:")]


def rotate(*args) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("rotate-data-key", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def residents(db, scratch_table):
    with override_settings(DATA_KEY=KEY_A, OLD_DATA_KEYS=[]):
        return [
            ScratchResident.objects.create(
                name=f"居民{n}",
                id_number=ID_NUMBER if n == 0 else "",
                phone=f"1381234567{n}",
                note=f"备注 {n}",
            )
            for n in range(5)
        ]


def test_it_reencrypts_under_the_new_key_and_reindexes(residents):
    assert {t.split(":")[1] for t in tokens()} == {key_id(KEY_A)}
    with override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[KEY_A]):
        output = rotate("--batch-size", "2")
        assert "5 rows re-encrypted" in output
        assert "privacy.ScratchResident: 2 of 5 rows checked" in output
        assert "privacy.ScratchResident: 5 of 5 rows checked" in output
        assert {t.split(":")[1] for t in tokens()} == {key_id(KEY_B)}
        found = ScratchResident.objects.get(id_number_hash=lookup_hash(ID_NUMBER, "resident_id"))
        assert found == residents[0]
        assert (
            ScratchResident.objects.get(phone_hash=lookup_hash(PHONE[:-1] + "3", "phone"))
            == (residents[3])
        )
        entry = AuditEntry.objects.get(action="data_key.rotate")
        assert entry.diff == {"key": key_id(KEY_B), "rows": 5, "indexes": 5}
    # The old key can go: everything opens with B alone.
    with override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[]):
        assert sorted(r.phone for r in ScratchResident.objects.all()) == [
            f"1381234567{n}" for n in range(5)
        ]
        assert ScratchResident.objects.get(pk=residents[0].pk).id_number == ID_NUMBER


def test_it_does_nothing_the_second_time(residents):
    with override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[KEY_A]):
        rotate()
        before = tokens()
        output = rotate()
        assert "Nothing to rotate: all 5 rows are sealed with key" in output
        assert tokens() == before
        assert AuditEntry.objects.filter(action="data_key.rotate").count() == 1


def test_it_finds_unrotated_rows_by_either_index_meanwhile(residents):
    with override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[KEY_A]):
        assert (
            ScratchResident.objects.filter(
                lookup_q("id_number_hash", ID_NUMBER, "resident_id")
            ).get()
            == (residents[0])
        )


def test_it_refuses_without_the_key_the_data_was_sealed_with(residents):
    before = tokens()
    with (
        override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[]),
        translation.override("en"),
        pytest.raises(CommandError) as caught,
    ):
        call_command("rotate-data-key", stdout=StringIO())
    message = str(caught.value)
    assert "Nothing was changed" in message
    assert key_id(KEY_A) in message and "privacy.ScratchResident.phone" in message
    assert tokens() == before


def test_it_refuses_a_damaged_token_naming_the_row_but_not_the_value(residents):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET note = id_number WHERE id = %s",  # noqa: S608
            [residents[0].pk],
        )
    with (
        override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[KEY_A]),
        translation.override("en"),
        pytest.raises(CommandError) as caught,
    ):
        call_command("rotate-data-key", stdout=StringIO())
    message = str(caught.value)
    assert f"#{residents[0].pk}" in message and "note" in message
    assert ID_NUMBER not in message


def test_it_changes_nothing_in_a_dry_run(residents):
    before = tokens()
    with override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[KEY_A]):
        output = rotate("--dry-run")
    assert "Dry run: 5 of 5 rows would be re-encrypted" in output
    assert tokens() == before
