"""The documentation site builds without a warning, and every plot has its picture in the Plots chapter."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import staffing_forecast as sf

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path):
    """A broken link, a missing page or a docstring griffe cannot parse fails the build."""
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reference = (tmp_path / "site" / "reference" / "plot" / "index.html").read_text(encoding="utf-8")
    for name in sf.plot.__all__:
        assert f'id="staffing_forecast.plot.{name}"' in reference, name
    top = (tmp_path / "site" / "reference" / "index.html").read_text(encoding="utf-8")
    assert 'id="staffing_forecast.forecast"' in top and 'id="staffing_forecast.adjust.adjust"' in top


def test_every_plot_has_a_picture_in_the_plots_chapter():
    chapter = (ROOT / "docs" / "plots.md").read_text(encoding="utf-8")
    pictures = set(re.findall(r"\]\(images/(\w+)\.png\)", chapter))
    drawn = {name for name in sf.plot.__all__ if name != "series_title"}
    assert drawn <= pictures, f"no picture in docs/plots.md for {sorted(drawn - pictures)}"
    for name in pictures:
        assert (ROOT / "docs" / "images" / f"{name}.png").is_file(), name


# Public modules whose every function shows an example in the reference (run as a doctest).
_WITH_EXAMPLES = (
    sf,
    sf.plot,
    sf.monitoring,
    sf.tracking,
    sf.report,
    sf.datasets,
    sf.reference,
    sf.features,
    sf.loaders,
    sf.metrics,
    sf.display,
    sf.pipeline,
    sf.quota,
    sf.disclosure,
)


@pytest.mark.parametrize("module", _WITH_EXAMPLES, ids=lambda m: m.__name__)
def test_every_public_function_has_an_example(module):
    import inspect

    missing = [
        name
        for name in module.__all__
        if inspect.isfunction(getattr(module, name))
        and ">>>" not in (inspect.getdoc(getattr(module, name)) or "")
    ]
    assert not missing, f"{module.__name__}: no example in the docstring of {missing}"
