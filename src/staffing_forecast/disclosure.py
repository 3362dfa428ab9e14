"""Statistical disclosure control of aggregate tables: which cells to withhold so that no employer's figure shows.

A *cell* is one row of a table of aggregates: key columns (``"*"`` for a key summed over, the rule of
:func:`staffing_forecast.aggregate`), a date ``ds`` and a value (a head count or its forecast). The rules are
those national statistics offices apply to business tables:

- **Primary suppression.** A cell is *sensitive* when fewer than ``min_employers`` employers contribute to it,
  when the largest employer holds more than ``dominance`` of it, or when its value is under ``min_size``. A
  cell that names an employer is always sensitive: it is that employer's own figure.
- **Secondary (complementary) suppression.** Within each date, the cells of a table are tied by additive
  relations: a cell equals the sum of the cells one or more levels finer that share its named keys (the
  occupation total is the sum of that occupation over sectors, the total the sum of every occupation, ...).
  Further cells are withheld until no withheld cell can be recomputed from the visible ones by any combination of
  those relations: first, while a relation holds exactly one withheld cell, the smallest visible member of it is
  withheld too; then each withheld cell is checked exactly (its value is determined when the null space of the
  relations over the withheld cells has a zero row) and, while one is, the smallest visible cell tied to it is
  withheld as well.

The employers behind a cell come from a separate table of contributions, one row per employer and finest
cell (:func:`employers` takes the last observed date of an employment panel; :func:`employers_of` takes the
rows of a forecast that name an employer). No maintained Python package does complementary cell suppression
(τ-ARGUS and sdcMicro are Java and R programs), so it is done here.

Examples
--------
>>> employment = pd.DataFrame({
...     "ds": pd.Timestamp("2025-01-01"), "y": [40.0, 30.0, 20.0, 12.0, 2.0],
...     "sector": ["A", "A", "A", "B", "B"], "employer": ["E1", "E2", "E3", "E4", "E5"]})
>>> cells = pd.DataFrame({"ds": pd.Timestamp("2026-01-01"), "mean": [104.0, 90.0, 14.0],
...                       "sector": ["*", "A", "B"], "employer": "*"})
>>> suppress(cells, employers(employment), value="mean").tolist()
[False, True, True]
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import linalg, sparse
from scipy.sparse.csgraph import connected_components

from .errors import ConfigError, SchemaError
from .schema import ALL, DS, MEAN, Y

__all__ = [
    "KEYS",
    "Rules",
    "audit",
    "employers",
    "employers_of",
    "primary",
    "secondary",
    "suppress",
    "withhold",
]

#: The key columns of the employment table, coarse to fine in id order; the default keys of a table's cells.
KEYS = ("region", "sector", "employer", "occupation")
#: The key that names one contributor.
EMPLOYER = "employer"
# Interval bounds, withheld with the mean.
_BOUND = re.compile(r"^(lo|hi)_\d+$")
# A withheld cell whose null-space row is shorter than this is determined by the visible cells.
_TOLERANCE = 1e-9


@dataclasses.dataclass(frozen=True)
class Rules:
    """The primary rule: when a cell is sensitive.

    Attributes
    ----------
    min_employers
        A cell from fewer employers than this is sensitive. Default 3.
    dominance
        A cell whose largest employer holds more than this share of it is sensitive. Default 0.85.
    min_size
        A cell whose value is under this is sensitive. Default 10.

    Examples
    --------
    >>> Rules()
    Rules(min_employers=3, dominance=0.85, min_size=10.0)
    """

    min_employers: int = 3
    dominance: float = 0.85
    min_size: float = 10.0

    def __post_init__(self) -> None:
        if (
            isinstance(self.min_employers, bool)
            or not isinstance(self.min_employers, int)
            or self.min_employers < 1
        ):
            raise ConfigError(
                f"Rules: min_employers={self.min_employers!r}; give a whole number ≥ 1 (default 3)."
            )
        if not 0 < float(self.dominance) <= 1:
            raise ConfigError(f"Rules: dominance={self.dominance!r}; give a share in (0, 1] (default 0.85).")
        if not float(self.min_size) >= 0:
            raise ConfigError(f"Rules: min_size={self.min_size!r}; give a number ≥ 0 (default 10).")


def employers(employment: pd.DataFrame, *, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """Return the employers behind every cell: the last observed date of ``employment`` at its finest keys.

    Parameters
    ----------
    employment
        A bottom-level panel (``ds``, ``y`` and key columns including ``employer``), e.g. ``bundle.employment``.
    keys
        The key columns; default those of :data:`KEYS` the panel has.

    Returns
    -------
    pandas.DataFrame
        One row per finest cell: the key columns and ``y``.

    Examples
    --------
    >>> employment = pd.DataFrame({"ds": pd.to_datetime(["2024-01-01", "2025-01-01"]), "y": [3.0, 4.0],
    ...                            "sector": "A", "employer": "E1"})
    >>> employers(employment).to_dict("records")
    [{'sector': 'A', 'employer': 'E1', 'y': 4.0}]
    """
    keys = _keys(employment, keys, "employers")
    if EMPLOYER not in keys:
        raise SchemaError(
            f"employers: the panel has no {EMPLOYER!r} column (it has {list(employment.columns)})."
        )
    for column in (DS, Y):
        if column not in employment.columns:
            raise SchemaError(
                f"employers: the panel has no {column!r} column (it has {list(employment.columns)})."
            )
    last = employment[employment[DS] == employment[DS].max()]
    return last.groupby(list(keys), sort=True)[Y].sum().reset_index()


def employers_of(
    forecasts: pd.DataFrame, *, keys: Sequence[str] | None = None, value: str = MEAN
) -> pd.DataFrame | None:
    """Return the rows of a forecast that name an employer, at their finest level, as contributions per date.

    ``None`` when no row names an employer. Keys summed over at that level keep ``"*"``; a cell naming such a
    key cannot be matched to employers and is then treated as sensitive by :func:`primary`.

    Examples
    --------
    >>> forecasts = pd.DataFrame({"ds": pd.Timestamp("2026-01-01"), "mean": [5.0, 2.0, 3.0],
    ...                           "employer": ["*", "E1", "E2"], "occupation": "2512"})
    >>> employers_of(forecasts)[["employer", "occupation", "y"]].to_dict("list")
    {'employer': ['E1', 'E2'], 'occupation': ['2512', '2512'], 'y': [2.0, 3.0]}
    """
    keys = _keys(forecasts, keys, "employers_of")
    if EMPLOYER not in keys:
        return None
    named = forecasts[list(keys)].to_numpy() != ALL
    rows = named[:, keys.index(EMPLOYER)]
    if not rows.any():
        return None
    finest = rows & (named.sum(axis=1) == named[rows].sum(axis=1).max())
    out = forecasts.loc[finest, [*keys, DS, value]].rename(columns={value: Y})
    return out.reset_index(drop=True)


def primary(
    cells: pd.DataFrame,
    contributors: pd.DataFrame | None = None,
    rules: Rules | None = None,
    *,
    value: str = MEAN,
    keys: Sequence[str] | None = None,
) -> np.ndarray:
    """Return which cells are sensitive under ``rules`` (a boolean array in row order).

    Parameters
    ----------
    cells
        The table: key columns (``"*"`` for a key summed over), ``ds`` and ``value``.
    contributors
        The employers' values (:func:`employers` or :func:`employers_of`): key columns including ``employer``,
        ``y`` and optionally ``ds`` (then each cell is matched to the contributions of its date, or the last date
        before it). ``None``: only the size rule and the employer rule apply.
    rules
        :class:`Rules`; default ``Rules()``.
    value, keys
        The value column (default ``mean``) and the key columns (default those of :data:`KEYS` present).

    Examples
    --------
    >>> contributors = pd.DataFrame({"sector": ["A", "A", "B"], "employer": ["E1", "E2", "E3"],
    ...                              "y": [50.0, 50.0, 60.0]})
    >>> cells = pd.DataFrame({"ds": pd.Timestamp("2026-01-01"), "mean": [160.0, 100.0, 60.0],
    ...                       "sector": ["*", "A", "B"], "employer": "*"})
    >>> primary(cells, contributors, Rules(min_employers=2)).tolist()
    [False, False, True]
    """
    rules = rules or Rules()
    keys = _keys(cells, keys, "primary")
    _check_cells(cells, keys, value, "primary")
    values = cells[value].to_numpy(dtype=float)
    sensitive = ~(values >= rules.min_size)  # NaN is sensitive too
    named = cells[list(keys)].to_numpy() != ALL
    if EMPLOYER in keys:
        sensitive |= named[:, keys.index(EMPLOYER)]
    if contributors is None:
        return sensitive
    missing = [c for c in (EMPLOYER, Y) if c not in contributors.columns]
    if missing:
        raise SchemaError(
            f"primary: contributors have no column(s) {missing}; build them with sf.disclosure.employers."
        )
    dated = DS in contributors.columns
    cell_dates = _as_of(cells[DS], contributors[DS]) if dated else np.zeros(0)
    patterns, level = np.unique(named, axis=0, return_inverse=True)
    for code, pattern in enumerate(patterns):
        rows = np.flatnonzero(level.ravel() == code)
        kept = [k for k, on in zip(keys, pattern, strict=True) if on]
        if EMPLOYER in kept:
            continue  # already sensitive
        if any(k not in contributors.columns or (contributors[k] == ALL).any() for k in kept):
            sensitive[rows] = True  # the employers of these cells are not known
            continue
        by = [*kept, *([DS] if dated else [])]
        # one row per cell of this level and employer; a constant column stands for "the whole table"
        share = contributors[[*by, EMPLOYER]].assign(
            _all=0, _y=contributors[Y].clip(lower=0).to_numpy(dtype=float)
        )
        per_employer = share.groupby(["_all", *by, EMPLOYER], sort=False)["_y"].sum().reset_index()
        per_employer = per_employer[per_employer["_y"] > 0]
        stats = per_employer.groupby(["_all", *by], sort=False)["_y"].agg(["size", "sum", "max"])
        wanted = cells.iloc[rows][kept].assign(_all=0)
        if dated:
            wanted[DS] = cell_dates[rows]
        target = pd.MultiIndex.from_frame(wanted[["_all", *by]]) if by else pd.Index(wanted["_all"])
        found = stats.reindex(target)
        count = found["size"].fillna(0).to_numpy(dtype=float)
        total = found["sum"].fillna(0).to_numpy(dtype=float)
        top = found["max"].fillna(0).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            dominated = ~(top <= rules.dominance * total) | (total <= 0)
        sensitive[rows] |= (count < rules.min_employers) | dominated
    return sensitive


def secondary(
    cells: pd.DataFrame, sensitive: np.ndarray, *, value: str = MEAN, keys: Sequence[str] | None = None
) -> np.ndarray:
    """Return the cells to withhold: the ``sensitive`` ones and enough others that none can be recomputed.

    Each date is protected on its own, against every additive relation between the levels of the table (see the
    module's description). Visible cells chosen to protect a sensitive one are the smallest by value, finer
    levels first on ties.

    Examples
    --------
    A total, two sectors, and the sectors' employers hidden: one sensitive sector needs its sibling withheld.

    >>> cells = pd.DataFrame({"ds": pd.Timestamp("2026-01-01"), "mean": [100.0, 70.0, 20.0, 10.0],
    ...                       "sector": ["*", "A", "B", "C"]})
    >>> secondary(cells, np.array([False, False, False, True]), keys=["sector"]).tolist()
    [False, False, True, True]
    """
    keys = _keys(cells, keys, "secondary")
    _check_cells(cells, keys, value, "secondary")
    sensitive = np.asarray(sensitive, dtype=bool)
    if sensitive.shape != (len(cells),):
        raise SchemaError(
            f"secondary: sensitive has shape {sensitive.shape}; give one flag per cell ({len(cells)})."
        )
    out = sensitive.copy()
    for rows in _by_date(cells):
        table = cells.iloc[rows]
        relations = _relations(table[list(keys)].to_numpy() != ALL, table[list(keys)])
        cost = np.abs(table[value].to_numpy(dtype=float))
        cost = np.where(np.isfinite(cost), cost, 0.0)
        fineness = (table[list(keys)].to_numpy() != ALL).sum(axis=1)
        order = np.lexsort((-fineness, cost))  # cheapest first, the finer level on ties
        rank = np.empty(len(rows), dtype=np.int64)
        rank[order] = np.arange(len(rows))
        out[rows] = _protect(relations, out[rows], rank)
    return out


def suppress(
    cells: pd.DataFrame,
    contributors: pd.DataFrame | None = None,
    rules: Rules | None = None,
    *,
    value: str = MEAN,
    keys: Sequence[str] | None = None,
) -> np.ndarray:
    """Return which cells to withhold: :func:`primary`, then :func:`secondary` (a boolean array in row order).

    Rows that name an employer are always withheld; a reader entitled to employers' figures should not be
    given a suppressed table at all.

    Examples
    --------
    >>> contributors = pd.DataFrame({"occupation": ["2512", "2512", "2512", "2514"],
    ...                              "employer": ["E1", "E2", "E3", "E1"], "y": [20.0, 20.0, 20.0, 30.0]})
    >>> cells = pd.DataFrame({"ds": pd.Timestamp("2026-01-01"), "mean": [90.0, 60.0, 30.0],
    ...                       "employer": "*", "occupation": ["*", "2512", "2514"]})
    >>> suppress(cells, contributors).tolist()  # 2514 is one employer's; 2512 would then be total − 2514
    [False, True, True]
    """
    sensitive = primary(cells, contributors, rules, value=value, keys=keys)
    return secondary(cells, sensitive, value=value, keys=keys)


def audit(cells: pd.DataFrame, suppressed: np.ndarray, *, keys: Sequence[str] | None = None) -> np.ndarray:
    """Return the positions of withheld cells whose value the visible cells determine (empty when protected).

    Examples
    --------
    >>> cells = pd.DataFrame({"ds": pd.Timestamp("2026-01-01"), "mean": [100.0, 70.0, 30.0],
    ...                       "sector": ["*", "A", "B"]})
    >>> audit(cells, np.array([False, False, True]), keys=["sector"]).tolist()
    [2]
    """
    keys = _keys(cells, keys, "audit")
    suppressed = np.asarray(suppressed, dtype=bool)
    found = []
    for rows in _by_date(cells):
        table = cells.iloc[rows][list(keys)]
        relations = _relations(table.to_numpy() != ALL, table)
        found.append(rows[_determined(relations, suppressed[rows])])
    return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def withhold(
    forecasts: pd.DataFrame,
    contributors: pd.DataFrame | None = None,
    rules: Rules | None = None,
    *,
    keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return a forecast fit for publication: no row naming an employer, withheld cells' values blank.

    :func:`suppress` decides over the whole forecast (every level it holds); the rows naming an employer are
    then dropped, and the cells withheld have ``mean``, the interval bounds and ``original_mean`` set to NaN
    and ``adjustment``/``reason`` emptied. ``contributors`` default to the forecast's own employer rows
    (:func:`employers_of`); the batch job passes :func:`employers` of its employment.

    Examples
    --------
    >>> forecasts = pd.DataFrame({"ds": pd.Timestamp("2026-01-01"), "mean": [95.0, 60.0, 35.0, 60.0, 35.0],
    ...     "lo_80": 0.0, "employer": ["*", "*", "*", "E1", "E2"], "occupation": ["*", "A", "B", "A", "B"]})
    >>> withhold(forecasts, rules=Rules(min_employers=1))[["occupation", "mean"]].to_dict("list")
    {'occupation': ['*', 'A', 'B'], 'mean': [95.0, nan, nan]}
    """
    hidden = suppress(
        forecasts,
        contributors if contributors is not None else employers_of(forecasts, keys=keys),
        rules,
        keys=keys,
    )
    keys = _keys(forecasts, keys, "withhold")
    out = forecasts.copy()
    values = [c for c in out.columns if str(c) in (MEAN, "original_mean") or _BOUND.match(str(c))]
    out.loc[hidden, values] = np.nan
    for column in ("adjustment", "reason"):
        if column in out.columns:
            out.loc[hidden, column] = ""
    if EMPLOYER in keys:
        out = out[(out[EMPLOYER] == ALL).to_numpy()]
    return out.reset_index(drop=True)


# ---- helpers ---------------------------------------------------------------------------------------------------
def _keys(frame: pd.DataFrame, keys: Sequence[str] | None, where: str) -> list[str]:
    if keys is None:
        return [k for k in KEYS if k in frame.columns]
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise SchemaError(
            f"{where}: key column(s) {missing} are not in the table (it has {list(frame.columns)})."
        )
    return list(keys)


def _check_cells(cells: pd.DataFrame, keys: list[str], value: str, where: str) -> None:
    for column in (DS, value):
        if column not in cells.columns:
            raise SchemaError(f"{where}: the table has no {column!r} column (it has {list(cells.columns)}).")
    twice = cells.duplicated([*keys, DS])
    if twice.any():
        row = cells.loc[twice].iloc[0]
        shown = "/".join(str(row[k]) for k in keys)
        raise SchemaError(
            f"{where}: cell {shown!r} at {row[DS]} appears twice; give one row per cell and date (one model)."
        )


def _as_of(cell_dates: pd.Series, dates: pd.Series) -> np.ndarray:
    """Return the contributions' date for each cell: its own, else the last one before it, else the first."""
    known = np.sort(pd.unique(dates.to_numpy()))
    at = np.searchsorted(known, cell_dates.to_numpy(), side="right") - 1
    return known[np.clip(at, 0, len(known) - 1)]


def _by_date(cells: pd.DataFrame) -> list[np.ndarray]:
    codes = pd.factorize(cells[DS])[0]
    return [np.flatnonzero(codes == c) for c in range(codes.max() + 1)] if len(codes) else []


def _relations(named: np.ndarray, keys: pd.DataFrame) -> sparse.csr_matrix:
    """Return the additive relations of one date's cells: a row per parent cell and finer level, +1 parent, −1 children."""
    patterns, level = np.unique(named, axis=0, return_inverse=True)
    level = level.ravel()
    columns = list(keys.columns)
    rows_, cols_, data_ = [], [], []
    count = 0
    for a, b in itertools.permutations(range(len(patterns)), 2):
        coarse, fine = patterns[a], patterns[b]
        if not (np.all(fine >= coarse) and fine.sum() > coarse.sum()):
            continue
        kept = [c for c, on in zip(columns, coarse, strict=True) if on]
        parents = np.flatnonzero(level == a)
        children = np.flatnonzero(level == b)
        if kept:
            index = pd.MultiIndex.from_frame(keys.iloc[parents][kept])
            parent_of = index.get_indexer(pd.MultiIndex.from_frame(keys.iloc[children][kept]))
        else:
            parent_of = np.zeros(len(children), dtype=np.int64)
        matched = parent_of >= 0
        children, parent_of = children[matched], parent_of[matched]
        used = np.unique(parent_of)
        relation = count + np.searchsorted(used, parent_of)
        rows_ += [count + np.arange(len(used)), relation]
        cols_ += [parents[used], children]
        data_ += [np.ones(len(used)), -np.ones(len(children))]
        count += len(used)
    if not count:
        return sparse.csr_matrix((0, len(named)))
    return sparse.csr_matrix(
        (np.concatenate(data_), (np.concatenate(rows_), np.concatenate(cols_))), shape=(count, len(named))
    )


def _protect(relations: sparse.csr_matrix, hidden: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Withhold cells until no withheld one is determined; ``rank`` orders the visible cells to give up."""
    hidden = hidden.copy()
    pattern = (relations != 0).astype(np.int64).tocsr()
    members = [pattern.indices[pattern.indptr[r] : pattern.indptr[r + 1]] for r in range(pattern.shape[0])]

    def cheapest(cells: np.ndarray) -> int | None:
        visible = cells[~hidden[cells]]
        return int(visible[np.argmin(rank[visible])]) if visible.size else None

    # Fast pass: a relation with exactly one withheld member gives it away.
    while True:
        single = np.flatnonzero(pattern @ hidden.astype(np.int64) == 1)
        if not single.size:
            break
        for r in single:
            if hidden[members[r]].sum() == 1:
                hidden[cheapest(members[r])] = True  # exactly one is withheld, so a visible one exists
    # Exact pass: combinations of relations.
    by_cell = pattern.T.tocsr()
    while True:
        determined = _determined(relations, hidden)
        if not determined.size:
            return hidden
        cell = int(determined[0])
        tied = np.unique(
            np.concatenate(
                [members[r] for r in by_cell.indices[by_cell.indptr[cell] : by_cell.indptr[cell + 1]]]
                or [np.zeros(0, dtype=np.int64)]
            )
        )
        pick = cheapest(tied)
        if pick is None:  # every cell tied to it is withheld: widen to its whole connected group
            group = _group_of(pattern, hidden, cell)
            pick = cheapest(
                np.unique(np.concatenate([members[r] for r in group] or [np.zeros(0, dtype=np.int64)]))
            )
        if pick is None:
            return hidden  # nothing left to withhold: every cell of its relations is withheld already
        hidden[pick] = True


def _group_of(pattern: sparse.csr_matrix, hidden: np.ndarray, cell: int) -> np.ndarray:
    """Return the relations reachable from ``cell`` through withheld cells."""
    unknown = np.flatnonzero(hidden)
    sub = pattern[:, unknown]
    graph = (sub.T @ sub).tocsr()
    _, label = connected_components(graph, directed=False)
    same = unknown[label == label[np.searchsorted(unknown, cell)]]
    return np.flatnonzero(np.asarray(pattern[:, same].sum(axis=1)).ravel() > 0)


def _determined(relations: sparse.csr_matrix, hidden: np.ndarray) -> np.ndarray:
    """Positions of withheld cells that the relations and the visible cells determine."""
    unknown = np.flatnonzero(hidden)
    if not unknown.size or not relations.shape[0]:
        return np.zeros(0, dtype=np.int64)
    sub = relations[:, unknown].tocsr()
    touching = np.flatnonzero(np.diff(sub.indptr) > 0)
    if not touching.size:
        return np.zeros(0, dtype=np.int64)
    sub = sub[touching]
    pattern = (sub != 0).astype(np.int64)
    _, label = connected_components((pattern.T @ pattern).tocsr(), directed=False)
    found = []
    for group in np.unique(label):
        cols = np.flatnonzero(label == group)
        rows = np.flatnonzero(np.asarray(pattern[:, cols].sum(axis=1)).ravel() > 0)
        if not rows.size:
            continue
        free = _null_space(sub[rows][:, cols].toarray())
        fixed = np.linalg.norm(free, axis=1) < _TOLERANCE if free.size else np.ones(len(cols), dtype=bool)
        found.append(unknown[cols[fixed]])
    return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """Return an orthonormal basis of the null space (columns); the thin SVD when there are more rows than columns."""
    m, n = matrix.shape
    _, values, vh = linalg.svd(matrix, full_matrices=m < n)
    rank = int((values > _TOLERANCE * max(m, n) * (values[0] if values.size else 0)).sum())
    return vh[rank:].T.conj()
