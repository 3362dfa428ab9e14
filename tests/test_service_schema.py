"""The service against its own OpenAPI schema: requests generated from it (schemathesis) get no 5xx and answers
that match it. Examples are bounded so that this file takes well under a minute.

The operations are driven with hypothesis directly (``APIOperation.as_strategy``): the pytest plugin's lazy
``from_fixture`` does not run on pytest 9, and the store must be made once per module, not at collection.
"""

from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from staffing_forecast.pipeline import parse_config, run
from staffing_forecast.service import Settings, create_app, load_keys

KEY = "schema-key-0123456789abcdef"
KEYS = load_keys(environ={"STAFFING_FORECAST_API_KEYS": KEY})


def _labels() -> list[str]:
    """Every operation of the schema (the app over an empty folder has the same routes)."""
    with tempfile.TemporaryDirectory() as folder:
        schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(folder, KEYS))
        return [result.ok().label for result in schema.get_all_operations()]


@pytest.fixture(scope="module")
def service_schema(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    config = parse_config(
        {
            "sources": {"demo": True},
            "forecast": {"models": ["naive"], "horizon": 3},
            "output": {"store": str(root), "workbooks": False},
            "parallel": {"n_jobs": 1},
        }
    )
    run(config)
    # Small ad-hoc forecasts: a generated request should not wait on a long model fit.
    app = create_app(root, KEYS, Settings(max_series=5, max_horizon=6))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield {result.ok().label: result.ok() for result in schema.get_all_operations()}
    app.state.pool.close()


@pytest.mark.parametrize("label", _labels())
def test_the_service_keeps_its_schema(service_schema, label):
    operation = service_schema[label]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case):
        # Every check but one: rules no schema can state (a policy's costs within its interval, a cursor made by
        # the service, the series limit) answer some schema-valid requests with a 422 that names the fix.
        case.call_and_validate(
            headers={"Authorization": f"Bearer {KEY}"},
            excluded_checks=[schemathesis.checks.positive_data_acceptance],
        )

    check()
