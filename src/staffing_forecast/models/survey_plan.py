"""``SurveyPlan``: employers' own stated plans, corrected by how their earlier plans turned out.

The employer survey asks each year ``V`` (the vintage) for last year's headcount (fact, ``V-1``), this year's
estimate (``V``) and plans for ``V+1``..``V+5``. For a series whose last observed year is ``c``:

1. take the latest vintage ``V* ≤ c`` (a fit at ``c`` never sees a plan made after ``c``);
2. project from the last actual with the plan's own growth: ``proj_t = (y_c + 1) · (P(V*, t) + 1) /
   (P(V*, c) + 1) − 1`` (the ``+1`` keeps zero head counts finite); beyond the plan's last year the last
   planned level is held;
3. correct the projection by the historical bias of plans at that plan horizon ``k = t − (V* − 1)``:
   ``mean_t = (proj_t + 1) · exp(b_k) − 1``. The bias is the mean log error ``log((y_t + 1)/(proj_t + 1))`` of
   earlier vintages whose outcome is known by ``c``, for the employer, shrunk towards its occupation's and then
   towards everyone's (a pseudo-count of ``shrinkage`` observations);
4. intervals come from the spread of past bias-corrected log errors at each plan horizon, pooled across series
   (empirical quantiles, as in split conformal prediction).

Series without a usable plan fail with a reason, and the engine falls back (the ``fallback`` column says so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ConfigError, SchemaError, SeriesFailure
from ..schema import DS, UNIQUE_ID, Y, check_level, hi, lo, make_unique_id
from .base import LocalModel, split_panel

__all__ = ["SurveyPlan"]

_PLAN_KEYS = ["region", "sector", "employer", "occupation"]


@dataclass(kw_only=True, eq=False)
class SurveyPlan(LocalModel):
    """Forecast from the employers' survey plans, corrected by each employer's and occupation's plan bias.

    Parameters
    ----------
    plans
        The ``plans`` table of a bundle (``region, sector, employer, occupation, vintage, ds, kind, value``).
    shrinkage
        Pseudo-count pulling an employer's bias towards its occupation's, and that towards the overall bias.
    min_errors
        Fewest past errors at a plan horizon to estimate its spread; fewer is a failure for intervals there.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> demo = sf.datasets.load_demo()
    >>> history = demo.employment[demo.employment["ds"].dt.year <= 2022]
    >>> fc = sf.forecast(history, h=3, models={"plan": SurveyPlan(plans=demo.plans)}, level=[80])
    >>> bool((fc["lo_80"] <= fc["mean"]).all()), bool((fc["fallback"] != "").any())  # a few have no plan
    (True, True)
    """

    name: ClassVar[str] = "survey_plan"

    plans: pd.DataFrame | None = field(default=None, repr=False)
    shrinkage: float = 5.0
    min_errors: int = 20

    def __post_init__(self) -> None:
        if self.plans is None:
            raise ConfigError("SurveyPlan needs plans=bundle.plans (the employer survey plans by vintage).")
        missing = [c for c in [*_PLAN_KEYS, "vintage", DS, "kind", "value"] if c not in self.plans.columns]
        if missing:
            raise SchemaError(
                f"SurveyPlan: plans lack column(s) {missing}; pass the plans table of a bundle."
            )
        if self.shrinkage < 0:
            raise ConfigError(f"SurveyPlan: shrinkage={self.shrinkage}; use 0 or more.")

    # --- fitting: pooled bias and spread, then one state per series -----------------------------------------
    def fit_panel(
        self, y: pd.DataFrame, X: pd.DataFrame | None = None, freq: str | None = None
    ) -> dict[str, str]:
        """Pool the plans' past bias and spread, then fit every series.

        Returns ``{unique_id: reason}`` for the series that could not be fitted.
        """
        panel = self._prepare(y, X, freq)
        if self.freq_ != "YS":
            raise ConfigError(
                "SurveyPlan forecasts annual panels (plans are yearly); convert with sf.to_annual."
            )
        ids, arrays, last = split_panel(panel)
        years = {uid: panel.loc[panel[UNIQUE_ID] == uid, DS].dt.year.to_numpy() for uid in ids}
        plans = self._plan_table(set(ids))
        actual = {
            uid: dict(zip(years[uid], values, strict=True)) for uid, values in zip(ids, arrays, strict=True)
        }
        self.last_ds_ = dict(zip(ids, last, strict=True))
        self.y_ = dict(zip(ids, arrays, strict=True))
        history = self._past_errors(plans, actual)
        self._bias, self._spread = self._pool(history)
        self.states_ = {}
        failures: dict[str, str] = {}
        for uid, values in zip(ids, arrays, strict=True):
            cutoff = int(pd.Timestamp(self.last_ds_[uid]).year)
            try:
                self.states_[uid] = self._state(uid, cutoff, values[-1], plans.get(uid))
            except SeriesFailure as exc:
                failures[uid] = f"{self.name} failed ({exc.args[0]})"
        fitted = [
            self._in_sample(uid, years[uid], values, plans.get(uid))
            for uid, values in zip(ids, arrays, strict=True)
        ]
        self.fitted_ = panel[[UNIQUE_ID, DS, Y]].assign(fitted=np.concatenate(fitted) if fitted else [])
        return failures

    def _in_sample(
        self, uid: str, years: np.ndarray, values: np.ndarray, table: pd.DataFrame | None
    ) -> np.ndarray:
        """One-step fitted values: each year forecast from the year before with the plans made by then."""
        out = np.full(values.size, np.nan)
        for i in range(1, values.size):
            try:
                state = self._state(uid, int(years[i - 1]), values[i - 1], table)
            except SeriesFailure:
                continue  # no plan made by then: no fitted value
            out[i] = self._predict_one(state, 1, ())["mean"][0]
        return out

    def _plan_table(self, ids: set[str]) -> dict[str, pd.DataFrame]:
        plans = self.plans
        assert plans is not None
        uid = make_unique_id(plans, _PLAN_KEYS)
        keep = uid.isin(ids)
        table = plans.loc[keep, ["vintage", DS, "value"]].assign(
            **{UNIQUE_ID: uid[keep], "year": plans.loc[keep, DS].dt.year}
        )
        return {u: g for u, g in table.groupby(UNIQUE_ID, sort=False)}

    def _past_errors(
        self, plans: dict[str, pd.DataFrame], actual: dict[str, dict[int, float]]
    ) -> pd.DataFrame:
        """Log errors of every past projection whose outcome is in the data: (uid, k, error)."""
        rows = []
        for uid, table in plans.items():
            observed = actual[uid]
            cutoff = max(observed)
            for vintage, g in table.groupby("vintage"):
                base_year = int(vintage) - 1
                if vintage > cutoff or base_year not in observed:
                    continue
                path = dict(zip(g["year"], g["value"], strict=True))
                if base_year not in path:
                    continue
                for year, planned in path.items():
                    if year <= base_year or year > cutoff or year not in observed:
                        continue
                    proj = (observed[base_year] + 1) * (planned + 1) / (path[base_year] + 1) - 1
                    rows.append((uid, year - base_year, math.log((observed[year] + 1) / (max(proj, 0) + 1))))
        return pd.DataFrame(rows, columns=[UNIQUE_ID, "k", "error"])

    def _pool(self, history: pd.DataFrame) -> tuple[dict[tuple[str, int], float], dict[int, np.ndarray]]:
        """Shrunk bias per (series, horizon) and the bias-corrected errors per horizon."""
        self._overall: dict[int, float] = {}
        self._occ_bias: dict[tuple[str, int], float] = {}
        if history.empty:
            return {}, {}
        keys = history[UNIQUE_ID].str.split("/", expand=True)
        history = history.assign(employer=keys[2], occupation=keys[3])
        s = self.shrinkage
        overall = history.groupby("k")["error"].mean()
        occ = history.groupby(["occupation", "k"])["error"].agg(["sum", "count"])
        emp = history.groupby([UNIQUE_ID, "k"])["error"].agg(["sum", "count"])
        occ_bias = {
            (o, k): (row["sum"] + s * overall[k]) / (row["count"] + s) for (o, k), row in occ.iterrows()
        }
        bias = {}
        for (uid, k), row in emp.iterrows():
            prior = occ_bias[(uid.split("/")[3], k)]
            bias[(uid, k)] = (row["sum"] + s * prior) / (row["count"] + s)
        self._overall, self._occ_bias = overall.to_dict(), occ_bias
        corrected = history["error"] - [
            bias[(u, k)] for u, k in zip(history[UNIQUE_ID], history["k"], strict=True)
        ]
        spread = {int(k): corrected[history["k"] == k].to_numpy() for k in sorted(history["k"].unique())}
        return bias, spread

    def _state(self, uid: str, cutoff: int, last: float, table: pd.DataFrame | None) -> Any:
        usable = table[table["vintage"] <= cutoff] if table is not None else None
        if usable is None or usable.empty:
            raise SeriesFailure(f"no survey plan made by {cutoff}")
        vintage = int(usable["vintage"].max())
        g = usable[usable["vintage"] == vintage]
        path = dict(zip(g["year"].astype(int), g["value"].astype(float), strict=True))
        if cutoff not in path:
            raise SeriesFailure(f"the latest plan (vintage {vintage}) does not cover {cutoff}")
        occupation = uid.split("/")[3] if uid.count("/") >= 3 else ""
        return {
            "uid": uid,
            "cutoff": cutoff,
            "last": float(last),
            "vintage": vintage,
            "path": path,
            "occupation": occupation,
        }

    def _bias_for(self, state: dict[str, Any], k: int) -> float:
        key = (state["uid"], k)
        if key in self._bias:
            return self._bias[key]
        if (state["occupation"], k) in self._occ_bias:
            return float(self._occ_bias[(state["occupation"], k)])
        return float(self._overall.get(k, 0.0))

    # --- prediction ---------------------------------------------------------------------------------------
    def _predict_one(self, state: Any, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        path, cutoff, vintage = state["path"], state["cutoff"], state["vintage"]
        last_plan_year = max(path)
        mean = np.empty(h)
        log_lo = {lv: np.empty(h) for lv in level}
        log_hi = {lv: np.empty(h) for lv in level}
        for j in range(h):
            year = min(cutoff + j + 1, last_plan_year)
            k = year - (vintage - 1)
            proj = (state["last"] + 1) * (path[year] + 1) / (path[cutoff] + 1) - 1
            mean[j] = (max(proj, 0) + 1) * math.exp(self._bias_for(state, k)) - 1
            if level:
                errors = self._spread.get(k, np.empty(0))
                if errors.size < self.min_errors:
                    raise SeriesFailure(
                        f"only {errors.size} past plan errors at horizon {k} to set an interval "
                        f"({self.min_errors} needed)"
                    )
                for lv in level:
                    q_lo, q_hi = np.quantile(errors, [0.5 - lv / 200, 0.5 + lv / 200])
                    log_lo[lv][j], log_hi[lv][j] = q_lo, q_hi
        out = {"mean": mean}
        for lv in check_level(level) if level else ():
            out[lo(lv)] = (mean + 1) * np.exp(np.minimum(log_lo[lv], 0)) - 1
            out[hi(lv)] = (mean + 1) * np.exp(np.maximum(log_hi[lv], 0)) - 1
        return out
