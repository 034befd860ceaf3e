"""Reads of dashboards, statistics, reports and exports from a PostgreSQL read replica.

With ``HUIYIN_REPLICA_DATABASE_URL`` set, settings add the database alias ``replica`` (a hot
standby fed by streaming replication, docs/city.md), the router :class:`ReplicaRouter` and the
middleware :class:`ReadYourWritesMiddleware`. Nothing is guessed from model names: a read goes
to the replica only inside :func:`reading_from_replica`, which the statistics engine, the
dashboard, the report jobs and the ledger exports enter, and only while all of these hold:

* it is a read: every write goes to the primary, always;
* it is not inside a transaction (a read there belongs with the transaction's writes), and
  nothing was written since the block began (a block that writes reads its own writes);
* the model is not one of :data:`PRIMARY_APPS` — sign-in, sessions, who may see what, the
  audit trail, tokens and jobs are read where they are written;
* when the block began, the replica was streaming, had replayed this person's last save
  (read-your-writes: the middleware keeps the primary's WAL position after each request that
  saved something in the session, and a block of that session waits for nothing: it reads the
  primary until the replica has replayed it), and was no more than
  ``HUIYIN_REPLICA_MAX_LAG_SECONDS`` behind. Otherwise, or when the replica does not answer,
  the whole block reads the primary. A job's block (``catch_up``) waits a little for the replica
  to replay everything committed before the job began.

Without a replica, :func:`reading_from_replica` does nothing and no router is installed.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import ContextDecorator, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"

#: Apps read from the primary even inside a replica block: sign-in and sessions, the org's
#: roles and scopes (a revoked role takes effect at once), the audit trail (its chain is
#: extended from its last entry), API tokens, jobs and the task queue. Writes to them do not
#: end a block's replica reads: nothing read from the replica reads them back.
PRIMARY_APPS = frozenset(
    {
        "admin",
        "auth",
        "axes",
        "contenttypes",
        "sessions",
        "org",
        "privacy",
        "api",
        "ops",
        "django_tasks_database",
    }
)
#: The session key of the primary's WAL position after this session's last save.
SESSION_KEY = "huiyin_replica_lsn"
#: How often a job's block asks whether the replica has caught up (seconds).
POLL_INTERVAL = 0.1
_LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")


@dataclass
class _Unit:
    """One request (or, outside requests, one thread): whether it saved anything, and the WAL
    position the replica must have replayed for this session's reads."""

    wrote: bool = False
    need_lsn: str | None = None


@dataclass
class _Block:
    use_replica: bool
    wrote: bool = False


_unit: ContextVar[_Unit | None] = ContextVar("huiyin_replica_unit", default=None)
_block: ContextVar[_Block | None] = ContextVar("huiyin_replica_block", default=None)


def configured() -> bool:
    """Whether a replica is configured (settings have the alias ``replica``)."""
    return REPLICA in settings.DATABASES


def _current_unit() -> _Unit:
    unit = _unit.get()
    if unit is None:
        unit = _Unit()
        _unit.set(unit)
    return unit


def _replicated(model) -> bool:
    return model._meta.app_label not in PRIMARY_APPS


def _in_transaction() -> bool:
    return connections[DEFAULT_DB_ALIAS].in_atomic_block


# --------------------------------------------------------------------------- the router


class ReplicaRouter:
    """Installed by settings when a replica is configured; see the module's docstring."""

    def db_for_read(self, model, **hints) -> str:
        # Always an answer: without one Django would read from the database an instance was
        # read from, and an object read in a block would drag later reads to the replica.
        block = _block.get()
        if (
            block is not None
            and block.use_replica
            and not block.wrote
            and _replicated(model)
            and not _in_transaction()
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        if _replicated(model):
            _current_unit().wrote = True
            block = _block.get()
            if block is not None:
                block.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The same rows on both: an object read from the replica may be linked to one read
        # from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        # The replica is read-only: it receives the schema by replication.
        return db == DEFAULT_DB_ALIAS


# --------------------------------------------------------------------------- the replica's state


@dataclass(frozen=True)
class ReplicaState:
    """What the replica says of itself: a standby, streaming, replayed up to `replay_lsn`,
    `lag` seconds behind (0 when it has replayed all it received), and whether it has replayed
    the position asked about."""

    in_recovery: bool
    streaming: bool
    replay_lsn: str | None
    lag: float
    replayed: bool

    def usable(self, max_lag: float) -> bool:
        return self.in_recovery and self.streaming and self.replayed and self.lag <= max_lag


_STATE_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
       END,
       %s::pg_lsn IS NULL OR pg_last_wal_replay_lsn() >= %s::pg_lsn
"""


def replica_state(need_lsn: str | None = None) -> ReplicaState:
    """Ask the replica (DatabaseError when it does not answer).

    The lag is the age of the last transaction replayed while more has been received than
    replayed: after a quiet spell it overstates the lag until the replica replays the next
    write, which errs towards reading the primary. A replica cut off from the primary keeps
    its WAL receiver until ``wal_receiver_timeout`` (docs/city.md: set it to the lag bound).
    """
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(_STATE_SQL, [need_lsn, need_lsn])
        in_recovery, streaming, replay_lsn, lag, replayed = cursor.fetchone()
    return ReplicaState(
        bool(in_recovery), bool(streaming), replay_lsn, float(lag or 0), bool(replayed)
    )


def primary_lsn() -> str:
    """The primary's WAL insert position: every transaction committed so far ends before it."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return cursor.fetchone()[0]


def max_lag() -> float:
    return float(getattr(settings, "HUIYIN_REPLICA_MAX_LAG_SECONDS", 5))


def _decide(catch_up: float) -> bool:
    """Whether a block beginning now may read from the replica."""
    if _in_transaction():
        return False
    unit = _current_unit()
    try:
        if catch_up > 0:
            need = primary_lsn()
        elif unit.wrote:
            return False  # this request saved something the replica may not have yet
        else:
            need = unit.need_lsn
        deadline = time.monotonic() + catch_up
        while True:
            state = replica_state(need)
            if state.usable(max_lag()):
                return True
            if time.monotonic() + POLL_INTERVAL > deadline or not state.in_recovery:
                break
            time.sleep(POLL_INTERVAL)
    except DatabaseError as exc:
        # Reads go on from the primary; the reason is logged without the connection details.
        log.warning("replica: not answering (%s); reading from the primary", type(exc).__name__)
        _close_replica()
        return False
    if not state.in_recovery:
        log.warning("replica: the database is not a standby; reading from the primary")
    return False


def _close_replica() -> None:
    with suppress(DatabaseError):
        connections[REPLICA].close()


class reading_from_replica(ContextDecorator):  # noqa: N801 - used like a function
    """A block (or a decorated function) whose reads may be served by the replica.

    Nested blocks are the outer block. `catch_up`: seconds a job waits, at most, for the
    replica to replay everything committed on the primary before the block began (so a report
    sees every save made before it was asked for); without it a block reads the replica only
    if it has replayed this session's own saves, and the primary otherwise.
    """

    def __init__(self, *, catch_up: float = 0.0):
        self.catch_up = catch_up
        self._token = None

    def _recreate_cm(self):
        # A decorated view runs in many threads at once: each call gets its own block.
        return type(self)(catch_up=self.catch_up)

    def __enter__(self) -> reading_from_replica:
        if configured() and _block.get() is None:
            self._token = _block.set(_Block(use_replica=_decide(self.catch_up)))
        return self

    def __exit__(self, *exc) -> None:
        if self._token is not None:
            _block.reset(self._token)
            self._token = None


def reading() -> str | None:
    """The alias a replicated model's reads would go to now (for tests and diagnostics)."""
    if not configured():
        return None
    from huiyin.cases.models import Case

    return ReplicaRouter().db_for_read(Case)


# --------------------------------------------------------------------------- read-your-writes


def _session_lsn(request) -> str | None:
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    if isinstance(value, str) and _LSN.fullmatch(value):
        return value
    return None


class ReadYourWritesMiddleware:
    """A person sees their own saves on the next page, even one read from the replica.

    After a request that saved something (outside :data:`PRIMARY_APPS`), the primary's WAL
    position goes into the session; a later replica block of that session reads the replica
    only once it has replayed that position. Placed after SessionMiddleware (settings).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        unit = _Unit(need_lsn=_session_lsn(request))
        token = _unit.set(unit)
        try:
            response = self.get_response(request)
            # Only a session that exists already (a signed-in browser): an API call with a
            # token would otherwise be given a session, and a cookie, by every save it made.
            session = getattr(request, "session", None)
            if unit.wrote and getattr(session, "session_key", None):
                try:
                    session[SESSION_KEY] = primary_lsn()
                except DatabaseError:
                    log.warning("replica: the primary's WAL position could not be read")
                    session.pop(SESSION_KEY, None)
            return response
        finally:
            _unit.reset(token)


# --------------------------------------------------------------------------- huiyin doctor


def check_replica(context) -> object:
    """`huiyin doctor`'s line for the replica (registered only when one is configured): a
    problem when it does not answer, is not a streaming standby, or is beyond the lag bound —
    Huiyin then reads everything from the primary, which must be told."""
    from django.utils.translation import gettext as _

    from huiyin.ops.doctor import FAIL, OK, Result

    label = _("Read replica")
    try:
        state = replica_state()
    except DatabaseError as exc:
        _close_replica()
        return Result(
            "replica", FAIL, label, _("does not answer (%(error)s)") % {"error": type(exc).__name__}
        )
    bound = max_lag()
    if not state.in_recovery:
        detail = _("is not a standby (promoted?): every read goes to the primary")
    elif not state.streaming:
        detail = _("receives nothing from the primary: every read goes to the primary")
    elif state.lag > bound:
        detail = _(
            "%(lag).1f s behind, beyond the bound of %(bound)g s: reads go to the primary"
        ) % {
            "lag": state.lag,
            "bound": bound,
        }
    else:
        return Result(
            "replica",
            OK,
            label,
            _("streaming, %(lag).1f s behind (bound %(bound)g s), replayed up to %(lsn)s")
            % {"lag": state.lag, "bound": bound, "lsn": state.replay_lsn},
        )
    return Result("replica", FAIL, label, detail)
