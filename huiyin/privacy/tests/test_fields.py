import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from huiyin.privacy.crypto import DecryptionError, key_id
from huiyin.privacy.fields import EncryptedTextField, lookup_hash, lookup_q
from huiyin.privacy.tests.conftest import ID_NUMBER, KEY_A, PHONE, raw_rows
from huiyin.privacy.tests.scratch import ScratchResident

TABLE = ScratchResident._meta.db_table

# What must never appear: the values, and telling parts of them (birth date, phone tail).
SECRETS = [ID_NUMBER, ID_NUMBER.lower(), "19491231", PHONE, "12345678", "翠屏路 12 号"]


def test_it_keeps_plaintext_on_the_object_and_only_tokens_in_the_row(resident):
    fresh = ScratchResident.objects.get(pk=resident.pk)
    assert (fresh.id_number, fresh.phone, fresh.note) == (ID_NUMBER, PHONE, "住在翠屏路 12 号")
    (row,) = raw_rows(TABLE)
    text = repr(row)
    for secret in SECRETS:
        assert secret not in text
    tokens = [v for v in row if isinstance(v, str) and v.startswith("v1:")]
    assert len(tokens) == 3
    assert all(t.split(":")[1] == key_id(KEY_A) for t in tokens)


@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_plaintext_anywhere_in_the_database(key_a, scratch_table):
    resident = ScratchResident.objects.create(
        name="张三丰", id_number=ID_NUMBER, phone=PHONE, note="住在翠屏路 12 号"
    )
    try:
        if connection.vendor == "sqlite":
            # The test database is in memory: copy it to a file, then read that file's bytes.
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / "copy.sqlite3"
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM INTO %s", [str(copy)])
                dump = copy.read_bytes()
            everything = [dump, dump.decode("utf-8", "replace").encode("utf-16-le")]
        else:
            chunks = []
            with connection.cursor() as cursor:
                for table in connection.introspection.table_names(cursor):
                    name = connection.ops.quote_name(table)
                    cursor.execute(f"SELECT t::text FROM {name} t")  # noqa: S608
                    chunks.extend(row[0] for row in cursor.fetchall())
            everything = ["\n".join(chunks).encode("utf-8")]
        # The search works: the name, which is not encrypted, is found.
        assert "张三丰".encode() in everything[0]
        for blob in everything:
            for secret in SECRETS:
                assert secret.encode() not in blob
    finally:
        ScratchResident.objects.filter(pk=resident.pk).delete()


def test_it_finds_a_row_by_the_blind_index(resident):
    assert resident.id_number_hash == lookup_hash(ID_NUMBER, "resident_id")
    assert resident.phone_hash == lookup_hash(PHONE, "phone")
    assert ScratchResident.objects.get(id_number_hash=lookup_hash(ID_NUMBER, "resident_id")) == (
        resident
    )
    # Typed with full-width digits and a lower-case x: the same index.
    typed = "１１０１０５ １９４９１２３１ ００２ｘ"
    assert ScratchResident.objects.filter(
        lookup_q("id_number_hash", typed, "resident_id")
    ).get() == (resident)
    assert not ScratchResident.objects.filter(lookup_q("phone_hash", "13812345679", "phone"))


def test_it_recomputes_the_index_when_the_value_changes(resident):
    resident.phone = "13900001111"
    resident.save(update_fields=["phone", "phone_hash"])
    resident.refresh_from_db()
    assert resident.phone == "13900001111"
    assert resident.phone_hash == lookup_hash("13900001111", "phone")


def test_it_refuses_to_save_a_value_without_its_index(resident):
    resident.phone = "13900001111"
    with pytest.raises(ValueError, match="phone_hash"):
        resident.save(update_fields=["phone"])


def test_it_keeps_empty_values_empty(db, key_a, scratch_table):
    blank = ScratchResident.objects.create(name="李四", id_number="", phone=None, note="")
    (row,) = [r for r in raw_rows(TABLE) if r[0] == blank.pk]
    assert "" in row and None in row
    assert not any(isinstance(v, str) and v.startswith("v1:") for v in row)
    blank.refresh_from_db()
    assert (blank.id_number, blank.phone, blank.id_number_hash, blank.phone_hash) == (
        "",
        None,
        "",
        "",
    )
    assert ScratchResident.objects.filter(id_number="").count() == 1
    assert ScratchResident.objects.filter(phone__isnull=True).count() == 1


def test_it_refuses_to_compare_encrypted_columns_in_the_database(resident):
    with pytest.raises(ValueError, match="lookup_q"):
        list(ScratchResident.objects.filter(id_number=ID_NUMBER))
    with pytest.raises(FieldError):
        list(ScratchResident.objects.filter(phone__startswith="138"))


def test_it_does_not_open_a_token_copied_into_another_column_nor_leak_in_the_error(resident):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET note = id_number")  # noqa: S608
    with pytest.raises(DecryptionError) as caught:
        ScratchResident.objects.get(pk=resident.pk)
    message = str(caught.value)
    assert "scratch.note" in message
    for secret in SECRETS:
        assert secret not in message


def test_it_binds_tokens_to_app_model_and_field_unless_told_otherwise():
    meta = ScratchResident._meta
    assert meta.get_field("id_number").context == "privacy.scratchresident.id_number"
    assert meta.get_field("note").context == "scratch.note"


def test_it_deconstructs_for_migrations():
    field = ScratchResident._meta.get_field("id_number")
    name, path, args, kwargs = field.deconstruct()
    assert path == "huiyin.privacy.fields.EncryptedTextField"
    assert kwargs["index_field"] == "id_number_hash"
    assert kwargs["index_purpose"] == "resident_id"
    assert "context" not in kwargs
    assert ScratchResident._meta.get_field("note").deconstruct()[3]["context"] == "scratch.note"
    assert isinstance(EncryptedTextField(**kwargs), EncryptedTextField)


def test_it_checks_the_companion_field(scratch_table):
    assert ScratchResident.check() == []


def test_it_needs_a_value_to_look_up(key_a):
    with pytest.raises(ValueError):
        lookup_hash("", "resident_id")
