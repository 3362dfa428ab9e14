"""The README's tour runs as written, on the files the demo writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import staffing_forecast as sf

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_the_readme_tour_runs_on_what_the_demo_writes(tmp_path, monkeypatch, demo):
    tour = re.search(r"## A short tour.*?```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert tour is not None
    # What `staffing-forecast demo --out demo-output` writes for the tour (test_cli checks that the demo does).
    sf.write_bundle(demo, tmp_path / "demo-output" / "data")
    sf.datasets.write_examples(tmp_path / "demo-output", demo)
    monkeypatch.chdir(tmp_path)
    code = tour[1].replace("n_jobs=-1", "n_jobs=1")  # one worker: the test suite shares the cores
    namespace: dict[str, object] = {}
    exec(compile(code, str(README), "exec"), namespace)  # the README is ours
    assert len(namespace["own"]) > 0 and namespace["survey"].staff["employer"].nunique() == 3
    assert (tmp_path / "forecast.xlsx").exists() and (tmp_path / "quota.xlsx").exists()
