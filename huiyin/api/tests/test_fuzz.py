"""A bounded schemathesis run over every operation (marked ``fuzz``): generated requests, valid
and invalid, against the WSGI app on a small street; no 5xx, every answer as the schema says,
invalid input refused with a 4xx.

    pytest huiyin/api/tests/test_fuzz.py -m fuzz            # ~1 minute
    HUIYIN_FUZZ_EXAMPLES=200 pytest huiyin/api/tests/test_fuzz.py -m fuzz

Skipped where schemathesis is not installed (it is a dev dependency).
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.wsgi import get_wsgi_application  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from huiyin.api.tokens import create_token  # noqa: E402
from huiyin.org.models import RoleGrant  # noqa: E402
from huiyin.org.roles import Role  # noqa: E402
from huiyin.petitions.tests.factories import register  # noqa: E402

EXAMPLES = int(os.environ.get("HUIYIN_FUZZ_EXAMPLES", "25"))

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


@pytest.mark.fuzz
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api(case, token, settings):
    settings.HUIYIN_API_RATE_PER_MINUTE = 10**6
    case.call_and_validate(
        headers={"Accept-Language": "zh-hans"},
        excluded_checks=[ACCEPTS_ALL_VALID],
    )


class Workflow(schema.as_state_machine()):
    """Stateful: a registration's answer leads (OpenAPI links) to the new case's page,
    timeline, clocks and actions."""

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        __tracebackhide__ = True
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
