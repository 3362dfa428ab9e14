"""What every plot shares: new axes, the texts in the chosen language, and codes with their names."""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ConfigError
from ..reference import LEVEL_NAMES, occupations, sectors, specialties
from ..report.labels import plot_text
from ..units import PERSONS

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Keys of a forecast's series whose codes have names in the reference tables.
_NAMED = ("occupation", "sector", "specialty")
# Inside ``off_screen()``: new figures are plain matplotlib Figures, which pyplot neither keeps nor shows.
_OFF_SCREEN: ContextVar[bool] = ContextVar("off_screen", default=False)


def unit_of_frames(*frames: pd.DataFrame | None) -> str:
    """Return the unit of the first frame that names one (``attrs["unit"]``): persons when none does.

    A forecast read back from a file has lost its ``attrs``; the history it was made from still says thousands.

    Examples
    --------
    >>> history = pd.DataFrame({"y": [2.31]})
    >>> history.attrs["unit"] = "thousand persons"
    >>> unit_of_frames(pd.DataFrame({"mean": [2.4]}), history), unit_of_frames(None)
    ('thousand persons', 'persons')
    """
    return next(
        (str(frame.attrs["unit"]) for frame in frames if frame is not None and "unit" in frame.attrs), PERSONS
    )


@contextlib.contextmanager
def off_screen() -> Iterator[None]:
    """Draw the figures made within the block off screen: no window and no pyplot figure, whatever the backend.

    Such a figure is saved with ``fig.savefig("name.png")`` (matplotlib's Agg renderer) and freed with the last
    reference to it, so a batch job can draw many without closing them or changing the backend in use.

    Examples
    --------
    >>> with off_screen():
    ...     ax = new_axes(None, 3)
    >>> type(ax.figure).__name__, ax.figure.canvas.manager is None
    ('Figure', True)
    """
    token = _OFF_SCREEN.set(True)
    try:
        yield
    finally:
        _OFF_SCREEN.reset(token)


def new_figure(**kwargs: Any) -> Figure:
    """Return a new figure (``plt.figure(**kwargs)``), or one pyplot does not know of inside :func:`off_screen`."""
    if _OFF_SCREEN.get():
        from matplotlib.figure import Figure

        return Figure(**kwargs)
    import matplotlib.pyplot as plt

    return plt.figure(**kwargs)


def new_axes(ax: Axes | None, height: float, width: float = 9) -> Axes:
    """``ax`` itself, or the axes of a new figure ``width`` × ``height`` inches (at least 2.5 high)."""
    if ax is not None:
        return ax
    new: Axes = new_figure(figsize=(width, max(2.5, height)), layout="constrained").subplots()
    return new


def small_multiples(n: int, ncols: int) -> tuple[Figure, list[Axes]]:
    """Return a figure of ``n`` panels, ``ncols`` a row (spare cells removed), and its panels in order."""
    columns = max(1, min(ncols, n))
    rows = -(-n // columns)
    fig = new_figure(figsize=(4.2 * columns, 3.0 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    flat = list(axes.ravel())
    for spare in flat[n:]:
        spare.remove()
    return fig, flat[:n]


def chosen_series(
    series: str | Sequence[str] | None, default: Sequence[str], ax: Axes | None, plot: str
) -> list[str]:
    """Return the ids to draw: ``series`` (one id or a list) or ``default``; none, or several on one ``ax``, refused."""
    chosen = [series] if isinstance(series, str) else list(series if series is not None else default)
    if not chosen:
        raise ConfigError(f"{plot}: give at least one series.")
    if ax is not None and len(chosen) > 1:
        raise ConfigError(
            f"{plot}: {len(chosen)} series cannot share one Axes; pass series='<one unique_id>', or leave ax "
            "out to get small multiples."
        )
    return chosen


def draw_series(
    chosen: list[str],
    single: bool,
    ax: Axes | None,
    ncols: int,
    ylabel: str,
    draw: Callable[[Axes, str, bool], None],
) -> Axes | Figure:
    """Draw one series on ``ax`` (or new axes) when ``single``, else small multiples with one legend below.

    ``draw(axes, unique_id, legend)`` draws one panel; ``legend`` is true for a single panel, which keeps its own.
    """
    if single:
        one = new_axes(ax, 4.5, 9)
        draw(one, chosen[0], True)
        one.set_ylabel(ylabel)
        return one
    fig, panels = small_multiples(len(chosen), ncols)
    for panel, uid in zip(panels, chosen, strict=True):
        draw(panel, uid, False)
    figure_legend(fig, ylabel)
    return fig


def figure_legend(fig: Figure, ylabel: str) -> None:
    """One legend below the panels (each label once) and one y-axis label for the whole figure."""
    handles: dict[str, Artist] = {}
    for panel in fig.axes:
        for handle, label in zip(*panel.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=min(5, len(handles)))
    fig.supylabel(ylabel, fontsize="medium")


def texts(lang: str) -> dict[str, str]:
    """Return the plot texts in ``lang``; a :class:`~staffing_forecast.ConfigError` for another language."""
    return plot_text(lang)


def require(frame: pd.DataFrame, columns: set[str], plot: str, source: str) -> None:
    """Refuse a frame without ``columns``, naming the function whose output the plot expects."""
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"{plot}: expected a pandas DataFrame ({source}); got {type(frame).__name__}.")
    missing = columns - set(frame.columns)
    if missing:
        raise ConfigError(f"{plot}: the frame lacks {sorted(missing)}; pass {source}.")


@cache
def _names(kind: str) -> dict[str, tuple[str, str]]:
    table = {"occupation": occupations, "sector": sectors, "specialty": specialties}[kind]()
    return {
        str(code): (ru, en)
        for code, ru, en in zip(table[kind], table["name_ru"], table["name_en"], strict=True)
    }


def code_name(kind: str, code: object, lang: str) -> str:
    """Return the reference name of an ОКЗ occupation, ОКВЭД2 sector or ФГОС specialty code; ``""`` when unknown.

    Examples
    --------
    >>> code_name("specialty", "09.02.07", "ru")
    'Информационные системы и программирование'
    """
    pair = _names(kind).get(str(code))
    return "" if pair is None else pair[0 if lang == "ru" else 1]


def level_name(level: object, lang: str) -> str:
    """``spo11`` → ``СПО (на базе 11 классов)`` (or the English words); an unknown level as it is."""
    pair = LEVEL_NAMES.get(str(level))
    return str(level) if pair is None else pair[0 if lang == "ru" else 1]


def coded(kind: str, code: object, lang: str, width: int | None = None) -> str:
    """``2512 Разработчики программного обеспечения``: a code followed by its name, shortened to ``width``."""
    name = code_name(kind, code, lang)
    text = f"{code} {name}" if name else str(code)
    return text if width is None else textwrap.shorten(text, width, placeholder="…")


def program(specialty: object, level: object, lang: str, width: int | None = 60) -> str:
    """``09.02.07 Информационные системы и программирование (СПО на базе 11 классов)``.

    With ``width`` the specialty's name is shortened so that the whole fits, the code and the level kept.

    Examples
    --------
    >>> program("09.02.07", "spo11", "en", width=60)
    '09.02.07 Information systems and… (college after grade 11)'
    """
    name = code_name("specialty", specialty, lang)
    level_text = f"({level_name(level, lang)})"
    if not name:
        return f"{specialty} {level_text}"
    if width is not None:
        room = width - len(str(specialty)) - len(level_text) - 2
        name = textwrap.shorten(name, max(room, 8), placeholder="…")
    return f"{specialty} {name} {level_text}"


def shorten(text: str, width: int) -> str:
    """Cut ``text`` at a word to at most ``width`` characters, marking the cut with ``…``."""
    return textwrap.shorten(text, width, placeholder="…")


def wrap(text: str, width: int = 50) -> str:
    """Break a long title into lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(text, width))
