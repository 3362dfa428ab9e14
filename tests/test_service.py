"""The HTTP service, in process with FastAPI's test client, over a run store made by the real pipeline."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import sys
import time

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import staffing_forecast as sf
from staffing_forecast.cli import main
from staffing_forecast.errors import ConfigError
from staffing_forecast.pipeline import RunStore, open_run, parse_config, run
from staffing_forecast.quota import Policy, compute
from staffing_forecast.service import Settings, create_app, load_keys
from staffing_forecast.service.auth import parse_keys
from staffing_forecast.store import RunFolder
from staffing_forecast.store.layout import checksum

ADMIN = "admin-key-0123456789abcdef"
READER = "reader-key-0123456789abcdef"
EMPLOYER = "employer-key-0123456789abcd"
WHATIF = "whatif-key-0123456789abcdef"
FORECASTER = "forecast-key-0123456789abcd"
KEYS = f"{ADMIN},{READER}:read,{EMPLOYER}:employer,{WHATIF}:whatif,{FORECASTER}:forecast"
MIN_CELL = 40.0
# On the demo one occupation (3522) is 78 % one employer's: sensitive under this rule, alone among its siblings.
DISCLOSURE = {"min_cell_size": MIN_CELL, "dominance": 0.7}


def auth(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A small store: the demo cluster, naive forecasts 3 years ahead (the first intake the quota can reach),
    by occupation, by employer and occupation, and the total."""
    root = tmp_path_factory.mktemp("store")
    config = parse_config(
        {
            "sources": {"demo": True},
            "series": {"hierarchy": [["occupation"], ["employer", "occupation"], []]},
            "forecast": {"models": ["naive"], "horizon": 3},
            "output": {"store": str(root), "workbooks": False},
            "parallel": {"n_jobs": 1},
        }
    )
    run(config)
    return root


@pytest.fixture(scope="module")
def keys():
    return load_keys(environ={"STAFFING_FORECAST_API_KEYS": KEYS})


@pytest.fixture(scope="module")
def client(store, keys):
    with TestClient(create_app(store, keys, Settings(**DISCLOSURE))) as client:
        yield client


@pytest.fixture(scope="module")
def stored(store):
    opened = open_run(store)
    forecasts = (
        opened.table("forecasts").sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    )
    return opened, forecasts


def all_pages(client, key, path="/v1/runs/latest/forecasts", **params):
    rows, cursor, pages = [], None, 0
    while True:
        query = dict(params) | ({"cursor": cursor} if cursor else {})
        response = client.get(path, params=query, headers=auth(key))
        assert response.status_code == 200, response.text
        body = response.json()
        rows.extend(body["rows"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return pd.DataFrame(rows), pages


def assert_problem(response, status, *words):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


# --- operations ---------------------------------------------------------------------------------------------
def test_health_and_ready(client, stored):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready", "latest": stored[0].id}


def test_ready_is_503_without_a_complete_run(tmp_path, keys):
    client = TestClient(create_app(tmp_path, keys))
    assert_problem(client.get("/ready"), 503, "no complete run")
    assert_problem(client.get("/v1/runs/latest/quotas", headers=auth(ADMIN)), 404, "no complete run")


def test_metrics_count_requests(client):
    def count():
        text = client.get("/metrics").text
        line = 'staffing_forecast_requests_total{method="GET",route="/health",status="200"}'
        found = [row for row in text.splitlines() if row.startswith(line)]
        return float(found[0].split()[-1]) if found else 0.0

    before = count()
    for _ in range(3):
        client.get("/health")
    assert count() == before + 3
    text = client.get("/metrics").text
    assert "staffing_forecast_request_seconds_bucket" in text
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


def test_request_ids_are_echoed_or_made(client):
    given = client.get("/health", headers={"X-Request-ID": "abc12345-trace"})
    assert given.headers["x-request-id"] == "abc12345-trace"
    made = client.get("/health", headers={"X-Request-ID": "bad id\n"})
    assert len(made.headers["x-request-id"]) == 32


def test_access_log_is_json_without_keys(client, caplog):
    with caplog.at_level("INFO", logger="staffing_forecast.service.access"):
        client.get("/v1/runs", headers=auth(READER, **{"X-Request-ID": "log-test-0001"}))
    lines = [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "staffing_forecast.service.access"
    ]
    assert lines[-1]["request_id"] == "log-test-0001" and lines[-1]["status"] == 200
    assert lines[-1]["route"] == "/v1/runs"
    assert READER not in caplog.text


# --- keys and scopes ----------------------------------------------------------------------------------------
def test_keys_are_needed(client):
    body = assert_problem(client.get("/v1/runs"), 401, "Authorization: Bearer")
    assert body["instance"] == "/v1/runs" and "request_id" in body
    assert client.get("/v1/runs").headers["www-authenticate"] == "Bearer"
    assert_problem(client.get("/v1/runs", headers=auth("not-a-key-of-this-service")), 401, "not a key")
    assert_problem(client.get("/v1/runs", headers={"Authorization": f"Basic {ADMIN}"}), 401)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/runs", {ADMIN, READER, EMPLOYER}),
        ("GET", "/v1/runs/latest", {ADMIN, READER, EMPLOYER}),
        ("GET", "/v1/runs/latest/forecasts", {ADMIN, READER, EMPLOYER}),
        ("GET", "/v1/runs/latest/quotas", {ADMIN, READER, EMPLOYER}),
        ("POST", "/v1/quota", {ADMIN, WHATIF}),
        ("POST", "/v1/forecast", {ADMIN, FORECASTER}),
    ],
)
def test_scopes(client, method, path, allowed):
    for key in (ADMIN, READER, EMPLOYER, WHATIF, FORECASTER):
        # An empty body: a key with the scope gets past it to the body's check (422), one without gets 403.
        response = client.request(method, path, headers=auth(key), json=None if method == "GET" else {"x": 1})
        if key in allowed:
            assert response.status_code in (200, 422), (key, response.text)
        else:
            assert_problem(response, 403, "lacks the scope")


@pytest.mark.parametrize("path", ["/v1/quota", "/v1/forecast"])
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"policy": ', "application/json"),
        (b"\x80\x04K\x01.", "text/plain"),
    ],
)
def test_the_key_and_scope_are_checked_before_the_body_is_read(client, path, content, content_type):
    headers = {"Content-Type": content_type}
    assert_problem(client.post(path, content=content, headers=headers), 401, "Authorization: Bearer")
    assert_problem(
        client.post(path, content=content, headers=auth("not-a-key-of-this-service", **headers)), 401
    )
    assert_problem(
        client.post(path, content=content, headers=auth(READER, **headers)), 403, "lacks the scope"
    )
    allowed = auth(ADMIN, **headers)
    assert client.post(path, content=content, headers=allowed).status_code in (400, 422)


def test_keys_file_env_and_refusals(tmp_path):
    file = tmp_path / "keys.txt"
    file.write_text(
        f"# operators\n{ADMIN}\n{READER}:read+employer  # the statistics office\n\n", encoding="utf-8"
    )
    keys = load_keys(file, environ={"STAFFING_FORECAST_API_KEYS": f"{WHATIF}:whatif"})
    assert keys.scopes(READER) == {"read", "employer"} and keys.scopes(WHATIF) == {"whatif"}
    assert len(keys.scopes(ADMIN)) == 4 and keys.scopes(ADMIN[:-1]) is None
    assert ADMIN not in repr(keys) and all(ADMIN.encode() not in digest for digest, _ in keys.entries)
    with pytest.raises(ConfigError, match="no API keys"):
        load_keys(None, environ={})
    with pytest.raises(ConfigError, match=r"item 1: unknown scope admin"):
        parse_keys([f"{ADMIN}:admin"])
    with pytest.raises(ConfigError, match="at least 16"):
        parse_keys(["short"])
    with pytest.raises(ConfigError, match="no API keys"):
        create_app(tmp_path, parse_keys([]))


# --- runs ---------------------------------------------------------------------------------------------------
def test_runs_list_and_manifest(client, store, stored):
    body = client.get("/v1/runs", headers=auth(READER)).json()
    expected = RunStore(store).list_runs()
    assert [r["run"] for r in body["runs"]] == expected["run"].tolist()
    assert body["latest"] == stored[0].id and body["runs"][-1]["status"] == "complete"
    manifest = client.get(f"/v1/runs/{stored[0].id}", headers=auth(READER)).json()
    assert manifest["status"] == "complete" and manifest["counts"] == stored[0].manifest["counts"]
    assert "pid" not in manifest and "host" not in manifest
    assert_problem(client.get("/v1/runs/20200101T000000.000Z-00000000", headers=auth(READER)), 404, "no run")


@pytest.mark.parametrize(
    "run_id",
    [
        "..",
        "../x",
        "%2e%2e",
        "%2e%2e%2fx",
        "..%2F..%2Fetc",
        "latest%00",
        "20200101T000000.000Z-0000000g",
        "evil",
    ],
)
def test_run_ids_cannot_leave_the_store(client, store, run_id):
    # A complete-looking run beside runs/, which a path leaving runs/ would reach.
    evil = store / "evil"
    evil.mkdir(exist_ok=True)
    shutil.copy(store / "runs" / RunStore(store).latest() / "manifest.json", evil / "manifest.json")
    for suffix in ("", "/forecasts", "/quotas"):
        response = client.get(f"/v1/runs/{run_id}{suffix}", headers=auth(ADMIN))
        assert response.status_code in (404, 422), (run_id, suffix, response.text)
        assert response.headers["content-type"] == "application/problem+json"


# --- forecasts ----------------------------------------------------------------------------------------------
def test_employer_scope_pages_every_row_once_with_stored_values(client, stored):
    _, table = stored
    rows, pages = all_pages(client, EMPLOYER, limit=37)
    assert pages == -(-len(table) // 37)
    assert len(rows) == len(table) and not rows.duplicated(["unique_id", "ds"]).any()
    assert rows["unique_id"].tolist() == table["unique_id"].tolist()
    assert rows["ds"].tolist() == table["ds"].dt.strftime("%Y-%m-%d").tolist()
    for column in ("mean", "lo_80", "hi_95"):
        np.testing.assert_allclose(rows[column].to_numpy(float), table[column].to_numpy(float))
    assert not rows["suppressed"].any() and (rows["employer"] != "*").any()


def test_read_scope_gets_aggregates_with_disclosive_cells_withheld(client, store, stored):
    opened, table = stored
    rows, _ = all_pages(client, READER, limit=500)
    aggregates = table[table["employer"] == "*"].reset_index(drop=True)
    assert (rows["employer"] == "*").all() and len(rows) == len(aggregates)
    contributors = pd.read_parquet(opened.path / "employers.parquet")
    rules = Settings(**DISCLOSURE).disclosure
    expected = sf.disclosure.suppress(table, contributors, rules)[(table["employer"] == "*").to_numpy()]
    assert rows["suppressed"].tolist() == expected.tolist()
    small = (aggregates["mean"] < MIN_CELL).to_numpy()
    assert (~expected).any() and rows["suppressed"].to_numpy()[small].all()
    dominated = (aggregates["occupation"] == "3522").to_numpy()
    assert expected[dominated].all() and expected[~small & ~dominated].any()  # and a complementary cell
    hidden = rows["suppressed"].to_numpy()
    withheld = ["mean", "lo_80", "hi_80", "lo_95", "hi_95", "original_mean", "adjustment", "reason"]
    assert rows.loc[hidden, withheld].isna().all().all()
    np.testing.assert_allclose(rows.loc[~hidden, "mean"], aggregates.loc[~hidden, "mean"])
    employer = table.loc[table["employer"] != "*", "employer"].iloc[0]
    assert_problem(
        client.get("/v1/runs/latest/forecasts", params={"employer": employer}, headers=auth(READER)),
        403,
        "employer",
    )


def test_a_read_key_cannot_recompute_a_withheld_cell(client, stored):
    """Every date: the visible occupation totals and the total leave each withheld occupation free to move."""
    from tests.test_disclosure import recovered_by_rank

    _, table = stored
    rows, _ = all_pages(client, READER, limit=500)
    cells = table[["unique_id", "ds", "employer", "occupation"]].assign(y=table["mean"])
    hidden = np.ones(len(cells), dtype=bool)  # employers' rows are not given at all
    hidden[(cells["employer"] == "*").to_numpy()] = rows["suppressed"].to_numpy()
    bottom = cells[(cells["employer"] != "*") & (cells["occupation"] != "*")]
    levels = [[], ["occupation"], ["employer", "occupation"]]
    assert hidden.sum() < len(cells)
    assert recovered_by_rank(cells, hidden, bottom, levels) == []


def test_forecast_filters(client, stored):
    _, table = stored
    occupation = table.loc[table["occupation"] != "*", "occupation"].iloc[0]
    rows, _ = all_pages(client, ADMIN, occupation=occupation, hierarchy_level="occupation", limit=2)
    expected = table[(table["occupation"] == occupation) & (table["employer"] == "*")]
    assert rows["unique_id"].tolist() == expected["unique_id"].tolist()
    total, _ = all_pages(client, ADMIN, hierarchy_level="total")
    assert set(total["unique_id"]) == {"*/*/*/*"} and len(total) == 3
    first = table["ds"].min()
    dated, _ = all_pages(client, ADMIN, **{"from": "2027-01-01", "to": "2027-12-31"})
    assert set(dated["ds"]) == {"2027-01-01"} and first.year == 2026
    employer = table.loc[table["employer"] != "*", "employer"].iloc[0]
    mine, _ = all_pages(client, EMPLOYER, employer=employer)
    assert len(mine) == (table["employer"] == employer).sum()
    assert_problem(
        client.get("/v1/runs/latest/forecasts", params={"hierarchy_level": "city"}, headers=auth(ADMIN)),
        422,
        "hierarchy_level",
    )
    assert_problem(
        client.get(
            "/v1/runs/latest/forecasts",
            params={"from": "2028-01-01", "to": "2027-01-01"},
            headers=auth(ADMIN),
        ),
        422,
        "from",
    )
    assert_problem(
        client.get("/v1/runs/latest/forecasts", params={"limit": 5000}, headers=auth(ADMIN)),
        422,
        "max_page_size",
    )
    assert_problem(
        client.get("/v1/runs/latest/forecasts", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=auth(ADMIN)),
        422,
        "cursor",
    )


# --- quotas -------------------------------------------------------------------------------------------------
def test_quotas_equal_the_stored_table(client, stored):
    opened, _ = stored
    body = client.get("/v1/runs/latest/quotas", headers=auth(READER)).json()
    table = opened.table("quota")
    assert body["run"] == opened.id and len(body["quotas"]) == len(table) > 0
    got = pd.DataFrame(body["quotas"])
    assert got["quota"].tolist() == table["quota"].tolist()
    np.testing.assert_allclose(got["base"], table["base"])
    cell = table.iloc[0]
    one = client.get(
        "/v1/runs/latest/quotas",
        params={"specialty": cell.specialty, "level": cell.level},
        headers=auth(READER),
    )
    assert {(r["specialty"], r["level"]) for r in one.json()["quotas"]} == {(cell.specialty, cell.level)}


def test_explain_in_russian_or_english(client, stored):
    opened, _ = stored
    cell = opened.table("quota").iloc[0]
    path = f"/v1/runs/latest/quotas/{cell.specialty}/{cell.level}/{cell.intake_year}/explain"
    key = (cell.specialty, cell.level, int(cell.intake_year))
    trees = {
        lang: next(
            e["explanation"]
            for e in opened.explanations(lang)
            if (e["specialty"], e["level"], e["intake_year"]) == key
        )
        for lang in ("ru", "en")
    }
    ru = client.get(path, headers=auth(READER))
    en = client.get(path, headers=auth(READER, **{"Accept-Language": "en-GB,en;q=0.9,ru;q=0.5"}))
    assert ru.json()["lang"] == "ru" and ru.json()["explanation"] == trees["ru"]
    assert en.json()["lang"] == "en" and en.json()["explanation"] == trees["en"]
    assert ru.json()["explanation"]["source"].startswith("специальность")
    assert en.headers["content-language"] == "en" and ru.json()["quota"] == int(cell.quota)
    assert_problem(
        client.get(
            f"/v1/runs/latest/quotas/{cell.specialty}/{cell.level}/1999/explain", headers=auth(READER)
        ),
        404,
        "no quota",
    )
    assert client.get("/v1/runs/latest/quotas/x/spo11/2026/explain", headers=auth(READER)).status_code == 422


def test_whatif_equals_compute_on_the_stored_inputs(client, stored):
    opened, _ = stored
    response = client.post(
        "/v1/quota",
        json={"run": opened.id, "policy": {"cost_short": 3, "min_group": 5}},
        headers=auth(WHATIF),
    )
    assert response.status_code == 200, response.text
    expected = compute(opened.inputs(), Policy(cost_short=3, min_group=5)).table
    got = pd.DataFrame(response.json()["quotas"])
    assert got["quota"].tolist() == expected["quota"].tolist()
    np.testing.assert_allclose(got["raw_quota"], expected["raw_quota"])
    assert response.json()["policy"]["cost_short"] == 3 and response.json()["policy"]["max_change"] == 0.25
    bad = assert_problem(
        client.post("/v1/quota", json={"policy": {"cost_short": -1}}, headers=auth(WHATIF)),
        422,
        "policy.cost_short",
    )
    assert bad["errors"][0]["field"] == "policy.cost_short"
    assert_problem(
        client.post("/v1/quota", json={"policy": {"cost_sort": 2}}, headers=auth(WHATIF)),
        422,
        "policy.cost_sort",
    )
    assert_problem(
        client.post("/v1/quota", json={"policy": {"cost_short": 20}}, headers=auth(WHATIF)),
        422,
        "interval_level",
    )
    assert_problem(
        client.post(
            "/v1/quota",
            content=b"\x80\x04K\x01.",
            headers=auth(WHATIF, **{"Content-Type": "application/octet-stream"}),
        ),
        422,
    )


def test_whatif_chooses_only_among_the_levels_its_inputs_hold(client, stored):
    opened, _ = stored
    assert opened.inputs().interval_level == 80
    default = client.post("/v1/quota", json={"policy": {"cost_short": 2}}, headers=auth(WHATIF))
    assert default.status_code == 200, default.text
    assert default.json()["policy"]["interval_level"] == 80
    at_80 = client.post(
        "/v1/quota", json={"policy": {"cost_short": 2, "interval_level": 80}}, headers=auth(WHATIF)
    )
    assert at_80.json()["quotas"] == default.json()["quotas"]
    for level in (50, 95):
        assert_problem(
            client.post(
                "/v1/quota", json={"policy": {"cost_short": 2, "interval_level": level}}, headers=auth(WHATIF)
            ),
            422,
            "policy.interval_level",
            "available levels: [80]",
        )


def test_whatif_on_a_run_stored_before_inputs_recorded_their_level(tmp_path, store, keys):
    copy = tmp_path / "store"
    shutil.copytree(store, copy, symlinks=True)
    run_folder = open_run(copy).path
    saved = run_folder / "inputs" / "inputs.json"
    fields = json.loads(saved.read_text(encoding="utf-8"))
    del fields["fields"]["interval_level"]
    saved.write_text(json.dumps(fields), encoding="utf-8")
    manifest_path = run_folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"]["inputs/inputs.json"] = checksum(saved)  # as such a run recorded it, not damage
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with TestClient(create_app(copy, keys)) as old:
        answer = old.post("/v1/quota", json={"policy": {"interval_level": 80}}, headers=auth(WHATIF))
        assert answer.status_code == 200, answer.text
        assert_problem(
            old.post("/v1/quota", json={"policy": {"interval_level": 95}}, headers=auth(WHATIF)),
            422,
            "available levels: [80]",
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["config"]["quota"]["interval_level"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with TestClient(create_app(copy, keys)) as old:
        assert_problem(
            old.post("/v1/quota", json={}, headers=auth(WHATIF)), 409, "do not record their interval level"
        )


# --- ad-hoc forecasts ---------------------------------------------------------------------------------------
def _series(n_series=1, years=8):
    return [
        {"unique_id": f"s{i}", "ds": f"{year}-01-01", "y": float(10 * i + year - 2010)}
        for i in range(n_series)
        for year in range(2015, 2015 + years)
    ]


def test_forecast_equals_the_library(client):
    data = _series(2)
    response = client.post(
        "/v1/forecast", json={"model": "drift", "h": 2, "level": [80], "data": data}, headers=auth(FORECASTER)
    )
    assert response.status_code == 200, response.text
    panel = pd.DataFrame(data).assign(ds=lambda f: pd.to_datetime(f["ds"]))
    expected = sf.forecast(panel, h=2, models="drift", level=[80], progress=False)
    got = pd.DataFrame(response.json()["rows"])
    assert got["unique_id"].tolist() == expected["unique_id"].tolist()
    np.testing.assert_allclose(got["mean"], expected["mean"])
    np.testing.assert_allclose(got["hi_80"], expected["hi_80"])
    one = client.post(
        "/v1/forecast",
        json={
            "model": "naive",
            "h": 1,
            "data": [
                {"unique_id": "a", "ds": "2020-01-01", "y": 1},
                {"unique_id": "a", "ds": "2020-01-01", "y": 2},
            ],
        },
        headers=auth(FORECASTER),
    )
    assert_problem(one, 422)  # a duplicated date: the library's message, as a 422


def test_forecast_limits_name_the_limit(client):
    assert_problem(
        client.post("/v1/forecast", json={"h": 2, "data": _series(51, 2)}, headers=auth(FORECASTER)),
        413,
        "max_series=50",
    )
    assert_problem(
        client.post("/v1/forecast", json={"h": 25, "data": _series(1)}, headers=auth(FORECASTER)),
        422,
        "max_horizon=24",
    )
    assert_problem(
        client.post(
            "/v1/forecast", json={"h": 2, "model": "prophet", "data": _series(1)}, headers=auth(FORECASTER)
        ),
        422,
        "model",
    )
    assert_problem(
        client.post(
            "/v1/forecast",
            json={"h": 2, "data": [{"unique_id": "a", "ds": "2020-01-01", "y": "NaN"}]},
            headers=auth(FORECASTER),
        ),
        422,
        "data.0.y",
    )


def test_forecast_cost_is_bounded_before_it_runs(client):
    # 50 series of 120 years with auto: 6,000 observations × 12 fits = 72,000, over max_cost=60,000.
    body = assert_problem(
        client.post(
            "/v1/forecast", json={"h": 2, "model": "auto", "data": _series(50, 120)}, headers=auth(FORECASTER)
        ),
        413,
        "max_cost=60,000",
        "6000 × 12",
    )
    assert "72,000" in body["detail"]
    # The same series with a model that fits once cost 6,000: answered.
    fits_once = client.post(
        "/v1/forecast", json={"h": 2, "model": "naive", "data": _series(50, 120)}, headers=auth(FORECASTER)
    )
    assert fits_once.status_code == 200, fits_once.text


@pytest.mark.slow
def test_a_forecast_given_up_at_the_request_time_limit_stops_its_worker(store, keys):
    settings = Settings(request_timeout=1.0, forecast_timeout=120)
    with TestClient(create_app(store, keys, settings)) as client:
        pool = client.app.state.pool
        pool.warm()
        (busy,) = pool._all
        started = time.monotonic()
        slow = {"model": "auto", "h": 3, "data": _series(50, 30)}
        assert_problem(client.post("/v1/forecast", json=slow, headers=auth(ADMIN)), 503, "request_timeout=1")
        busy.process.join(5)  # killed, not left computing for the next request to wait on
        assert not busy.process.is_alive()
        assert time.monotonic() - started < 6
        deadline = time.monotonic() + 120
        while not pool._free and time.monotonic() < deadline:  # a new worker is started at once
            time.sleep(0.2)
        (fresh,) = pool._all
        assert fresh is not busy and fresh.process.is_alive()
        quick = client.post(
            "/v1/forecast", json={"model": "naive", "h": 1, "data": _series(1)}, headers=auth(ADMIN)
        )
        assert quick.status_code == 200, quick.text


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"ds": "0001-01-01"}, "data.0.ds"),
        ({"ds": "9999-01-01"}, "data.0.ds"),
        ({"ds": "1677-09-21"}, "data.0.ds"),
        ({"y": 1e308}, "data.0.y"),
        ({"y": -1e308}, "data.0.y"),
        ({"y": True}, "data.0.y"),
    ],
)
def test_forecast_input_out_of_range_is_a_422_naming_the_field(client, row, field):
    data = [{"unique_id": "a", "ds": f"{year}-01-01", "y": 1.0} for year in range(2015, 2020)]
    data[0] |= row
    response = client.post(
        "/v1/forecast", json={"model": "drift", "h": 2, "level": [95], "data": data}, headers=auth(FORECASTER)
    )
    body = assert_problem(response, 422, field)
    assert body["errors"][0]["field"] == field


def test_forecast_past_the_last_date_is_a_422_and_answers_are_finite(client):
    late = [{"unique_id": "a", "ds": f"{year}-01-01", "y": 1.0} for year in range(2190, 2199)]
    assert_problem(
        client.post("/v1/forecast", json={"model": "naive", "h": 20, "data": late}, headers=auth(FORECASTER)),
        422,
        "h: the forecast would run to 2218-01-01, past 2200",
    )
    huge = [{"unique_id": "a", "ds": f"{year}-01-01", "y": (-1) ** year * 1e12} for year in range(2015, 2025)]
    response = client.post(
        "/v1/forecast", json={"model": "drift", "h": 3, "level": [99], "data": huge}, headers=auth(FORECASTER)
    )
    assert response.status_code in (200, 422), response.text
    json.loads(response.text, parse_constant=lambda name: pytest.fail(f"{name} in the answer"))


def test_the_worker_encodes_inside_its_error_handling(monkeypatch):
    from staffing_forecast.service import workers

    monkeypatch.setattr(workers, "run_forecast", lambda request: {"rows": [{"mean": float("inf")}]})
    answer = json.loads(workers._answer(b"{}", sf.StaffingForecastError))
    assert answer["kind"] == "internal" and answer["error"].startswith("ValueError")
    assert "Traceback" in answer["traceback"]


def test_forecast_past_its_time_limit_is_stopped(store, keys):
    with TestClient(create_app(store, keys, Settings(forecast_timeout=0.01))) as client:
        response = client.post(
            "/v1/forecast", json={"model": "auto", "h": 3, "data": _series(20, 12)}, headers=auth(ADMIN)
        )
        assert_problem(response, 504, "forecast_timeout")
        pool = client.app.state.pool
        assert not pool._all  # the worker that ran over was killed, not kept


def test_request_time_limit(store, keys):
    with TestClient(create_app(store, keys, Settings(request_timeout=0.001))) as client:
        assert_problem(client.post("/v1/quota", json={}, headers=auth(ADMIN)), 503, "request_timeout")


def test_body_too_large_is_refused_before_it_is_read(store, keys):
    app = create_app(store, keys, Settings(max_body_bytes=1000))
    sent, read = [], []

    async def receive():
        read.append(True)
        return {"type": "http.request", "body": b"{}" * 10_000, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/v1/forecast", "raw_path": b"/v1/forecast", "root_path": "", "query_string": b"",
        "headers": [(b"content-length", b"20000"), (b"content-type", b"application/json"),
                    (b"authorization", f"Bearer {ADMIN}".encode())],
        "client": ("127.0.0.1", 1), "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413 and not read
    body = json.loads(sent[1]["body"])
    assert body["status"] == 413 and "max_body_bytes=1000" in body["detail"]
    with TestClient(app) as client:  # without a length (chunked), the count stops it too
        chunks = (b'{"h": 1, "data": [' + b" " * 600 for _ in range(3))
        assert_problem(
            client.post("/v1/forecast", content=chunks, headers=auth(ADMIN)), 413, "max_body_bytes"
        )


def test_a_500_logs_its_traceback_as_json_with_the_request_id(store, keys, monkeypatch):
    from staffing_forecast.service.logs import JsonLines

    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("staffing_forecast.service")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel("INFO")
    try:
        with TestClient(create_app(store, keys), raise_server_exceptions=False) as client:

            def broken(run):
                raise RuntimeError("the quota table is broken")

            monkeypatch.setattr(client.app.state.reader, "quotas", broken)
            response = client.get(
                "/v1/runs/latest/quotas", headers=auth(READER, **{"X-Request-ID": "boom-0001"})
            )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    body = assert_problem(response, 500, "the operators have the details in its log")
    assert "quota table is broken" not in response.text and body["request_id"] == "boom-0001"
    records = [json.loads(line) for line in lines]  # every line is JSON
    assert all(record["request_id"] == "boom-0001" for record in records)
    (failure,) = [record for record in records if record["level"] == "error"]
    assert failure["message"].endswith(
        "RuntimeError on GET /v1/runs/latest/quotas: the quota table is broken"
    )
    assert "Traceback" in failure["traceback"] and "the quota table is broken" in failure["traceback"]
    access = [record for record in records if record["logger"].endswith("access")]
    assert access[-1]["status"] == 500


def test_worker_output_on_stderr_is_json_lines():
    import io

    from staffing_forecast.service.workers import _JsonStderr

    stream = io.StringIO()
    print("a library's line", file=_JsonStderr(stream))
    print("Traceback (most recent call last):\n  File x\nValueError: bad", file=_JsonStderr(stream), end="\n")
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [r["message"] for r in records][:2] == ["a library's line", "Traceback (most recent call last):"]
    assert all(r["logger"] == "staffing_forecast.service.worker" for r in records)


def test_docs_are_served_without_a_cdn(store, keys):
    with TestClient(create_app(store, keys)) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in page.text
        assert "http://" not in page.text and "https://" not in page.text
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert client.get(f"/docs/assets/{asset}").status_code == 200
    with TestClient(create_app(store, keys, Settings(docs=False))) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 200


def test_policy_numbers_are_strictly_typed(client):
    for field, value in (
        ("min_employers", False),
        ("min_group", True),
        ("cost_short", "2"),
        ("min_group", 15.5),
        ("interval_level", True),
        ("interval_level", 100),
    ):
        assert_problem(
            client.post("/v1/quota", json={"policy": {field: value}}, headers=auth(WHATIF)),
            422,
            f"policy.{field}",
        )
    # JSON Schema's integer: 15.0 is the whole number 15.
    whole = client.post("/v1/quota", json={"policy": {"min_group": 15.0}}, headers=auth(WHATIF))
    assert whole.status_code == 200 and whole.json()["policy"]["min_group"] == 15


def test_errors_are_problems(client):
    assert_problem(client.get("/nowhere"), 404, "no endpoint")
    assert_problem(client.delete("/v1/runs", headers=auth(ADMIN)), 405)
    assert_problem(
        client.post(
            "/v1/quota", content=b"{not json", headers=auth(ADMIN, **{"Content-Type": "application/json"})
        ),
        422,
    )


def test_cors_is_off_by_default(client, store, keys):
    preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"}
    assert "access-control-allow-origin" not in client.options("/v1/runs", headers=preflight).headers
    assert (
        "access-control-allow-origin"
        not in client.get("/health", headers={"Origin": "https://elsewhere.example"}).headers
    )
    opened = TestClient(create_app(store, keys, Settings(cors_origins=("https://stats.example",))))
    allowed = opened.get("/health", headers={"Origin": "https://stats.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://stats.example"


# --- a run being written ------------------------------------------------------------------------------------
def test_a_run_being_written_is_not_served_and_latest_moves(tmp_path, store, keys):
    root = tmp_path / "store"
    shutil.copytree(store, root, ignore=shutil.ignore_patterns("evil", "lock.json"))
    old = RunStore(root).latest()
    new = "29990101T000000.000Z-abcdef01"
    shutil.copytree(root / "runs" / old, root / "runs" / new)
    manifest = json.loads((root / "runs" / new / "manifest.json").read_text(encoding="utf-8"))
    (root / "runs" / new / "manifest.json").write_text(
        json.dumps(manifest | {"status": "running"}), encoding="utf-8"
    )
    table = pd.read_parquet(root / "runs" / new / "forecasts.parquet")
    table.assign(mean=table["mean"] + 1000).to_parquet(root / "runs" / new / "forecasts.parquet")
    with TestClient(create_app(root, keys)) as client:
        first = client.get("/v1/runs/latest/forecasts", params={"limit": 1}, headers=auth(ADMIN)).json()
        assert first["run"] == old
        for suffix in ("/forecasts", "/quotas", "/quotas/x/y/2026/explain"):
            response = client.get(f"/v1/runs/{new}{suffix}", headers=auth(ADMIN))
            assert response.status_code in (409, 422), response.text
        assert_problem(client.get(f"/v1/runs/{new}/forecasts", headers=auth(ADMIN)), 409, "'running'")
        assert_problem(client.post("/v1/quota", json={"run": new}, headers=auth(ADMIN)), 409, "not complete")
        listed = {r["run"]: r["status"] for r in client.get("/v1/runs", headers=auth(ADMIN)).json()["runs"]}
        assert listed[new] in ("running", "interrupted") and listed[old] == "complete"
        # The job finishes: manifest complete (with its files' checksums), then latest moves; the next request
        # answers from the new run.
        RunStore(root).complete(RunFolder(root / "runs" / new, manifest))
        RunStore(root).set_latest(new)
        second = client.get("/v1/runs/latest/forecasts", params={"limit": 1}, headers=auth(ADMIN)).json()
        assert second["run"] == new and second["rows"][0]["mean"] == pytest.approx(
            first["rows"][0]["mean"] + 1000
        )
        # A cursor taken on the old run keeps paging the old run.
        page = client.get(
            "/v1/runs/latest/forecasts",
            params={"limit": 1, "cursor": first["next_cursor"]},
            headers=auth(ADMIN),
        ).json()
        assert page["run"] == old
        assert client.get("/ready").json()["latest"] == new


# --- the command ----------------------------------------------------------------------------------------------
def test_serve_refuses_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("STAFFING_FORECAST_API_KEYS", raising=False)
    assert main(["serve", "--store", str(tmp_path)]) == 2
    assert "no API keys" in capsys.readouterr().err
    assert main(["serve", "--store", str(tmp_path / "missing"), "--api-keys-file", str(tmp_path / "k")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such folder" in err


def test_serve_without_the_extra_says_how_to_install(tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m.startswith("staffing_forecast.service")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "fastapi", None)
    assert main(["serve", "--store", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install "staffing_forecast[service]"' in err


def test_library_import_does_not_need_the_service():
    import subprocess

    code = (
        "import sys, staffing_forecast; assert 'fastapi' not in sys.modules and 'uvicorn' not in sys.modules"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_serve_runs_the_real_server_and_stops_gracefully(store, tmp_path):
    import os
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    keys = tmp_path / "keys.txt"
    keys.write_text(f"{READER}:read\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "STAFFING_FORECAST_API_KEYS"}
    command = [sys.executable, "-m", "staffing_forecast.cli", "serve", "--store", str(store), "--port", str(port),
               "--api-keys-file", str(keys)]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, ready = time.monotonic() + 120, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                    ready = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.3)
        assert ready is not None and ready["status"] == "ready"
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/runs/latest/quotas", headers={"Authorization": f"Bearer {READER}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["quotas"]
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=30)
        # uvicorn shuts down, then re-raises the signal so that the exit status tells why the process ended.
        assert server.returncode in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate(timeout=10)
    records = [json.loads(line) for line in log.splitlines()]  # every line is JSON, the worker's too
    assert [record for record in records if "request_id" not in record] == []
    access = [record for record in records if record["logger"] == "staffing_forecast.service.access"]
    assert any(line["route"] == "/v1/runs/{run_id}/quotas" and line["status"] == 200 for line in access)
    assert READER not in log and "Application shutdown complete" in log
