"""Run by test_replica.py in a child process whose settings name a real primary and its
streaming replica (HUIYIN_DATABASE_URL, HUIYIN_REPLICA_DATABASE_URL): migrate the primary,
write through the petition service, and check where the reads go and what they see.

Prints one JSON line of what it measured; any failed check raises (exit status 1).
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiyin.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from huiyin.ops import routers  # noqa: E402
from huiyin.ops.routers import REPLICA, ReplicaRouter, reading_from_replica  # noqa: E402

PRIMARY = DEFAULT_DB_ALIAS
#: The lag bound the README states, which the settings enforce.
BOUND = float(settings.HUIYIN_REPLICA_MAX_LAG_SECONDS)
out: dict[str, object] = {}


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


@contextmanager
def new_request() -> Iterator[None]:
    """What the middleware does at a request's start: a unit of work that has saved nothing."""
    token = routers._unit.set(routers._Unit())
    try:
        yield
    finally:
        routers._unit.reset(token)


def counted(read: Callable[[], int]) -> tuple[int, list[str], list[str]]:
    """(value, SQL run on the primary, SQL run on the replica) of one read."""
    with (
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        value = read()
    return value, _data(on_primary), _data(on_replica)


def _data(captured) -> list[str]:
    """The SQL that read data (not the router's question to the replica about its state)."""
    return [q["sql"] for q in captured if "pg_is_in_recovery" not in q["sql"]]


def _reads_cases(sql: list[str]) -> bool:
    return any("cases_case" in text for text in sql)


def wait_replayed(seconds: float) -> float:
    """Seconds until the replica has replayed everything committed on the primary so far."""
    need, began = routers.primary_lsn(), time.monotonic()
    while not routers.replica_state(need).replayed:
        check(time.monotonic() - began < seconds, f"the replica did not replay {need}")
        time.sleep(0.05)
    return time.monotonic() - began


def main() -> None:
    began = time.monotonic()
    call_command("migrate", verbosity=0)
    out["migrate_s"] = round(time.monotonic() - began, 1)
    check(routers.configured(), "the settings did not configure the replica")
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        check(cursor.fetchone()[0] is True, "the replica is not a standby")
    out["schema_replayed_s"] = round(wait_replayed(60), 2)

    from huiyin.org import demo as org_demo
    from huiyin.petitions.tests.factories import petitioner, register
    from huiyin.reports import stats

    org_demo.load_organisation()
    org_demo.load_accounts("replica-pass-123")
    clerk = User.objects.get(username="clerk")
    today = timezone.localdate()
    period = stats.Period(today - timedelta(days=100), today)

    def batches() -> int:
        return stats.compute(period)["petitions"]["batches"]

    def new_petition() -> None:
        register(clerk, received_at=today, petitioners=[petitioner("张三", id_number="")])

    # 1. Writes never leave the primary; the replica refuses them anyway.
    router = ReplicaRouter()
    from huiyin.cases.models import Case

    with new_request(), reading_from_replica():
        check(router.db_for_read(Case) == REPLICA, "a statistics read did not go to the replica")
        check(router.db_for_write(Case) == PRIMARY, "a write would have gone to the replica")
        check(router.db_for_read(Case) == PRIMARY, "a read after a write went to the replica")
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("CREATE TABLE huiyin_probe (id int)")
    except DatabaseError as exc:
        check("read-only" in str(exc), f"unexpected error from the replica: {exc}")
    else:
        raise AssertionError("the replica accepted a write")

    # 2. The statistics are counted on the replica, and see a committed save within the bound.
    wait_replayed(30)
    with new_request():
        before, on_primary, on_replica = counted(batches)
    check(_reads_cases(on_replica), "cases were not counted on the replica")
    check(not _reads_cases(on_primary), "cases were counted on the primary")
    out["stats_queries"] = {"replica": len(on_replica), "primary": len(on_primary)}
    new_petition()
    committed = time.monotonic()
    seen = None
    while seen is None:
        with new_request():
            now, _p, on_replica = counted(batches)
        check(_reads_cases(on_replica), "a statistics read left the replica while within its lag")
        if now == before + 1:
            seen = time.monotonic() - committed
        else:
            check(time.monotonic() - committed < BOUND, f"not seen within {BOUND} s")
            time.sleep(0.01)
    out["write_seen_on_replica_s"] = round(seen, 3)

    # 3. Read-your-writes: with replay paused, the clerk's own next statistics read the primary
    # and count their save; someone else's read the replica (behind, within the bound).
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        before = before + 1
        save = routers.ReadYourWritesMiddleware(lambda request: (new_petition(), HttpResponse())[1])
        request = RequestFactory().post("/petitions/new/")
        request.session = SessionStore()
        request.session.create()  # a signed-in browser's session
        save(request)
        lsn = request.session.get(routers.SESSION_KEY)
        check(bool(lsn), "the middleware kept no WAL position after a save")
        # Wait until the save's WAL has reached the replica (received, not replayed).
        deadline = time.monotonic() + BOUND
        while True:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [lsn])
                if cursor.fetchone()[0]:
                    break
            check(time.monotonic() < deadline, "the save's WAL did not reach the replica")
            time.sleep(0.02)

        def page(req) -> HttpResponse:
            value, on_primary, on_replica = counted(batches)
            return HttpResponse(json.dumps([value, len(on_primary), len(on_replica)]))

        read = routers.ReadYourWritesMiddleware(page)
        mine = json.loads(read(request).content)
        check(mine[0] == before + 1, f"the clerk does not see their own save: {mine}")
        check(mine[2] == 0, "the clerk's read went to a replica that had not replayed the save")
        other = RequestFactory().get("/reports/")
        other.session = SessionStore()
        lag_before = routers.replica_state().lag
        theirs = json.loads(read(other).content)
        lag_after = routers.replica_state().lag
        out["paused_lag_s"] = round(lag_after, 2)
        if lag_after <= BOUND:
            check(theirs[2] > 0, "a read within the bound did not use the replica")
            check(theirs[0] == before, f"the paused replica already showed the save: {theirs}")
        elif lag_before > BOUND:
            check(theirs[2] == 0 and theirs[0] == before + 1, "a lagging replica was read")
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    resumed = time.monotonic()
    while True:
        with new_request():
            now, _p, _r = counted(batches)
        if now == before + 1:
            break
        check(time.monotonic() - resumed < BOUND, "the save was not seen after replay resumed")
        time.sleep(0.01)
    out["seen_after_resume_s"] = round(time.monotonic() - resumed, 3)

    # 4. The dashboard and a ledger export read the replica; a job's reads wait to catch up.
    wait_replayed(BOUND)
    client = Client()
    client.force_login(User.objects.get(username="leader"))
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get("/reports/")
    check(response.status_code == 200, f"the dashboard answered {response.status_code}")
    check(_reads_cases(_data(on_replica)), "the dashboard did not read the replica")
    out["dashboard_replica_queries"] = len(_data(on_replica))

    from huiyin.reports.ledgers import export, kinds

    with new_request(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        rows = export.export_ledger(
            kinds.get("petitions"),
            io.BytesIO(),
            user=User.objects.get(username="leader"),
            params={},
        )
    check(rows == before + 1, f"the ledger export wrote {rows} rows")
    check(_reads_cases(_data(on_replica)), "the ledger export did not read the replica")
    check(routers.check_replica(None).status == "ok", "huiyin doctor finds the replica unwell")
    new_petition()
    with reading_from_replica(catch_up=BOUND):
        check(routers.reading() == REPLICA, "a job's block did not wait for the replica")
        check(batches() == before + 2, "a job did not see what was saved before it began")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
