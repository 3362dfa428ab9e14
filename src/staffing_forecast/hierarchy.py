"""Hierarchies of series: which aggregates are sums of which bottom series, and the panel at every level.

A :class:`Hierarchy` is built from a panel's key columns. Each *level* is a set of keys kept (the others are
summed over and hold ``"*"``, the rule of :func:`staffing_forecast.aggregate`), so the ids of every level follow
one rule and never collide. The finest level (the union of every level's keys) is the *bottom*; every other series
is a sum of bottom series, which the summing matrix ``S`` records (rows: every series in :attr:`Hierarchy.ids`
order, aggregates first and the bottom last; columns: the bottom series).

Levels whose key sets are not nested (employer totals beside occupation totals) make a *grouped* (crossed)
structure: every series still sums bottom series, but a bottom series then has several parents. Top-down and
middle-out reconciliation need a strict tree; bottom-up and the least-squares methods work with both.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from .errors import ConfigError, SchemaError, closest
from .schema import ALL, DS, HIERARCHY_LEVEL, UNIQUE_ID, Y, key_columns, make_unique_id

__all__ = ["TOTAL", "Hierarchy", "with_occupation_group"]

#: Name of the level that sums every series (no key kept).
TOTAL = "total"

LevelSpec = Sequence[Sequence[str]] | Mapping[str, Sequence[str]]


def with_occupation_group(panel: pd.DataFrame, *, column: str = "occupation_group") -> pd.DataFrame:
    """Add the 3-digit ОКЗ group of each occupation as a key column placed just before ``occupation``.

    The group is the first three digits of the 4-digit code (ОК 010-2014), as in
    ``sf.reference.occupations()["group"]``. Because key order makes ``unique_id``, the bottom ids gain the group
    (``67/62.01/E017/251/2512``); aggregate ids keep the ``*`` rule.

    Examples
    --------
    >>> panel = pd.DataFrame({"unique_id": ["E1/2512"], "ds": [pd.Timestamp("2025-01-01")], "y": [3.0],
    ...                       "employer": ["E1"], "occupation": ["2512"]})
    >>> with_occupation_group(panel)[["unique_id", "employer", "occupation_group", "occupation"]].iloc[0].tolist()
    ['E1/251/2512', 'E1', '251', '2512']
    """
    if "occupation" not in panel.columns:
        raise SchemaError(
            f"with_occupation_group: the panel has no 'occupation' column (it has {list(panel.columns)})."
        )
    codes = panel["occupation"].astype(str)
    bad = codes[~codes.str.fullmatch(r"\d{4}")]
    if len(bad):
        raise SchemaError(
            f"with_occupation_group: occupation {bad.iloc[0]!r} is not a 4-digit ОКЗ code ({len(bad)} row(s)); "
            "aggregate occupations only after grouping, or drop the aggregate rows."
        )
    out = panel.drop(columns=[column], errors="ignore")
    out.insert(int(out.columns.get_loc("occupation")), column, codes.str[:3])
    keys = key_columns(out)
    out[UNIQUE_ID] = make_unique_id(out, keys)
    return out


def _level_name(keys: Sequence[str]) -> str:
    return "/".join(keys) if keys else TOTAL


@dataclasses.dataclass(frozen=True, eq=False)
class Hierarchy:
    """Levels of aggregation over a panel's bottom series, with their ids and summing matrix.

    Build one with :meth:`from_keys`. Attributes are read-only.

    Attributes
    ----------
    keys
        Every key column of the panel, in id order.
    levels
        ``{level name: keys kept}``, coarse to fine; the last is the bottom level.
    bottom
        The key values of the bottom series, one row each, in :attr:`bottom_ids` order.
    is_tree
        Whether every series has exactly one parent on the next coarser level (a strictly hierarchical,
        "nested" structure) rather than a grouped one.
    """

    keys: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]
    bottom: pd.DataFrame
    is_tree: bool

    # ---- construction ----------------------------------------------------------------------------------------
    @classmethod
    def from_keys(cls, panel: pd.DataFrame, levels: LevelSpec, *, nested: bool | None = None) -> Hierarchy:
        """Build the hierarchy of a panel from the keys kept at each level.

        Parameters
        ----------
        panel
            A panel (``unique_id``, ``ds``, ``y`` and text key columns) at the bottom level or finer.
        levels
            Keys kept at each level, as a list (``[[], ["sector"], ["sector", "employer"]]``; names are the keys
            joined with ``/``, ``"total"`` for ``[]``) or a dict ``{name: keys}``. The bottom level is the union
            of all keys named; it is added when not listed. A panel with more keys than the bottom level is
            summed to it. Several key sets that are not nested make a grouped structure (employers crossed with
            occupations).
        nested
            ``True`` requires a strict tree: a series with two parents on the next coarser level is a
            :class:`~staffing_forecast.SchemaError` naming it. ``None`` (default) decides from the data
            (:attr:`is_tree`).

        Returns
        -------
        Hierarchy

        Examples
        --------
        >>> panel = pd.DataFrame({"unique_id": ["A/E1", "A/E2", "B/E3"], "ds": pd.Timestamp("2025-01-01"),
        ...                       "y": [1.0, 2.0, 4.0], "sector": ["A", "A", "B"], "employer": ["E1", "E2", "E3"]})
        >>> h = Hierarchy.from_keys(panel, [[], ["sector"], ["sector", "employer"]])
        >>> h.ids
        ['*/*', 'A/*', 'B/*', 'A/E1', 'A/E2', 'B/E3']
        >>> h.summing_matrix().toarray().astype(int).tolist()[:3]
        [[1, 1, 1], [1, 1, 0], [0, 0, 1]]
        """
        if not isinstance(panel, pd.DataFrame):
            raise SchemaError(f"Hierarchy.from_keys: panel must be a DataFrame, not {type(panel).__name__}.")
        keys = key_columns(panel)
        if not keys:
            raise SchemaError(
                "Hierarchy.from_keys: the panel has no key columns (text columns such as 'sector', 'employer', "
                "'occupation'), so there is nothing to aggregate by."
            )
        spec = cls._levels(levels, keys)
        bottom_keys = tuple(k for k in keys if any(k in kept for kept in spec.values()))
        if bottom_keys not in spec.values():
            spec[_level_name(bottom_keys)] = bottom_keys
        # coarse to fine: fewer keys first, the bottom last; the given order breaks ties
        order = sorted(spec, key=lambda name: len(spec[name]))
        spec = {name: spec[name] for name in order}
        summed = [k for k in keys if (panel[k].astype(str) == ALL).any()]
        if summed:
            raise SchemaError(
                f"Hierarchy.from_keys: key {summed[0]!r} holds '*' (an aggregate) in some rows; build the hierarchy "
                "from the bottom series only (the panel before sf.aggregate)."
            )
        bottom = (
            panel[list(bottom_keys)]
            .astype(str)
            .drop_duplicates()
            .sort_values(list(bottom_keys))
            .reset_index(drop=True)
        )
        hierarchy = cls(tuple(keys), spec, bottom, is_tree=False)
        tree, problem = hierarchy._check_tree()
        if nested and not tree:
            raise SchemaError(f"Hierarchy.from_keys: nested=True, but {problem}")
        object.__setattr__(hierarchy, "is_tree", tree)
        return hierarchy

    @staticmethod
    def _levels(levels: LevelSpec, keys: list[str]) -> dict[str, tuple[str, ...]]:
        if isinstance(levels, str) or not isinstance(levels, (Sequence, Mapping)):
            raise ConfigError(
                f"Hierarchy.from_keys: levels={levels!r}; give the keys kept at each level, e.g. "
                "[[], ['sector'], ['sector', 'employer']]."
            )
        items = list(levels.items()) if isinstance(levels, Mapping) else [(None, kept) for kept in levels]
        if not items:
            raise ConfigError("Hierarchy.from_keys: levels is empty; give at least one level, e.g. [[]].")
        spec: dict[str, tuple[str, ...]] = {}
        for name, kept in items:
            if isinstance(kept, str):
                raise ConfigError(
                    f"Hierarchy.from_keys: level {kept!r} is a string; give a list of keys, e.g. [{kept!r}]."
                )
            kept = list(kept)
            for key in kept:
                if key not in keys:
                    raise SchemaError(
                        f"Hierarchy.from_keys: key {key!r} is not a key column of the panel"
                        f"{closest(key, keys)} Keys: {keys}. Add the column (text) or change the level."
                    )
            if len(set(kept)) != len(kept):
                raise ConfigError(f"Hierarchy.from_keys: level {kept} repeats a key.")
            ordered = tuple(k for k in keys if k in kept)  # id order, whatever order was given
            label = str(name) if name is not None else _level_name(ordered)
            if ordered in spec.values():
                raise ConfigError(f"Hierarchy.from_keys: level {list(kept)} is given twice.")
            if label in spec:
                raise ConfigError(f"Hierarchy.from_keys: two levels are named {label!r}.")
            spec[label] = ordered
        return spec

    # ---- structure --------------------------------------------------------------------------------------------
    @cached_property
    def _codes(self) -> dict[str, np.ndarray]:
        """For each level, the row (within the level) of every bottom series' ancestor."""
        out = {}
        for name, kept in self.levels.items():
            if kept:
                out[name] = self.bottom.groupby(list(kept), sort=True).ngroup().to_numpy()
            else:
                out[name] = np.zeros(len(self.bottom), dtype=np.int64)
        return out

    @cached_property
    def _level_frames(self) -> dict[str, pd.DataFrame]:
        """Each level's series: key values (``*`` for summed keys) and ``unique_id``, in code order."""
        out = {}
        for name, kept in self.levels.items():
            codes = self._codes[name]
            first = np.unique(codes, return_index=True)[1]
            frame = self.bottom.iloc[first].reset_index(drop=True)
            for key in self.keys:
                if key not in kept:
                    frame[key] = ALL
            frame = frame[list(self.keys)]
            frame.insert(0, UNIQUE_ID, make_unique_id(frame, list(self.keys)).to_numpy())
            out[name] = frame
        return out

    def _check_tree(self) -> tuple[bool, str]:
        names = list(self.levels)
        for coarse, fine in itertools.pairwise(names):
            pairs = pd.DataFrame({"fine": self._codes[fine], "coarse": self._codes[coarse]}).drop_duplicates()
            twice = pairs["fine"].duplicated(keep=False)
            if twice.any():
                child = int(pairs.loc[twice, "fine"].iloc[0])
                parents = pairs.loc[pairs["fine"] == child, "coarse"].to_numpy()[:2]
                coarse_ids = self._level_frames[coarse][UNIQUE_ID].to_numpy()
                return False, (
                    f"series {self._level_frames[fine][UNIQUE_ID].iloc[child]!r} (level {fine!r}) has two parents "
                    f"on level {coarse!r}: {coarse_ids[parents[0]]!r} and {coarse_ids[parents[1]]!r}. Keep the "
                    f"keys of {coarse!r} in {fine!r} (e.g. {list(self.levels[coarse] + self.levels[fine])}), or "
                    "pass nested=None for a grouped structure."
                )
        return True, ""

    @cached_property
    def ids(self) -> list[str]:
        """Every series, coarse levels first and the bottom last; within a level sorted by key values."""
        return [uid for frame in self._level_frames.values() for uid in frame[UNIQUE_ID]]

    @property
    def bottom_ids(self) -> list[str]:
        """The bottom series, in the column order of :meth:`summing_matrix`."""
        return list(self._level_frames[self.bottom_level][UNIQUE_ID])

    @property
    def bottom_level(self) -> str:
        """Name of the finest level."""
        return list(self.levels)[-1]

    @cached_property
    def level_of(self) -> pd.Series:
        """``hierarchy_level`` of every id (a Series indexed by ``unique_id``)."""
        names = np.repeat(list(self.levels), [len(f) for f in self._level_frames.values()])
        return pd.Series(names, index=pd.Index(self.ids, name=UNIQUE_ID), name=HIERARCHY_LEVEL)

    @cached_property
    def key_table(self) -> pd.DataFrame:
        """``unique_id``, ``hierarchy_level`` and the key values of every series, in :attr:`ids` order."""
        frame = pd.concat(self._level_frames.values(), ignore_index=True)
        frame.insert(1, HIERARCHY_LEVEL, self.level_of.to_numpy())
        return frame

    @cached_property
    def tags(self) -> dict[str, np.ndarray]:
        """``{level name: ids}``, the ``tags`` of hierarchicalforecast."""
        return {name: frame[UNIQUE_ID].to_numpy() for name, frame in self._level_frames.items()}

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}: {len(f)}" for name, f in self._level_frames.items())
        kind = "tree" if self.is_tree else "grouped"
        return f"Hierarchy({kind}; {len(self.ids)} series; {sizes})"

    def summing_matrix(self) -> sparse.csr_matrix:
        """Return the summing matrix ``S`` (scipy.sparse CSR, 0/1).

        Rows are in :attr:`ids` order, columns in :attr:`bottom_ids` order; ``S @ bottom`` gives every series.

        Examples
        --------
        >>> panel = pd.DataFrame({"unique_id": ["E1/2512", "E1/2514", "E2/2512"], "ds": pd.Timestamp("2025-01-01"),
        ...                       "y": 1.0, "employer": ["E1", "E1", "E2"], "occupation": ["2512", "2514", "2512"]})
        >>> h = Hierarchy.from_keys(panel, [[], ["employer"], ["occupation"]])
        >>> h.ids
        ['*/*', 'E1/*', 'E2/*', '*/2512', '*/2514', 'E1/2512', 'E1/2514', 'E2/2512']
        >>> h.summing_matrix().shape, h.is_tree
        ((8, 3), False)
        """
        n_bottom = len(self.bottom)
        rows, offset = [], 0
        for name, frame in self._level_frames.items():
            rows.append(self._codes[name] + offset)
            offset += len(frame)
        row = np.concatenate(rows)
        col = np.tile(np.arange(n_bottom), len(rows))
        return sparse.csr_matrix((np.ones(row.size), (row, col)), shape=(offset, n_bottom))

    # ---- data --------------------------------------------------------------------------------------------------
    def aggregate(self, panel: pd.DataFrame) -> pd.DataFrame:
        """Sum a bottom-level (or finer) panel to every level: one panel with all of :attr:`ids`.

        ``y`` is summed; exogenous columns are dropped (aggregate drivers with :func:`staffing_forecast.aggregate`
        and its ``exog=`` if a model needs them). Keys summed over hold ``"*"``.

        Examples
        --------
        >>> panel = pd.DataFrame({"unique_id": ["A/E1", "A/E2", "B/E3"], "ds": pd.Timestamp("2025-01-01"),
        ...                       "y": [1.0, 2.0, 4.0], "sector": ["A", "A", "B"], "employer": ["E1", "E2", "E3"]})
        >>> h = Hierarchy.from_keys(panel, [[], ["sector"], ["sector", "employer"]])
        >>> h.aggregate(panel)[["unique_id", "y"]].to_dict("list")
        {'unique_id': ['*/*', 'A/*', 'A/E1', 'A/E2', 'B/*', 'B/E3'], 'y': [7.0, 3.0, 1.0, 2.0, 4.0, 4.0]}
        """
        rows = self.bottom_index(panel)
        dates = panel[DS].to_numpy()
        values = panel[Y].to_numpy(dtype=float)
        parts = []
        for name, frame in self._level_frames.items():
            codes = self._codes[name][rows]
            summed = (
                pd.DataFrame({"_code": codes, DS: dates, Y: values})
                .groupby(["_code", DS], sort=False)[Y]
                .sum()
                .reset_index()
            )
            table = frame.iloc[summed["_code"].to_numpy()].reset_index(drop=True)
            parts.append(pd.concat([table[[UNIQUE_ID]], summed[[DS, Y]], table[list(self.keys)]], axis=1))
        out = pd.concat(parts, ignore_index=True)
        return out.sort_values([UNIQUE_ID, DS], kind="stable").reset_index(drop=True)

    def bottom_index(self, panel: pd.DataFrame) -> np.ndarray:
        """Return the position in :attr:`bottom_ids` of each row of a bottom-level (or finer) panel.

        A row of a series outside the hierarchy is a :class:`~staffing_forecast.SchemaError`.
        """
        bottom_keys = list(self.levels[self.bottom_level])
        missing = [k for k in bottom_keys if k not in panel.columns]
        if missing:
            raise SchemaError(
                f"the panel lacks key column(s) {missing} of the hierarchy's bottom level {self.bottom_level!r}; "
                f"it has {list(panel.columns)}."
            )
        index = pd.MultiIndex.from_frame(self.bottom[bottom_keys])
        rows = index.get_indexer(pd.MultiIndex.from_frame(panel[bottom_keys].astype(str)))
        if (rows < 0).any():
            first = panel.iloc[int(np.flatnonzero(rows < 0)[0])]
            values = "/".join(str(first[k]) for k in bottom_keys)
            raise SchemaError(
                f"the panel has {int((rows < 0).sum())} row(s) of series outside the hierarchy, e.g. {bottom_keys} "
                f"= {values!r}; build the hierarchy from this panel (Hierarchy.from_keys)."
            )
        return rows

    def restrict(self, bottom_ids: Sequence[str]) -> Hierarchy:
        """Return the hierarchy over some of the bottom series only (aggregates left without a child disappear)."""
        wanted = pd.Index(bottom_ids)
        position = pd.Index(self.bottom_ids).get_indexer(wanted)
        if (position < 0).any():
            raise SchemaError(
                f"restrict: {wanted[position < 0][0]!r} is not a bottom series of the hierarchy."
            )
        bottom = self.bottom.iloc[np.sort(position)].reset_index(drop=True)
        out = Hierarchy(self.keys, dict(self.levels), bottom, is_tree=False)
        object.__setattr__(out, "is_tree", out._check_tree()[0])
        return out

    def label(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return ``frame`` with a ``hierarchy_level`` column from its ``unique_id`` (for ``sf.evaluate(by=...)``).

        Examples
        --------
        >>> panel = pd.DataFrame({"unique_id": ["A/E1", "B/E3"], "ds": pd.Timestamp("2025-01-01"), "y": 1.0,
        ...                       "sector": ["A", "B"], "employer": ["E1", "E3"]})
        >>> h = Hierarchy.from_keys(panel, [[], ["sector", "employer"]])
        >>> h.label(h.aggregate(panel))["hierarchy_level"].tolist()
        ['total', 'sector/employer', 'sector/employer']
        """
        levels = frame[UNIQUE_ID].map(self.level_of)
        if levels.isna().any():
            uid = frame.loc[levels.isna(), UNIQUE_ID].iloc[0]
            raise SchemaError(f"label: series {uid!r} is not in the hierarchy.")
        out = frame.drop(columns=[HIERARCHY_LEVEL], errors="ignore")
        position = out.columns.get_loc(UNIQUE_ID) + 1
        out.insert(int(position), HIERARCHY_LEVEL, levels.to_numpy())
        return out
