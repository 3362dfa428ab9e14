"""The run.toml keys the pages, the notebooks and the library's own messages name are keys the job knows."""

from __future__ import annotations

import keyword
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

import staffing_forecast as sf
from staffing_forecast.pipeline import parse_config

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("sources", "series", "forecast", "adjustments", "quota", "output", "parallel")
#: «[parallel] scheduler», «[series] gaps = "zero"»: a section and one of its keys, as text names them.
_MENTION = re.compile(r"\[(" + "|".join(SECTIONS) + r")\] ([a-z_]+)\b")


def texts() -> dict[str, str]:
    """Every page, notebook and module of the library, by its path."""
    files = [
        ROOT / "README.md",
        *sorted((ROOT / "docs").rglob("*.md")),
        *sorted((ROOT / "notebooks").glob("*.ipynb")),
    ]
    files += sorted((ROOT / "src" / "staffing_forecast").rglob("*.py"))
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in files}


@cache
def known_keys(section: str) -> set[str]:
    """The keys the job reads in ``section``, as its error for an unknown key lists them."""
    data = {"sources": {"demo": True}} | {section: {"no_such_key": 1}}
    if section == "sources":
        data["sources"]["no_such_key"] = 1
    with pytest.raises(sf.ConfigError, match="unknown key") as caught:
        parse_config(data)
    listed = re.search(r"Known keys: (.*)\.$", str(caught.value))
    assert listed is not None
    return set(listed[1].split(", "))


def test_every_key_a_page_a_notebook_or_a_message_names_is_a_key_of_run_toml():
    named = {
        (path, section, key)
        for path, text in texts().items()
        for section, key in _MENTION.findall(text)
        if not keyword.iskeyword(key)  # code such as `[series] if isinstance(...)`, not a mention
    }
    assert ("notebooks/06_scale.ipynb", "parallel", "scheduler") in named
    unknown = sorted(
        (path, f"[{section}] {key}") for path, section, key in named if key not in known_keys(section)
    )
    assert not unknown, unknown


def test_the_notebook_extra_installs_a_jupyter_front_end():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert any(re.match(r"jupyterlab\b", requirement) for requirement in extras["notebook"])
