"""The service against its own OpenAPI schema: requests generated from it (schemathesis, every check) get no 5xx
and answers that match it. Examples are bounded so that this file takes well under a minute.

The operations are driven with hypothesis directly (``APIOperation.as_strategy``): the pytest plugin's lazy
``from_fixture`` does not run on pytest 9, and the store must be made once per module, not at collection.
"""

from __future__ import annotations

import re
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from staffing_forecast.pipeline import parse_config, run
from staffing_forecast.service import Settings, create_app, load_keys

KEY = "schema-key-0123456789abcdef"

#: The rules a schema cannot state, each documented on its endpoint: they depend on the run (its interval level,
#: its cells), on other fields (a policy's costs within its interval, ``from`` before ``to``), on the service (a
#: cursor it made) or on the series themselves (how many, how long, their dates). A schema-valid request breaking
#: one is answered 413/422 with a detail that names it; any other refusal of schema-valid data fails the test.
DATA_RULES = re.compile(
    r"the costs put the recommendation|available levels|^cursor: |from: .* is after to: |"
    r"max_series=|max_cost=|^h: the forecast would run to|^data: (ConfigError|SchemaError): "
)


@schemathesis.check
def positive_data_acceptance_but_data_rules(ctx, response, case):
    """``positive_data_acceptance``, except for a 413/422 that names one of :data:`DATA_RULES`."""
    if response.status_code in (413, 422) and DATA_RULES.search(response.json().get("detail", "")):
        return None
    return schemathesis.checks.positive_data_acceptance(ctx, response, case)


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
    app.state.pool.warm()  # as serve does: a worker's start is not a request's time
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
        # Every check; positive_data_acceptance lets through only the refusals that name a rule of DATA_RULES.
        case.call_and_validate(
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=60,  # a shared machine: the client's limit is not the service's
            excluded_checks=[schemathesis.checks.positive_data_acceptance],
            additional_checks=[positive_data_acceptance_but_data_rules],
        )

    check()
