import datetime
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from huiyin.org.roles import Role
from huiyin.privacy import audit, triggers
from huiyin.privacy.models import GENESIS_HASH, AppendOnlyError, AuditEntry
from huiyin.privacy.tests.conftest import tamper
from huiyin.testing.factories import PASSWORD

TABLE = triggers.TABLE


@pytest.fixture
def leader(personas):
    return personas[Role.LEADER]


@pytest.fixture
def chain(leader):
    """Five entries by the leader."""
    return [
        audit.record("object.update", actor=leader, target=leader, diff={"n": [n, n + 1]})
        for n in range(5)
    ]


def verify_command() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        try:
            call_command("audit", "verify", stdout=out, stderr=err)
            code = 0
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


# --- writing ---------------------------------------------------------------------------------


def test_it_chains_each_entry_to_the_one_before(chain):
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == GENESIS_HASH
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
    for entry in AuditEntry.objects.all():
        assert entry.hash == entry.compute_hash()
    assert audit.verify() == audit.VerifyResult(ok=True, checked=5)


def test_it_takes_the_actor_and_address_from_the_request(leader):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = leader
    entry = audit.record("export", request=request, target_label="月报")
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.actor, entry.actor_label, entry.ip) == (leader, "leader", "10.1.2.3")
    assert (entry.target_type, entry.target_id, entry.target_label) == ("", "", "月报")


def test_it_names_the_target_by_type_and_id(leader):
    staff = leader.staff
    entry = audit.record("object.create", target=staff)
    assert (entry.target_type, entry.target_id) == ("org.staff", str(staff.pk))
    assert entry.actor is None and entry.actor_label == ""


def test_it_stores_details_that_survive_the_database_unchanged(leader):
    entry = audit.record(
        "object.update",
        actor=leader,
        diff={
            "due_on": [datetime.date(2026, 5, 1), datetime.date(2026, 5, 31)],
            "amount": [Decimal("1.50"), 2.5],
            "tags": {"b", "a"},
        },
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.diff == {
        "due_on": ["2026-05-01", "2026-05-31"],
        "amount": ["1.50", "2.5"],
        "tags": ["a", "b"],
    }
    assert stored.hash == stored.compute_hash()


def test_it_writes_in_the_callers_transaction(leader):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("object.create", actor=leader)
        raise RuntimeError("the change failed")
    assert not AuditEntry.objects.exists()
    assert audit.record("object.create", actor=leader).seq == 1


def test_it_lists_changed_fields_only():
    assert audit.changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {
        "b": [2, 3],
        "c": [None, 4],
    }


# --- sign-in events --------------------------------------------------------------------------


def test_it_records_a_sign_in_and_a_sign_out(client, leader):
    client.post(reverse("login"), {"username": "leader", "password": PASSWORD})
    client.post(reverse("logout"))
    login, logout = AuditEntry.objects.order_by("seq")
    assert (login.action, login.actor, login.ip) == ("auth.login", leader, "127.0.0.1")
    assert (logout.action, logout.actor, logout.actor_label) == ("auth.logout", leader, "leader")


def test_it_records_a_failed_sign_in_with_the_name_tried_and_never_the_password(client, leader):
    client.post(reverse("login"), {"username": "leader", "password": "wrong-wrong-1"})
    (entry,) = AuditEntry.objects.all()
    assert (entry.action, entry.actor, entry.target_label, entry.ip) == (
        "auth.login_failed",
        None,
        "leader",
        "127.0.0.1",
    )
    assert "wrong-wrong-1" not in entry.canonical().decode()


# --- append only -----------------------------------------------------------------------------


def test_it_refuses_to_change_or_delete_an_entry_through_the_orm(chain):
    entry = AuditEntry.objects.get(seq=2)
    entry.action = "auth.login"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=2).update(action="auth.login")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.update(action="auth.login")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=2).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry._base_manager.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert audit.verify().ok


def test_it_refuses_an_entry_written_around_record(leader):
    with pytest.raises(ValueError, match="record"):
        AuditEntry.objects.create(seq=1, at=datetime.datetime.now(datetime.UTC), action="x")


def test_it_has_the_database_refuse_a_raw_update_or_delete(chain):
    assert triggers.installed(connection)
    with connection.cursor() as cursor:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            cursor.execute(f"UPDATE {TABLE} SET action = 'x' WHERE seq = 2")  # noqa: S608
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 2")  # noqa: S608
    assert AuditEntry.objects.count() == 5
    assert audit.verify().ok


# --- verification ----------------------------------------------------------------------------


def test_it_finds_an_edited_entry(chain):
    tamper(f"UPDATE {TABLE} SET target_label = 'nothing to see' WHERE seq = 3")  # noqa: S608
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.code, result.checked) == (
        False,
        3,
        "altered",
        2,
    )
    code, out, err = verify_command()
    assert code == 1
    assert "Audit trail broken at entry 3: its content was altered" in err


def test_it_finds_an_edited_entry_whose_hash_was_recomputed(chain):
    entry = AuditEntry.objects.get(seq=3)
    entry.target_label = "nothing to see"
    tamper(
        f"UPDATE {TABLE} SET target_label = %s, hash = %s WHERE seq = 3",  # noqa: S608
        [entry.target_label, entry.compute_hash()],
    )
    result = audit.verify()
    assert (result.first_bad_seq, result.code) == (4, "out_of_chain")


def test_it_finds_a_deleted_entry(chain):
    tamper(f"DELETE FROM {TABLE} WHERE seq = 2")  # noqa: S608
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.code) == (False, 3, "missing")
    code, _out, err = verify_command()
    assert code == 1 and "Audit trail broken at entry 3" in err


def test_it_finds_a_swapped_pair(chain):
    for before, after in ((2, -1), (3, 2), (-1, 3)):
        tamper(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [after, before])  # noqa: S608
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.code) == (False, 2, "out_of_chain")
    code, _out, err = verify_command()
    assert code == 1 and "Audit trail broken at entry 2: it does not follow" in err


def test_it_reports_an_intact_chain_and_exits_0(chain):
    code, out, _err = verify_command()
    assert code == 0
    assert "Audit trail intact: 5 entries" in out


def test_it_reports_an_empty_trail_as_intact(db):
    assert audit.verify() == audit.VerifyResult(ok=True, checked=0)


# --- the database around it ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_lets_flush_empty_the_trail_and_keeps_the_triggers():
    audit.record("object.create")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
    assert triggers.installed(connection)


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_chain_with_two_writers_at_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared in-memory test database has no busy wait between threads")
    errors = []

    def write():
        try:
            for _ in range(20):
                with transaction.atomic():
                    audit.record("object.update")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 41)
    )
    assert audit.verify().ok
