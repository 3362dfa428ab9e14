"""The run's pictures: PNG files in ``runs/<id>/plots/``, drawn off screen, each one on its own.

A picture that cannot be drawn (too few series for it, say) is left out with its reason, which the run log and the
manifest record; the run goes on. A store that cannot be written stops the run as any other write does.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ConfigError
from ..plot._common import off_screen
from ..schema import MEAN, UNIQUE_ID
from ..store import StoreError, write_figure

if TYPE_CHECKING:
    from ..hierarchy import Hierarchy
    from ..quota import QuotaResult

__all__ = ["PLOTS", "Drawn", "draw_plots"]

#: Every picture a run can draw, in order, with its file in ``plots/``.
PLOTS = {
    "forecast": "forecast.png",
    "reconciliation": "reconciliation.png",
    "coverage_map": "coverage_map.png",
    "quota_waterfall": "quota_waterfall.png",
    "track_record": "track_record.png",
}
# Small multiples of at most this many series (the largest first).
_PANELS = 6
_DPI = 100
log = logging.getLogger("staffing_forecast.pipeline")


@dataclass
class Drawn:
    """What :func:`draw_plots` wrote (paths relative to the run folder) and what it left out, with why."""

    files: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the files drawn and the plots skipped (with why) as plain data for the manifest."""
        return {"files": list(self.files), "skipped": [dict(s) for s in self.skipped]}


def draw_plots(
    folder: Path,
    *,
    forecasts: pd.DataFrame,
    panel: pd.DataFrame,
    lang: str,
    base: pd.DataFrame | None = None,
    reconciled: pd.DataFrame | None = None,
    hierarchy: Hierarchy | None = None,
    quota: QuotaResult | None = None,
    store: Path | None = None,
) -> Drawn:
    """Draw the run's pictures into ``folder/plots/`` as PNG files; return the files written and those left out.

    The fan chart of the largest series (at most six panels, history and intervals); with ``hierarchy``, the
    reconciliation of the coarsest totals (``base`` against ``reconciled``); with ``quota``, the coverage map and
    the waterfall of the largest quota cell; with earlier vintages published in ``store``, the track record of the
    largest series they hold. Labels are in ``lang``. Each picture is drawn on its own: one that fails is listed in
    ``skipped`` with the reason, and the others are still drawn.

    Parameters
    ----------
    folder
        The run folder; the pictures go to its ``plots/``.
    forecasts
        The run's forecast, one model per series (as in ``forecasts.parquet``).
    panel
        The history of every forecast series (``unique_id``, ``ds``, ``y``).
    lang
        ``"ru"`` or ``"en"``.
    base, reconciled, hierarchy
        The forecasts before and after reconciliation and their hierarchy, when the run reconciled.
    quota
        The run's :class:`~staffing_forecast.quota.QuotaResult`, when the quota ran.
    store
        The run store, whose published vintages (from earlier runs) make the track record.

    Returns
    -------
    Drawn
        ``files``: the pictures written (``plots/forecast.png``, ...); ``skipped``: ``{"plot", "reason"}`` each.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> fc = sf.forecast(panel, h=2, models="naive", level=[80])
    >>> draw_plots(pathlib.Path(tempfile.mkdtemp()), forecasts=fc, panel=panel, lang="en").files
    ['plots/forecast.png']
    """
    from .. import plot

    drawings: dict[str, Callable[[], Any]] = {
        "forecast": lambda: plot.forecast(forecasts, panel, max_series=_PANELS, lang=lang),
    }
    if hierarchy is not None and base is not None and reconciled is not None:
        drawings["reconciliation"] = lambda: plot.reconciliation(
            base, reconciled, hierarchy, panel, max_series=_PANELS, lang=lang
        )
    if quota is not None:
        drawings["coverage_map"] = lambda: plot.coverage_map(quota, lang=lang)
        drawings["quota_waterfall"] = lambda: _waterfall(quota, lang)
    if store is not None and _has_vintages(store):
        drawings["track_record"] = lambda: _track_record(store, forecasts, panel, lang)
    out = Drawn()
    target = folder / "plots"
    for name, draw in drawings.items():
        path = target / PLOTS[name]
        began = time.perf_counter()
        try:
            with off_screen():
                figure = _figure_of(draw())
            _make_folder(target)
            try:
                write_figure(figure, path, dpi=_DPI)
            finally:
                _close(figure)
        except StoreError:
            raise  # the store cannot be written: the run fails as for any other file
        except Exception as error:  # a picture is not worth the run: left out, with the reason
            reason = str(error) if isinstance(error, ConfigError) else f"{type(error).__name__}: {error}"
            log.warning("plot %s not drawn: %s", name, reason, exc_info=not isinstance(error, ConfigError))
            out.skipped.append({"plot": name, "reason": reason})
            continue
        out.files.append(f"plots/{PLOTS[name]}")
        log.info("plot %s written to %s in %.1f s", name, path, time.perf_counter() - began)
    return out


def _make_folder(target: Path) -> None:
    try:
        target.mkdir(exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"cannot write {target}: {error.strerror or error}; free space or choose another --out."
        ) from None


def _figure_of(drawn: Any) -> Any:
    """Return the figure of what a plot function returned (an Axes or a Figure)."""
    from matplotlib.figure import Figure

    return drawn if isinstance(drawn, Figure) else drawn.figure


def _close(figure: Any) -> None:
    """Close a figure pyplot may hold; one drawn off screen is not held and is freed once unreferenced."""
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close(figure)


def _waterfall(quota: QuotaResult, lang: str) -> Any:
    """Draw the waterfall of the quota cell with the most places (the first such when several tie)."""
    from .. import plot

    table = quota.table
    if table.empty:
        raise ConfigError("quota_waterfall: the quota table is empty; there is no cell to explain.")
    row = table.loc[table["quota"].idxmax()]
    log.info("quota waterfall of %s %s, intake %s", row["specialty"], row["level"], row["intake_year"])
    return plot.quota_waterfall(
        quota, str(row["specialty"]), str(row["level"]), int(row["intake_year"]), lang=lang
    )


def _has_vintages(store: Path) -> bool:
    from .. import tracking

    if not (store / "vintages").is_dir():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tracking.IncompleteVintageWarning)  # the track record stage tells
        return not tracking.vintages(store, "forecast").empty


def _track_record(store: Path, forecasts: pd.DataFrame, panel: pd.DataFrame, lang: str) -> Any:
    """Earlier vintages of the largest series they share with this run, against its actuals."""
    from .. import plot, tracking

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tracking.IncompleteVintageWarning)  # the track record stage tells
        published: set[str] = set()
        for vintage in tracking.vintages(store, "forecast")["vintage"]:
            published |= set(tracking.load_vintage(store, vintage, "forecast")[UNIQUE_ID])
        size = forecasts.groupby(UNIQUE_ID)[MEAN].mean().sort_values(ascending=False, kind="stable")
        shared = [uid for uid in size.index if uid in published]
        if not shared:
            raise ConfigError(
                "track_record: no earlier vintage holds a series of this run (they were made for other series)."
            )
        return plot.track_record(store, panel, shared[0], lang=lang)
