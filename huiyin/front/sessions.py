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

from django.contrib import messages
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import router, transaction
from django.http import HttpRequest

#: How far behind the new expiry the stored one may be before an unchanged session is written.
REFRESH_SECONDS = 60


class SessionStore(db.SessionStore):
    def __init__(self, session_key: str | None = None):
        super().__init__(session_key)
        # (the data as serialised, the expiry) that the row holds, once known; None: unknown.
        self._stored: tuple[bytes, datetime] | None = None
        self._writing: tuple[bytes, datetime] | None = None

    def _serialised(self, data: dict) -> bytes:
        return self.serializer().dumps(data)

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
        super().save(must_create=must_create)
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
