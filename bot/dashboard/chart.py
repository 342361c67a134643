"""The dashboard's trend chart as a PNG, drawn with matplotlib's object API (no pyplot state).

:func:`render` is pure and synchronous; :func:`render_in_worker` runs it in a worker process so
the event loop keeps answering.
Labels arrive already translated; Chinese is drawn with Noto Sans CJK SC from the ``mplfonts``
package, so the chart needs no system fonts.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Discord shows an embed image up to about 400 px wide on desktop; 1200×900 at 150 dpi stays
# sharp when scaled down, and the text sizes below stay readable at that scale.
SIZE_INCHES = (8.0, 6.0)
DPI = 150
COLOURS = ("#2f6db5", "#e07b39", "#3a9d5d", "#b8446a")


@cache
def cjk_font() -> str | None:
    """The name of a CJK font matplotlib can use, registered once."""
    path = files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.is_file():
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@dataclass(frozen=True)
class Panel:
    title: str
    lines: Mapping[str, Sequence[float | None]]  # legend label -> one value per bucket
    percent: bool = False


def render(
    title: str, bucket_labels: Sequence[str], panels: Sequence[Panel], partial_note: str | None = None
) -> bytes:
    """Up to four panels in a 2×2 grid, one line per series; missing values leave a gap.

    With ``partial_note`` the last bucket is still running (today, this week, this month): its
    point is hollow and joined by a dashed line, so a month one day old does not read as a fall,
    and the note says so under the chart."""
    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": family, "font.size": 9, "axes.titlesize": 11}):
        figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(title, fontsize=13)
        axes = figure.subplots(2, 2, squeeze=False).flatten()
        positions = list(range(len(bucket_labels)))
        step = max(1, len(bucket_labels) // 6)
        for index, ax in enumerate(axes):
            if index >= len(panels):
                ax.set_visible(False)
                continue
            panel = panels[index]
            for colour, (label, values) in zip(COLOURS, panel.lines.items(), strict=False):
                ys = [float("nan") if value is None else value for value in values]
                done = len(ys) - 1 if partial_note and len(ys) > 1 else len(ys)
                ax.plot(
                    positions[:done],
                    ys[:done],
                    marker="o",
                    markersize=4,
                    linewidth=2,
                    color=colour,
                    label=label,
                )
                if done < len(ys):
                    ax.plot(
                        positions[done - 1 :], ys[done - 1 :], linestyle="--", linewidth=1.5, color=colour
                    )
                    ax.plot(positions[-1:], ys[-1:], marker="o", markersize=5, fillstyle="none", color=colour)
            ax.set_title(panel.title)
            ax.set_xticks(positions[::step], [bucket_labels[i] for i in positions[::step]])
            ax.grid(axis="y", alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
            if panel.percent:
                ax.set_ylim(-100 if any((v or 0) < 0 for vs in panel.lines.values() for v in vs) else 0, 100)
            else:
                ax.set_ylim(bottom=0)
            if len(panel.lines) > 1:
                ax.legend(fontsize=8, frameon=False, loc="best")
        if partial_note:  # under the bottom row, where the layout leaves room for it
            for ax in axes[-2:]:
                if ax.get_visible():
                    ax.set_xlabel(partial_note, fontsize=8, color="#555555")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


# Drawing holds the GIL for long stretches: in a thread it would still stall the event loop, so
# the chart is drawn in a process of its own (spawned, not forked: the bot's process runs an event
# loop and threads whose locks a fork would copy mid-use).
_worker_lock = threading.Lock()
_worker: ProcessPoolExecutor | None = None


def _worker_pool() -> ProcessPoolExecutor:
    global _worker  # noqa: PLW0603 - one pool per process, created on first use
    with _worker_lock:
        if _worker is None:
            _worker = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _worker


async def render_in_worker(
    title: str, bucket_labels: Sequence[str], panels: Sequence[Panel], partial_note: str | None = None
) -> bytes:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        _worker_pool(), render, title, list(bucket_labels), list(panels), partial_note
    )


def shutdown_chart_worker() -> None:
    global _worker  # noqa: PLW0603 - see _worker_pool
    with _worker_lock:
        if _worker is not None:
            _worker.shutdown(wait=True, cancel_futures=True)
            _worker = None
