"""Sessions in the database, as Django's, without writing a row that would not change.

``SESSION_SAVE_EVERY_REQUEST`` moves a signed-in person's idle timeout on with every request
(settings: ``SESSION_IDLE_MINUTES``). With Django's own store that is an ``UPDATE`` — and on
SQLite, with ``synchronous=FULL``, a commit and its fsync — for every page anyone opens. This
store writes the row only when the session's data changed, or when the expiry the row holds
is more than :data:`REFRESH_SECONDS` behind the new one. An idle session therefore ends at
most that long *before* its idle timeout, never after it.

:func:`save_now` lets a view save the session (with its queued flash messages) inside the
transaction of its own change, so that the change and the message are one commit; the
middleware's save afterwards finds nothing new to write.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib import messages
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone

#: How far behind the new expiry the stored one may be before an unchanged session is written.
REFRESH_SECONDS = 60


class _Row(NamedTuple):
    session_data: str
    expire_date: datetime


class SessionStore(db.SessionStore):
    def __init__(self, session_key: str | None = None):
        super().__init__(session_key)
        # (the data as serialised, the expiry) that the row holds, once known; None: unknown.
        self._stored: tuple[bytes, datetime] | None = None
        self._writing: tuple[bytes, datetime] | None = None

    def _serialised(self, data: dict) -> bytes:
        return self.serializer().dumps(data)

    def _get_session_from_db(self):
        """Django's read of the row that has not expired, written out (the query through the
        ORM and its model instance were 0.2 ms of every signed-in request). The same
        connection (the router's), the same condition, the values converted as the ORM does.
        """
        key = self.session_key
        if key is None:
            return super()._get_session_from_db()
        db = connections[router.db_for_read(self.model)]
        table, quote = self.model._meta.db_table, db.ops.quote_name
        expiry = self.model._meta.get_field("expire_date")
        with db.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('session_data')}, {quote('expire_date')} FROM {quote(table)} "  # noqa: S608
                f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s",
                [key, expiry.get_db_prep_value(timezone.now(), db)],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        session_data, expire_date = row
        column = expiry.get_col(table)
        for convert in db.ops.get_db_converters(column) + expiry.get_db_converters(db):
            expire_date = convert(expire_date, column, db)
        return _Row(session_data, expire_date)

    def load(self) -> dict:
        row = self._get_session_from_db()
        if row is None:
            self._stored = None
            return {}
        data = self.decode(row.session_data)
        self._stored = (self._serialised(data), row.expire_date)
        return data

    def _unchanged(self) -> bool:
        if self.session_key is None:
            return False
        data = self._get_session()  # loaded now if it was not: that tells what the row holds
        if self._stored is None:
            return False
        serialised, expiry = self._stored
        if self._serialised(data) != serialised:
            return False
        return self.get_expiry_date() - expiry < timedelta(seconds=REFRESH_SECONDS)

    def save(self, must_create: bool = False) -> None:
        if not must_create and self._unchanged():
            return
        self._writing = None
        if must_create or self.session_key is None:
            super().save(must_create=must_create)
        else:
            self._update()
        written = self._writing
        if written is None:
            return

        def stored() -> None:
            self._stored = written

        # What a transaction wrote is the row's only once it commits.
        using = router.db_for_write(self.model)
        if transaction.get_connection(using).in_atomic_block:
            transaction.on_commit(stored, using=using)
        else:
            stored()

    def _update(self) -> None:
        """Django's update of the row — ``save(force_update=True)`` in a savepoint, UpdateError
        when the row is gone or the database refuses — written out (its model instance and the
        ORM's update were 0.2 ms of every intake)."""
        data = self._get_session()
        session_data, expiry = self.encode(data), self.get_expiry_date()
        using = router.db_for_write(self.model)
        db = connections[using]
        table, quote = self.model._meta.db_table, db.ops.quote_name
        expire_date = self.model._meta.get_field("expire_date").get_db_prep_save(expiry, db)
        try:
            with transaction.atomic(using=using), db.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(table)} SET {quote('session_data')} = %s, "  # noqa: S608
                    f"{quote('expire_date')} = %s WHERE {quote('session_key')} = %s",
                    [session_data, expire_date, self.session_key],
                )
                updated = cursor.rowcount
        except DatabaseError:
            raise UpdateError from None
        if not updated:
            raise UpdateError
        self._writing = (self._serialised(data), expiry)

    def create_model_instance(self, data: dict):
        row = super().create_model_instance(data)
        self._writing = (self._serialised(data), row.expire_date)
        return row

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None or session_key == self.session_key:
            self._stored = None
        super().delete(session_key)


def save_now(request: HttpRequest) -> None:
    """Save the request's session now, with the flash messages queued so far, in the caller's
    transaction: the view's change and its message are committed together (one fsync on
    SQLite instead of two), and the middleware's save after the view writes nothing more.

    A session deleted meanwhile (signed out in another tab) is left to the middleware, which
    answers it as Django always has.
    """
    storage = messages.get_messages(request)
    if isinstance(storage, SessionStorage):
        # What MessageMiddleware does after the view; doing it again there changes nothing.
        storage.update(None)
    session = getattr(request, "session", None)
    if session is None or session.is_empty():
        return
    with contextlib.suppress(UpdateError):
        session.save()
