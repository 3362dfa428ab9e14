"""Every code block of the documentation marked runnable runs as written, so the pages cannot drift from the code.

A block is runnable when the line right before its ```` ```python ```` fence is ``<!-- run -->`` (invisible on
the rendered page). The marked blocks of one page run in order in one namespace, so a later block may use what
an earlier one made, in a folder holding what ``staffing-forecast demo --out demo-output`` writes: the demo's
tables in ``data/`` and ``demo-output/data/``, the filled survey forms in ``forms/`` and ``demo-output/forms/``
and the staff table ``demo-output/staff.csv``.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

import staffing_forecast as sf

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
MARKER = "<!-- run -->"
_BLOCK = re.compile(r"^<!-- run -->\n```python\n(.*?)^```", re.S | re.M)
_MARKER_LINE = re.compile(r"^<!-- run -->$", re.M)  # a marker is a line of its own (a mention in text is not)


def runnable_blocks(text: str) -> list[str]:
    """The code of every block marked runnable, in page order."""
    return [match[1] for match in _BLOCK.finditer(text)]


def marked_pages() -> list[Path]:
    return [page for page in PAGES if _MARKER_LINE.search(page.read_text(encoding="utf-8"))]


def test_every_marker_stands_right_before_a_python_block():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert len(_MARKER_LINE.findall(text)) == len(runnable_blocks(text)), (
            f"{page.relative_to(ROOT)}: a {MARKER} marker not on the line right before a ```python block"
        )
    names = {page.relative_to(ROOT).as_posix() for page in marked_pages()}
    assert {"README.md", "docs/getting-started.md", "docs/ru/index.md", "docs/quota.md"} <= names


@pytest.fixture(scope="module")
def received(tmp_path_factory, demo):
    """A folder with what the demo writes, as the pages assume."""
    folder = tmp_path_factory.mktemp("docs")
    for base in (folder, folder / "demo-output"):
        sf.write_bundle(demo, base / "data")
        sf.datasets.write_examples(base, demo)
    return folder


@pytest.mark.slow
# A reader sees the library's warnings too (a metric leaving rows out); they are part of the page, not a failure.
@pytest.mark.filterwarnings("default::staffing_forecast.errors.StaffingForecastWarning")
@pytest.mark.parametrize("page", marked_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_runnable_blocks_of_a_page_run(page, received, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.chdir(received)
    namespace: dict[str, object] = {}
    for i, code in enumerate(runnable_blocks(page.read_text(encoding="utf-8"))):
        code = code.replace("n_jobs=-1", "n_jobs=1")  # one worker: the test suite shares the cores
        exec(compile(code, f"{page.name} block {i + 1}", "exec"), namespace)  # our own documentation
    plt.close("all")
