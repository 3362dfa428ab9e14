"""``sf.reconcile``: make a forecast of every level of a hierarchy add up, with intervals to match.

The function is ``sf.reconcile``; this module, ``sf.reconciliation``, also holds its constants: the method names
:data:`METHODS` (``sf.reconciliation.METHODS``), :data:`TREE_ONLY`, :data:`DENSE_LIMIT` and :data:`PROBES`.

The base forecasts of all series (``sf.forecast`` of ``Hierarchy.aggregate(panel)``) are projected onto the
coherent subspace: bottom-up, top-down, middle-out and the least-squares (MinT) family. hierarchicalforecast is the
engine for every method up to :data:`DENSE_LIMIT` series. Above it the least-squares methods are solved here,
exactly and sparsely (the zero-constrained form below), because the dense covariance is quadratic in the number of
series and hierarchicalforecast's iterative sparse solver is slower; ``mint_shrink`` then becomes ``wls_var`` (the
diagonal of the shrunk covariance), and the ``note`` column says so.

Intervals are the normal approximation with the reconciled covariance: the base standard deviation of each series
and step is read from its widest upper bound (``(hi_L − mean) / z_L``, unaffected by clipping at 0); base errors are
correlated as their in-sample residuals (the Schäfer–Strimmer shrunk correlation, identity without ``fitted``);
the reconciled variance is ``diag(S P Σ_h Pᵀ Sᵀ)``. Above :data:`DENSE_LIMIT` series ``Σ_h`` is diagonal and
the diagonal of the reconciled covariance is estimated from :data:`PROBES` random ±1 probes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import linalg as sparse_linalg
from scipy.stats import norm

from .errors import ConfigError, SchemaError, closest
from .hierarchy import Hierarchy
from .models.base import join_notes, nest_intervals
from .schema import DS, FALLBACK, MEAN, MODEL, NOTE, UNIQUE_ID, Y, hi, lo

__all__ = ["DENSE_LIMIT", "METHODS", "PROBES", "TREE_ONLY", "reconcile"]

#: Reconciliation methods, by name.
METHODS = (
    "bottom_up",
    "top_down_historical",
    "top_down_forecast",
    "middle_out",
    "ols",
    "wls_struct",
    "wls_var",
    "mint_shrink",
)
_NEEDS_RESIDUALS = ("wls_var", "mint_shrink")
_LEAST_SQUARES = ("ols", "wls_struct", "wls_var", "mint_shrink")
#: Methods that split top series down a strict tree (``Hierarchy.is_tree``).
TREE_ONLY = ("top_down_historical", "top_down_forecast", "middle_out")
#: Above this many series (all levels) the default is sparse: see ``docs/performance.md`` for the measurement.
DENSE_LIMIT = 2_000
#: Random probes estimating the reconciled variances of a sparse reconciliation (standard deviations within
#: about 7 %: the relative error of a variance from k probes is at most √(2/k)).
PROBES = 100
_RIDGE = 2e-8


def reconcile(
    forecast: pd.DataFrame,
    hierarchy: Hierarchy,
    method: str = "mint_shrink",
    fitted: pd.DataFrame | None = None,
    nonnegative: bool = False,
    *,
    middle_level: str | None = None,
    dense: bool | None = None,
) -> pd.DataFrame:
    """Reconcile a forecast of every series of a hierarchy so that each parent equals the sum of its children.

    Parameters
    ----------
    forecast
        A forecast frame (``sf.forecast`` of ``hierarchy.aggregate(panel)``) with every id of ``hierarchy``, the
        same forecast dates for all of them, and optionally ``lo_<L>``/``hi_<L>``. Each model is reconciled on
        its own; when every series has exactly one model (survey plans for the employers, ``auto`` for the
        totals), the frame is one forecast of the hierarchy and is reconciled as such.
    hierarchy
        The :class:`~staffing_forecast.Hierarchy` the forecast's series belong to.
    method
        ``"bottom_up"``; ``"top_down_historical"`` (average historical proportions of the bottom series in the
        top) or ``"top_down_forecast"`` (forecast proportions); ``"middle_out"`` (bottom-up above
        ``middle_level``, forecast proportions below); ``"ols"``, ``"wls_struct"`` (weights: number of bottom
        series), ``"wls_var"`` (weights: in-sample residual variances) and ``"mint_shrink"`` (default; the
        shrunk residual covariance). Top-down and middle-out need a strict tree (``hierarchy.is_tree``).
    fitted
        In-sample values ``unique_id, ds, y, fitted`` (``sf.forecast(..., fitted=True).fitted``; a ``model``
        column selects each model's rows). Needed by ``wls_var``, ``mint_shrink`` and ``top_down_historical``;
        with it the intervals also take the residuals' correlation into account.
    nonnegative
        Head counts: clip base forecasts at 0 and return no negative value (the least-squares methods solve the
        non-negative problem; hierarchicalforecast's quadratic programme up to :data:`DENSE_LIMIT` series).
    middle_level
        The cut level of ``middle_out`` (a name from ``hierarchy.levels``; default the middle one).
    dense
        Force the dense (hierarchicalforecast) or sparse computation; default: dense up to :data:`DENSE_LIMIT`
        series.

    Returns
    -------
    pandas.DataFrame
        The forecast frame with reconciled ``mean`` and bounds, a ``hierarchy_level`` column after
        ``unique_id``, ``model`` renamed ``"<model>/<method>"``, rows in the forecast's order.

    Notes
    -----
    Reconciled forecasts are ``ỹ = S P ŷ`` (Hyndman & Athanasopoulos, Forecasting: Principles and Practice,
    3rd ed., §11). MinT: ``P = (Sᵀ W⁻¹ S)⁻¹ Sᵀ W⁻¹`` with ``W`` the shrunk covariance of the one-step in-sample
    residuals (Wickramasuriya, Athanasopoulos & Hyndman 2019, JASA 114, 804–819; Schäfer & Strimmer 2005). The
    sparse computation uses the equivalent zero-constrained form ``ỹ = ŷ − W Cᵀ (C W Cᵀ)⁻¹ C ŷ`` with
    ``C = [I | −S_aggregates]``: one sparse factorisation of a matrix the size of the aggregates.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> panel = pd.DataFrame({"unique_id": ["A", "B"] * 3, "ds": pd.to_datetime(["2023", "2023", "2024", "2024",
    ...                       "2025", "2025"]), "y": [1.0, 2.0, 2.0, 3.0, 3.0, 4.0], "unit": ["A", "B"] * 3})
    >>> h = sf.Hierarchy.from_keys(panel, [[], ["unit"]])
    >>> fc = sf.forecast(h.aggregate(panel), h=1, models="naive")
    >>> fc["mean"].tolist()
    [7.0, 3.0, 4.0]
    >>> sf.reconcile(fc, h, method="ols")["mean"].round(3).tolist()
    [7.0, 3.0, 4.0]
    >>> fc.loc[0, "mean"] = 10.0  # the total no longer adds up; OLS splits the difference
    >>> sf.reconcile(fc, h, method="ols")["mean"].round(3).tolist()
    [9.0, 4.0, 5.0]
    """
    if method not in METHODS:
        raise ConfigError(
            f"reconcile: unknown method {method!r}{closest(str(method), METHODS)} Known: {', '.join(METHODS)}."
        )
    if not isinstance(hierarchy, Hierarchy):
        raise ConfigError(
            f"reconcile: hierarchy must be a sf.Hierarchy (Hierarchy.from_keys), not {type(hierarchy).__name__}."
        )
    if not isinstance(forecast, pd.DataFrame) or not {UNIQUE_ID, DS, MEAN} <= set(forecast.columns):
        raise SchemaError("reconcile: forecast must be a forecast frame with unique_id, ds and mean columns.")
    if method in TREE_ONLY and not hierarchy.is_tree:
        raise ConfigError(
            f"reconcile: {method} needs a strict tree, but this hierarchy is grouped ({hierarchy!r}); use "
            "bottom_up or a least-squares method (mint_shrink, wls_var, wls_struct, ols)."
        )
    if method in (*_NEEDS_RESIDUALS, "top_down_historical") and fitted is None:
        raise ConfigError(
            f"reconcile: {method} needs the in-sample values: pass fitted= (sf.forecast(..., fitted=True).fitted), "
            "or use a method without them (wls_struct, ols, bottom_up, top_down_forecast)."
        )
    if middle_level is not None and middle_level not in hierarchy.levels:
        raise ConfigError(
            f"reconcile: middle_level={middle_level!r} is not a level{closest(middle_level, hierarchy.levels)} "
            f"Levels: {list(hierarchy.levels)}."
        )
    use_dense = len(hierarchy) <= DENSE_LIMIT if dense is None else bool(dense)
    forecast = forecast.reset_index(drop=True)
    models = forecast[MODEL].astype(str).unique().tolist() if MODEL in forecast.columns else [None]
    if len(models) > 1 and (forecast.groupby(UNIQUE_ID)[MODEL].nunique() == 1).all():
        # One model per series (survey plans at the bottom, a statistical model for the totals): one forecast
        by_series = forecast.drop_duplicates(UNIQUE_ID).set_index(UNIQUE_ID)[MODEL].astype(str)
        own = _fitted_of(fitted, None)
        if own is not None and MODEL in own.columns:
            own = own[own[MODEL].astype(str).to_numpy() == own[UNIQUE_ID].map(by_series).to_numpy()]
        out = _reconcile_model(forecast, hierarchy, method, own, nonnegative, middle_level, use_dense, None)
        out[MODEL] = forecast[MODEL].astype(str) + "/" + method
        return out.reset_index(drop=True)
    parts = []
    for model in models:
        rows = forecast if model is None else forecast[forecast[MODEL].astype(str) == model]
        own = _fitted_of(fitted, model)
        parts.append(
            _reconcile_model(rows, hierarchy, method, own, nonnegative, middle_level, use_dense, model)
        )
    out = pd.concat(parts).loc[forecast.index] if len(parts) > 1 else parts[0]
    return out.reset_index(drop=True)


def _fitted_of(fitted: pd.DataFrame | None, model: str | None) -> pd.DataFrame | None:
    if fitted is None:
        return None
    if not isinstance(fitted, pd.DataFrame) or not {UNIQUE_ID, DS, Y, "fitted"} <= set(fitted.columns):
        raise SchemaError(
            "reconcile: fitted must be the in-sample frame unique_id, ds, y, fitted (sf.forecast(..., fitted=True))."
        )
    if model is not None and MODEL in fitted.columns:
        own = fitted[fitted[MODEL].astype(str) == model]
        if own.empty:
            raise ConfigError(
                f"reconcile: fitted has no rows of model {model!r}; it has {sorted(fitted[MODEL].unique())}."
            )
        return own
    return fitted


def _matrix(frame: pd.DataFrame, ids: pd.Index, column: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """``column`` as a (series × date) matrix in ``ids`` order; NaN where a series lacks a date."""
    dates = np.sort(frame[DS].unique())
    rows = ids.get_indexer(frame[UNIQUE_ID].astype(str))
    if (rows < 0).any():
        extra = frame.loc[rows < 0, UNIQUE_ID].unique()
        raise SchemaError(
            f"reconcile: the {what} has {len(extra)} series outside the hierarchy, e.g. {extra[0]!r}; forecast "
            "hierarchy.aggregate(panel), the panel the hierarchy was built from."
        )
    cols = np.searchsorted(dates, frame[DS].to_numpy())
    out = np.full((len(ids), len(dates)), np.nan)
    out[rows, cols] = frame[column].to_numpy(dtype=float)
    return out, dates


def _reconcile_model(
    forecast: pd.DataFrame,
    hierarchy: Hierarchy,
    method: str,
    fitted: pd.DataFrame | None,
    nonnegative: bool,
    middle_level: str | None,
    dense: bool,
    model: str | None,
) -> pd.DataFrame:
    ids = pd.Index(hierarchy.ids)
    label = f"model {model!r}: " if model is not None else ""
    if forecast.duplicated([UNIQUE_ID, DS]).any():
        row = forecast[forecast.duplicated([UNIQUE_ID, DS])].iloc[0]
        raise SchemaError(
            f"reconcile: {label}series {row[UNIQUE_ID]!r} has {pd.Timestamp(row[DS]).date()} twice; give one "
            "forecast per series and date."
        )
    y_hat, dates = _matrix(forecast, ids, MEAN, "forecast")
    missing = np.isnan(y_hat)
    if missing.any():
        absent = ids[missing.all(axis=1)]
        if len(absent):
            raise SchemaError(
                f"reconcile: {label}the forecast lacks {len(absent)} series of the hierarchy, e.g. "
                f"{list(absent[:3])}; forecast every series of hierarchy.aggregate(panel) (a series that ended "
                "early: drop it from the panel before building the hierarchy)."
            )
        r, c = np.argwhere(missing)[0]
        raise SchemaError(
            f"reconcile: {label}series {ids[r]!r} has no forecast for {pd.Timestamp(dates[c]).date()}; every "
            "series needs the same forecast dates (do all series end on the same date?)."
        )
    y_in = y_fit = None
    if fitted is not None:
        y_in, _ = _matrix(fitted, ids, Y, "fitted frame")
        y_fit, _ = _matrix(fitted, ids, "fitted", "fitted frame")
        absent = ids[np.isnan(y_in).all(axis=1)]
        if len(absent):
            raise SchemaError(
                f"reconcile: {label}fitted lacks {len(absent)} series of the hierarchy, e.g. {list(absent[:3])}; "
                "pass the in-sample frame of the same forecast."
            )
    if nonnegative:
        y_hat = np.clip(y_hat, 0.0, None)
    S = hierarchy.summing_matrix()
    used, note = method, ""
    if not dense and method == "mint_shrink":
        used = "wls_var"
        note = f"mint_shrink computed as wls_var (sparse above {DENSE_LIMIT:,} series)"
    residuals = None if y_in is None or y_fit is None else y_in - y_fit
    short: list[str] = []
    notes: list[str] = [note] if note else []
    if residuals is not None and method in _NEEDS_RESIDUALS:
        usable = (~np.isnan(residuals)).sum(axis=1)
        if (usable < 2).any():
            residuals, short = _young(residuals, usable < 2, forecast, ids, dates, label, method)
            y_fit = np.where(np.isnan(y_in), 0.0, y_in) - residuals  # type: ignore[arg-type]
            y_in = np.where(np.isnan(y_in), 0.0, y_in)  # type: ignore[arg-type]
    try:
        if dense:
            mean, operator = _dense(S, y_hat, used, y_in, y_fit, nonnegative, hierarchy, middle_level, notes)
        else:
            mean, operator = _sparse(S, y_hat, used, residuals, nonnegative, hierarchy, middle_level, y_in)
    except (ConfigError, SchemaError):
        raise
    except Exception as exc:  # a numerical failure deep inside the solver: say which method and what to try
        raise ConfigError(
            f"reconcile: {label}{method} failed on this forecast ({type(exc).__name__}: {exc}); try wls_struct or "
            "bottom_up, or check for series whose in-sample values are constant."
        ) from None
    if nonnegative:
        mean = _nonnegative(mean, S)
    out = forecast.copy()
    rows = ids.get_indexer(out[UNIQUE_ID].astype(str))
    cols = np.searchsorted(dates, out[DS].to_numpy())
    out[MEAN] = mean[rows, cols]
    levels = sorted(int(str(c)[3:]) for c in out.columns if str(c).startswith("lo_") and str(c)[3:].isdigit())
    if levels:
        sd = _base_sd(y_hat, forecast, ids, dates, levels[-1])
        corr = _correlation(residuals) if dense and residuals is not None else None
        rec_sd = _reconciled_sd(operator, sd, corr, dense)
        for lv in levels:
            z = norm.ppf(0.5 + lv / 200)
            out[lo(lv)] = out[MEAN] - z * rec_sd[rows, cols]
            out[hi(lv)] = out[MEAN] + z * rec_sd[rows, cols]
        out = nest_intervals(out, levels)
        if nonnegative:
            for lv in levels:
                out[lo(lv)] = out[lo(lv)].clip(lower=0.0)
    if model is not None:
        out[MODEL] = f"{model}/{method}"
    note = join_notes(*notes)
    if NOTE in out.columns and (note or short):
        young = out[UNIQUE_ID].isin(short).to_numpy()
        extra = "fewer than 2 in-sample residuals: weighted by the variance of its own interval"
        out[NOTE] = [
            join_notes(a, note, extra if y else "")
            for a, y in zip(out[NOTE].fillna("").astype(str), young, strict=True)
        ]
    if FALLBACK in out.columns:
        out[FALLBACK] = out[FALLBACK].fillna("")
    return hierarchy.label(out)


# ---- dense: hierarchicalforecast -----------------------------------------------------------------------------


def _dense(
    S: sparse.csr_matrix,
    y_hat: np.ndarray,
    method: str,
    y_in: np.ndarray | None,
    y_fit: np.ndarray | None,
    nonnegative: bool,
    hierarchy: Hierarchy,
    middle_level: str | None,
    notes: list[str],
) -> tuple[np.ndarray, Any]:
    """Reconcile with hierarchicalforecast: the means and the dense reconciliation matrix ``S P``.

    ``notes`` collects what the ``note`` column should say.
    """
    from hierarchicalforecast import methods as hf

    S_dense = S.toarray()
    tags = _tag_rows(hierarchy)
    kwargs: dict[str, Any] = {"S": S_dense, "y_hat": y_hat}
    reconciler: Any
    if method == "bottom_up":
        reconciler = hf.BottomUp()
    elif method == "top_down_historical":
        reconciler = hf.TopDown(method="average_proportions")
        kwargs |= {"tags": tags, "y_insample": _history(y_in)}
    elif method == "top_down_forecast":
        reconciler = hf.TopDown(method="forecast_proportions")
        kwargs |= {"tags": tags}
    elif method == "middle_out":
        reconciler = hf.MiddleOut(
            middle_level=middle_level or _middle(hierarchy), top_down_method="forecast_proportions"
        )
        kwargs |= {"tags": tags}
    else:
        reconciler = hf.MinTrace(method=method)
        if method in _NEEDS_RESIDUALS:
            kwargs |= {"y_insample": y_in, "y_hat_insample": y_fit}
    if method in TREE_ONLY:
        _check_single_top(hierarchy, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NaN history of young series; clipping notes: both handled here
        result = reconciler.fit_predict(**kwargs)
    mean = np.asarray(result["mean"], dtype=float)
    P = getattr(reconciler, "P", None)
    n_bottom = S.shape[1]
    if nonnegative and method in _LEAST_SQUARES and (mean[-n_bottom:] < 0).any():
        # The unconstrained optimum is the answer whenever it is non-negative; otherwise the quadratic programme.
        # Its intervals keep the unconstrained projection (the constrained one is not linear).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                constrained = hf.MinTrace(method=method, nonnegative=True).fit_predict(**kwargs)
                mean = np.asarray(constrained["mean"], dtype=float)
            except Exception:  # an ill-conditioned programme: clipped instead, and the note says so
                notes.append(
                    f"{method}: the non-negative programme failed; negative bottom values clipped at 0"
                )
    if method in TREE_ONLY or P is None:
        operator = _share_operators(S, mean, hierarchy, method, middle_level)
    else:
        operator = S_dense @ np.asarray(P)
    return mean, operator


def _share_operators(
    S: sparse.csr_matrix, mean: np.ndarray, hierarchy: Hierarchy, method: str, middle_level: str | None
) -> list[sparse.csr_matrix]:
    """Build, per step, ``A = S Q`` of the proportion methods.

    Each bottom series is its share of its cut node (the top, or the middle level), so the reconciled error of
    every series is a combination of the cut nodes' base errors.
    """
    cut = (middle_level or _middle(hierarchy)) if method == "middle_out" else next(iter(hierarchy.levels))
    offset = 0
    for name, ids in hierarchy.tags.items():
        if name == cut:
            break
        offset += len(ids)
    parent = offset + hierarchy._codes[cut]
    n, n_bottom = S.shape
    bottom = mean[-n_bottom:]
    totals = mean[parent]
    counts = np.bincount(parent - offset)[parent - offset]
    shares = np.where(totals != 0, bottom / np.where(totals == 0, 1.0, totals), 1.0 / counts[:, None])
    out = []
    for step in range(mean.shape[1]):
        Q = sparse.csr_matrix((shares[:, step], (np.arange(n_bottom), parent)), shape=(n_bottom, n))
        out.append((S @ Q).tocsr())
    return out


def _tag_rows(hierarchy: Hierarchy) -> dict[str, np.ndarray]:
    position = pd.Index(hierarchy.ids)
    return {name: position.get_indexer(ids) for name, ids in hierarchy.tags.items()}


def _middle(hierarchy: Hierarchy) -> str:
    names = list(hierarchy.levels)
    return names[len(names) // 2]


def _check_single_top(hierarchy: Hierarchy, method: str) -> None:
    first = next(iter(hierarchy.tags.values()))
    if len(first) != 1:
        raise ConfigError(
            f"reconcile: {method} splits one top series, but the coarsest level has {len(first)}; add the total "
            "level [] to the hierarchy's levels."
        )


# ---- sparse: the zero-constrained form, solved here ------------------------------------------------------------


def _weights(S: sparse.csr_matrix, method: str, residuals: np.ndarray | None) -> np.ndarray:
    n = S.shape[0]
    if method in ("ols",):
        return np.ones(n)
    if method == "wls_struct":
        return np.asarray(S.sum(axis=1)).ravel()
    assert residuals is not None  # checked by the caller
    count = (~np.isnan(residuals)).sum(axis=1)
    return np.nansum(residuals**2, axis=1) / np.maximum(count, 1) + _RIDGE


class _Projection:
    """``ỹ = ŷ − W Cᵀ (C W Cᵀ)⁻¹ C ŷ`` with ``C = [I | −S_aggregates]`` and diagonal ``W``; one factorisation."""

    def __init__(self, S: sparse.csr_matrix, w: np.ndarray) -> None:
        n, n_bottom = S.shape
        n_agg = n - n_bottom
        self.C = sparse.hstack([sparse.identity(n_agg, format="csr"), -S[:n_agg]], format="csr")
        self.w = w
        M = (self.C @ sparse.diags(w) @ self.C.T).tocsc()
        self.solve = sparse_linalg.factorized(M) if n_agg else None

    def __call__(self, y: np.ndarray) -> np.ndarray:
        if self.solve is None:
            return y
        rhs = self.C @ y
        x = self.solve(rhs) if rhs.ndim == 1 else np.column_stack([self.solve(c) for c in rhs.T])
        return y - self.w[:, None] * (self.C.T @ x) if y.ndim == 2 else y - self.w * (self.C.T @ x)


def _sparse(
    S: sparse.csr_matrix,
    y_hat: np.ndarray,
    method: str,
    residuals: np.ndarray | None,
    nonnegative: bool,
    hierarchy: Hierarchy,
    middle_level: str | None,
    y_in: np.ndarray | None,
) -> tuple[np.ndarray, Any]:
    """Reconciled means and a function applying the reconciliation to a (series × k) matrix."""
    n_bottom = S.shape[1]
    if method == "bottom_up":
        n_agg = S.shape[0] - n_bottom
        A = sparse.hstack([sparse.csr_matrix((S.shape[0], n_agg)), S], format="csr")
        return np.asarray(A @ y_hat), A
    if method == "top_down_historical":
        from hierarchicalforecast import methods as hf

        _check_single_top(hierarchy, method)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = hf.TopDownSparse(method="average_proportions").fit_predict(
                S=S, y_hat=y_hat, tags=_tag_rows(hierarchy), y_insample=_history(y_in)
            )
        mean = np.asarray(result["mean"], dtype=float)
        return mean, _share_operators(S, mean, hierarchy, method, middle_level)
    if method in TREE_ONLY:
        _check_single_top(hierarchy, method)
        mean = _forecast_proportions(S, y_hat, hierarchy, method, middle_level)
        return mean, _share_operators(S, mean, hierarchy, method, middle_level)
    projection = _Projection(S, _weights(S, method, residuals))
    mean = projection(y_hat)
    return mean, projection


def _young(
    residuals: np.ndarray,
    rows: np.ndarray,
    forecast: pd.DataFrame,
    ids: pd.Index,
    dates: np.ndarray,
    label: str,
    method: str,
) -> tuple[np.ndarray, list[str]]:
    """Give series with fewer than 2 in-sample residuals (new employers) residuals ``±σ`` alternating.

    ``σ`` is the base standard deviation of their first forecast step: they are weighted by their own
    uncertainty, uncorrelated with the others.
    """
    levels = sorted(
        int(str(c)[3:]) for c in forecast.columns if str(c).startswith("hi_") and str(c)[3:].isdigit()
    )
    if not levels:
        uid = ids[int(np.argmax(rows))]
        raise SchemaError(
            f"reconcile: {label}series {uid!r} has fewer than 2 in-sample residuals, so {method} cannot weigh it "
            "from its history; forecast with level=[80] (its interval then gives the weight), or use wls_struct."
        )
    sd = _base_sd(np.empty(0), forecast, ids, dates, levels[-1])[:, 0]
    out = residuals.copy()
    signs = np.where(np.arange(out.shape[1]) % 2 == 0, 1.0, -1.0)
    out[rows] = np.maximum(sd[rows], _RIDGE)[:, None] * signs[None, :]
    return out, list(ids[rows])


def _history(y_in: np.ndarray | None) -> np.ndarray | None:
    """In-sample values for historical proportions: a series before its first year employed no one (0)."""
    return None if y_in is None else np.nan_to_num(y_in)


def _forecast_proportions(
    S: sparse.csr_matrix, y_hat: np.ndarray, hierarchy: Hierarchy, method: str, middle_level: str | None
) -> np.ndarray:
    """Split the cut level (the top, or ``middle_level``) down by forecast proportions, level by level.

    Each node takes the share its base forecast has among its siblings' (Athanasopoulos, Ahmed & Hyndman 2009);
    above the cut level, bottom-up. Vectorised over series with the level codes.
    """
    names = list(hierarchy.levels)
    cut = names.index((middle_level or _middle(hierarchy)) if method == "middle_out" else names[0])
    offsets = np.cumsum([0, *[len(ids) for ids in hierarchy.tags.values()]])
    codes = hierarchy._codes
    value = y_hat[offsets[cut] + codes[names[cut]]]  # every bottom series starts from its cut node's forecast
    for j in range(cut + 1, len(names)):
        child = offsets[j] + codes[names[j]]
        parent = codes[names[j - 1]]
        # the sum of the children's base forecasts under each parent (each child counted once)
        first = np.unique(child, return_index=True)[1]
        sums = np.zeros((len(hierarchy.tags[names[j - 1]]), y_hat.shape[1]))
        np.add.at(sums, parent[first], y_hat[child[first]])
        siblings = sums[parent]
        n_siblings = np.bincount(parent[first])[parent][:, None]
        share = np.where(
            siblings != 0, y_hat[child] / np.where(siblings == 0, 1.0, siblings), 1.0 / n_siblings
        )
        value = value * share
    return np.asarray(S @ value)


def _nonnegative(mean: np.ndarray, S: sparse.csr_matrix) -> np.ndarray:
    """Clip tiny negative bottom values left by a solver and add up again (a no-op for exact solutions)."""
    n_bottom = S.shape[1]
    bottom = mean[-n_bottom:]
    if (bottom < 0).any():
        return np.asarray(S @ np.clip(bottom, 0.0, None))
    return mean


# ---- intervals --------------------------------------------------------------------------------------------------


def _base_sd(
    y_hat: np.ndarray, forecast: pd.DataFrame, ids: pd.Index, dates: np.ndarray, level: int
) -> np.ndarray:
    """Read base standard deviations from the upper bound at ``level`` (the lower one may be clipped at 0)."""
    upper, _ = _matrix(forecast, ids, hi(level), "forecast")
    mean, _ = _matrix(forecast, ids, MEAN, "forecast")
    sd = (upper - mean) / norm.ppf(0.5 + level / 200)
    if not np.isfinite(sd).all():
        uid = ids[int(np.argwhere(~np.isfinite(sd))[0][0])]
        raise SchemaError(
            f"reconcile: series {uid!r} has a missing or infinite hi_{level} bound; give every series a finite "
            "interval (or forecast it with another model)."
        )
    return np.clip(sd, 0.0, None)


def _correlation(residuals: np.ndarray) -> np.ndarray:
    """Schäfer–Strimmer shrunk correlation of the in-sample residuals (series × time, NaN where unknown)."""
    from hierarchicalforecast.utils import _shrunk_covariance_schaferstrimmer_with_nans

    mask = ~np.isnan(residuals)
    cov = _shrunk_covariance_schaferstrimmer_with_nans(np.nan_to_num(residuals), mask, _RIDGE)
    d = np.sqrt(np.clip(np.diag(cov), _RIDGE, None))
    return np.asarray(cov / np.outer(d, d))


def _reconciled_sd(operator: Any, sd: np.ndarray, corr: np.ndarray | None, dense: bool) -> np.ndarray:
    """Return the standard deviations of ``A ε``, ``ε ~ N(0, D R D)``, ``D = diag(sd)`` per step, ``R = corr``."""
    n, h = sd.shape
    out = np.empty((n, h))
    if callable(operator):  # the sparse projection: estimate the diagonal from random probes
        # One set of ±1 probes for every step (each step's estimate is unbiased on its own)
        probes = np.random.default_rng(0).choice([-1.0, 1.0], size=(n, PROBES))
        for s in range(h):
            out[:, s] = np.sqrt(np.mean(np.asarray(operator(probes * sd[:, [s]])) ** 2, axis=1))
        return out
    for s in range(h):
        A = operator[s] if isinstance(operator, list) else operator
        if sparse.issparse(A) and corr is None:
            out[:, s] = np.sqrt(np.asarray(A.multiply(A) @ (sd[:, s] ** 2)).ravel())
            continue
        scaled = (A.toarray() if sparse.issparse(A) else A) * sd[:, s]
        if corr is None:
            out[:, s] = np.sqrt(np.einsum("ij,ij->i", scaled, scaled))
        else:
            out[:, s] = np.sqrt(np.clip(np.einsum("ij,ij->i", scaled @ corr, scaled), 0.0, None))
    return out
