"""A bounded schemathesis run over every operation (marked ``fuzz``): generated requests, valid
and invalid, against the WSGI app on a small street; no 5xx, every answer as the schema says,
invalid input refused with a 4xx.

    pytest huiyin/api/tests/test_fuzz.py -m fuzz            # ~1 minute
    HUIYIN_FUZZ_EXAMPLES=200 pytest huiyin/api/tests/test_fuzz.py -m fuzz

The run's summary line (operations, examples, failures) is written to
test-artifacts/fuzz-summary.txt; ``.ci/run`` prints it.

Skipped where schemathesis is not installed (it is a dev dependency).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.wsgi import get_wsgi_application  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from huiyin.api.tokens import create_token  # noqa: E402
from huiyin.org.models import RoleGrant  # noqa: E402
from huiyin.org.roles import Role  # noqa: E402
from huiyin.petitions.tests.factories import register  # noqa: E402

EXAMPLES = int(os.environ.get("HUIYIN_FUZZ_EXAMPLES", "25"))
settings_for_examples = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)

#: Valid by the schema is not always acceptable: an id that names no community, a date in the
#: future, a case in another state are refused with a 4xx — as they should be.
ACCEPTS_ALL_VALID = positive_data_acceptance

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
#: The token of the running test (each test has its own database, so its own token).
CURRENT = {"token": ""}


@schema.auth(refresh_interval=None)
class BearerToken:
    """The run's token, as the API's security scheme says (schemathesis also tries without)."""

    def get(self, case, context):
        return CURRENT["token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


class Summary:
    """The run's one-line summary in test-artifacts/fuzz-summary.txt (``.ci/run`` prints it):
    operations tried, examples sent, failures (examples that failed a check, hypothesis's
    shrinking included) and the operations they were in.

    Tests of one run may be spread over xdist workers: each adds its counts to a shared record
    (one line per test, tagged with the run's id, under a lock) and writes the summary of all
    the record holds so far; the last test to finish writes the whole run's.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
        self.counts: dict[str, list[int]] = {}

    @contextlib.contextmanager
    def example(self, operation: str):
        counts = self.counts.setdefault(operation, [0, 0])
        counts[0] += 1
        try:
            yield
        except BaseException:
            counts[1] += 1
            raise

    def write(self) -> None:
        if not self.counts:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        record = self.folder / "fuzz-record.jsonl"
        mine = [
            json.dumps({"run": self.run, "op": op, "examples": n, "failures": bad})
            for op, (n, bad) in self.counts.items()
        ]
        self.counts = {}
        with open(self.folder / "fuzz-record.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            lines = record.read_text().splitlines() if record.exists() else []
            rows = [json.loads(line) for line in lines if line.strip()]
            rows = [r for r in rows if r.get("run") == self.run]  # an older run's: gone
            rows += [json.loads(line) for line in mine]
            record.write_text("".join(json.dumps(r) + "\n" for r in rows))
            target = self.folder / "fuzz-summary.txt"
            partial = target.with_suffix(".tmp")
            partial.write_text(self.line(rows) + "\n")
            partial.replace(target)

    @staticmethod
    def line(rows: list[dict]) -> str:
        from django.db import connection

        operations: dict[str, list[int]] = {}
        for row in rows:
            counts = operations.setdefault(row["op"], [0, 0])
            counts[0] += row["examples"]
            counts[1] += row["failures"]
        stateful = operations.pop("stateful", [0, 0])
        examples = sum(n for n, _bad in operations.values())
        failures = sum(bad for _n, bad in operations.values())
        failed = sorted(op for op, (_n, bad) in operations.items() if bad)
        text = (
            f"schemathesis ({connection.vendor}): {len(operations)} operations, "
            f"{examples} examples, {failures} failures"
            f"; stateful: {stateful[0]} steps, {stateful[1]} failures"
        )
        if failed:
            text += " — failed: " + ", ".join(failed)
        return text


ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
summary = Summary(ARTIFACTS)


@pytest.fixture(autouse=True)
def _summarise():
    """After each test, its counts join the run's summary."""
    yield
    summary.write()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app begins and ends each request by closing stale database connections, which
    inside a test's transaction is the test's own (on PostgreSQL): as Django's test client
    does, not while the run lasts."""
    from django.core import signals
    from django.db import close_old_connections

    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(personas, community, grid, unit) -> str:
    """A clerk who also holds the governance role street-wide: petitions, disputes,
    incidents and statistics are all open to the run; one petition to find."""
    from huiyin.disputes.tests import factories as df
    from huiyin.incidents.types import ensure_default_types

    ensure_default_types()
    clerk = personas[Role.PETITION_CLERK]
    RoleGrant.objects.create(staff=clerk.staff, role=Role.GOVERNANCE_STAFF)
    register(clerk, community=community, grid=grid)
    df.register(personas[Role.GOVERNANCE_STAFF], community=community, grid=grid)
    CURRENT["token"] = create_token(owner=clerk, name="fuzz", scope="write", days=1)[1]
    return CURRENT["token"]


#: One test per operation, by its label ("GET /api/v1/cases"): a plain parametrize, so that
#: xdist hands each operation to a worker (schemathesis's own ``parametrize`` is one test item
#: whose operations are subtests: under xdist only its first operation ran).
OPERATIONS = {
    f"{op.method.upper()} {op.path}": op
    for op in (result.ok() for result in schema.get_all_operations())
}


@pytest.mark.fuzz
@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_api(label, token, settings):
    settings.HUIYIN_API_RATE_PER_MINUTE = 10**6
    operation = OPERATIONS[label]
    # Valid requests, then invalid ones (schemathesis's generation modes), each bounded.
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(mode, auth_storage=schema.auth))
        @settings_for_examples
        def run(case):
            with summary.example(label):
                case.call_and_validate(
                    headers={"Accept-Language": "zh-hans"},
                    excluded_checks=[ACCEPTS_ALL_VALID],
                )

        run()


class Workflow(schema.as_state_machine()):
    """Stateful: a registration's answer leads (OpenAPI links) to the new case's page,
    timeline, clocks and actions."""

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        __tracebackhide__ = True
        with summary.example("stateful"):
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=[ACCEPTS_ALL_VALID],
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )


@pytest.mark.fuzz
@pytest.mark.django_db
def test_api_stateful(token, settings):
    from hypothesis.stateful import run_state_machine_as_test

    settings.HUIYIN_API_RATE_PER_MINUTE = 10**6
    run_state_machine_as_test(
        Workflow,
        settings=hypothesis_settings(
            max_examples=max(EXAMPLES // 5, 3),
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )
