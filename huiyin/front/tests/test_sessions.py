"""The session store: an unchanged session is not written again, the idle timeout still holds."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from huiyin.front.sessions import REFRESH_SECONDS, SessionStore, save_now
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]


def stored_session(**data) -> str:
    session = SessionStore()
    session.update(data)
    session.create()
    return session.session_key


def test_it_is_the_configured_engine():
    assert settings.SESSION_ENGINE == "huiyin.front.sessions"
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_it_does_not_write_an_unchanged_session_again():
    key = stored_session(kept="yes")
    session = SessionStore(key)
    assert session["kept"] == "yes"
    with CaptureQueriesContext(connection) as queries:
        session.save()
    assert writes(queries) == []


def test_it_writes_a_changed_session(django_capture_on_commit_callbacks):
    key = stored_session(kept="yes")
    session = SessionStore(key)
    session["kept"] = "changed"
    # (The test runs in a transaction: what the session wrote counts once it commits.)
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        session.save()
    assert len(writes(queries)) == 1
    assert SessionStore(key)["kept"] == "changed"
    # Saved once, the same data is not written twice.
    with CaptureQueriesContext(connection) as queries:
        session.save()
    assert writes(queries) == []


def test_it_moves_the_idle_timeout_on_once_the_stored_one_is_a_minute_behind():
    key = stored_session(kept="yes")
    first = Session.objects.get(pk=key).expire_date
    with time_machine.travel(timezone.now() + timedelta(seconds=REFRESH_SECONDS - 5), tick=False):
        SessionStore(key).save()
    assert Session.objects.get(pk=key).expire_date == first
    with time_machine.travel(timezone.now() + timedelta(seconds=REFRESH_SECONDS + 5), tick=False):
        SessionStore(key).save()
        later = Session.objects.get(pk=key).expire_date
        assert later >= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 5)


def test_an_idle_session_ends_at_most_a_minute_before_its_timeout_never_after():
    key = stored_session(kept="yes")
    opened = timezone.now()
    # A request every 30 seconds for a while: the stored expiry trails by under a minute.
    for step in range(1, 6):
        with time_machine.travel(opened + timedelta(seconds=30 * step), tick=False):
            SessionStore(key).save()
    last_request = opened + timedelta(seconds=150)
    expiry = Session.objects.get(pk=key).expire_date
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert last_request + idle - timedelta(seconds=REFRESH_SECONDS) <= expiry
    assert expiry <= last_request + idle
    with time_machine.travel(expiry + timedelta(seconds=1), tick=False):
        assert SessionStore(key).load() == {}


def test_a_save_rolled_back_is_written_again():
    key = stored_session(kept="yes")
    session = SessionStore(key)
    session["kept"] = "changed"
    with pytest.raises(RuntimeError), transaction.atomic():
        session.save()
        raise RuntimeError("the change failed")
    assert SessionStore(key)["kept"] == "yes"
    with CaptureQueriesContext(connection) as queries:
        session.save()
    assert len(writes(queries)) == 1
    assert SessionStore(key)["kept"] == "changed"


def test_a_save_committed_with_the_change_is_not_written_again(
    django_capture_on_commit_callbacks,
):
    key = stored_session(kept="yes")
    session = SessionStore(key)
    session["kept"] = "changed"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        session.save()
    with CaptureQueriesContext(connection) as queries:
        session.save()
    assert writes(queries) == []


def test_save_now_stores_the_queued_messages_with_the_session():
    key = stored_session(kept="yes")
    request = RequestFactory().get("/")
    request.session = SessionStore(key)
    request._messages = SessionStorage(request)
    request._messages.add(25, "Registered as 1.")
    save_now(request)
    later = RequestFactory().get("/")
    later.session = SessionStore(key)
    assert [m.message for m in SessionStorage(later)] == ["Registered as 1."]


def test_a_page_a_minute_after_sign_in_writes_no_session(client, personas):
    client.force_login(personas[Role.LEADER])
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not [sql for sql in writes(queries) if "django_session" in sql]


def test_the_row_is_read_and_written_as_djangos_store_does(django_capture_on_commit_callbacks):
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore

    key = stored_session(kept="yes")
    ours = SessionStore(key)._get_session_from_db()
    theirs = DjangoStore(key)._get_session_from_db()
    assert (ours.session_data, ours.expire_date) == (theirs.session_data, theirs.expire_date)
    assert timezone.is_aware(ours.expire_date)
    # Written: Django's store reads what ours wrote, the new expiry with it.
    session = SessionStore(key)
    session["kept"] = "changed"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        session.save()
    assert DjangoStore(key)["kept"] == "changed"
    assert Session.objects.get(pk=key).expire_date == session._stored[1]
    # Expired: not read, and the key is dropped, as Django does.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(key)
    assert expired.load() == {} and expired.session_key is None
    # Deleted meanwhile (signed out in another tab): the update says so, in a savepoint.
    key = stored_session(kept="yes")
    session = SessionStore(key)
    session["kept"] = "changed"
    Session.objects.filter(pk=key).delete()
    with transaction.atomic():
        with pytest.raises(UpdateError):
            session.save()
        assert not connection.needs_rollback
