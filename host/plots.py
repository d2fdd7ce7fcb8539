"""PNG plots for the report, drawn with matplotlib's Agg canvas (no display, no pyplot state)."""

from __future__ import annotations

import io
from typing import Any, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

# Minute states in the timeline, in code order.
STATES = ("no record", "not worn", "upright", "slouched", "moving", "lying")
COLOURS = ("#ffffff", "#d9d9d9", "#2ca25f", "#e6550d", "#3182bd", "#756bb1")
SLOUCH_C, UPRIGHT_C, LINE_C = "#e6550d", "#2ca25f", "#08519c"
# Figure widths in inches (drawn at 100 dpi): the desktop page shows plots up to 1118 px wide;
# a phone (about 360 px of page) gets its own narrower drawing so 10 pt labels stay about 8 px
# or more on screen instead of shrinking to a third.
WIDE_IN, NARROW_IN = 11.0, 5.2
MIN_TREND_SLOTS = 7  # a trend of few days keeps bars a day's width, not the whole chart


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


def _recorded_hours(states: np.ndarray) -> tuple[int, int]:
    """Whole hours around the recorded minutes, at least 8 hours wide (0-24 when empty)."""
    cols = np.flatnonzero((states != 0).any(axis=0))
    if not len(cols):
        return 0, 24
    lo, hi = int(cols[0]) // 60, -(-(int(cols[-1]) + 1) // 60)
    while hi - lo < 8:
        lo, hi = max(0, lo - 1), min(24, hi + 1)
    return lo, hi


def _width(narrow: bool) -> float:
    return NARROW_IN if narrow else WIDE_IN


def timeline(states: np.ndarray, day_labels: Sequence[str], narrow: bool = False) -> bytes:
    """Rows of days, 1440 minute columns of state codes (see STATES)."""
    n = max(1, len(day_labels))
    fig = Figure(figsize=(_width(narrow), 0.45 * n + (2.6 if narrow else 2.0)))
    ax = fig.add_subplot()
    ax.imshow(states, aspect="auto", interpolation="nearest", vmin=0, vmax=len(STATES) - 1,
              cmap=ListedColormap(COLOURS), extent=(0, 24, n - 0.5, -0.5))
    lo, hi = _recorded_hours(states)
    ax.set_xlim(lo, hi)
    step = (1 if hi - lo <= 12 else 2) * (2 if narrow else 1)
    ax.set_xticks(range(lo, hi + 1, step))
    ax.set_xticklabels(["%02d:00" % h for h in range(lo, hi + 1, step)])
    ax.set_yticks(range(n))
    ax.set_yticklabels(day_labels)
    ax.set_xlabel("local time")
    ax.set_title("Posture through each day")
    fig.legend(handles=[Patch(facecolor=c, edgecolor="#999999", label=s) for s, c in zip(STATES, COLOURS)],
               loc="lower center", ncol=3 if narrow else len(STATES), frameon=False)
    fig.tight_layout(rect=(0, (0.9 if narrow else 0.5) / fig.get_figheight(), 1, 1))
    return _png(fig)


def by_hour(rows: Sequence[dict[str, Any]], worn_days: int, narrow: bool = False) -> bytes:
    """Slouched and upright minutes per hour of day, averaged over the days the clip was worn
    (a week with two worn days shows a worn day's figures, not a seventh of two)."""
    fig = Figure(figsize=(_width(narrow), 3.4))
    ax = fig.add_subplot()
    hours = np.arange(24)
    n = max(1, worn_days)
    slouch = np.array([r["slouch_min"] for r in rows]) / n
    upright = np.array([r["upright_min"] for r in rows]) / n
    if not (slouch.any() or upright.any()):
        _empty(ax, "no seated time in this period")
    else:
        ax.bar(hours, slouch, color=SLOUCH_C, label="slouched")
        ax.bar(hours, upright, bottom=slouch, color=UPRIGHT_C, alpha=0.35, label="upright (seated)")
        shown = hours[::3] if narrow else hours
        ax.set_xticks(shown)
        ax.set_xticklabels(["%02d" % h for h in shown])
        ax.set_xlabel("hour of day (local time)")
        ax.set_ylabel("minutes per worn day")
        ax.legend(frameon=False)
    ax.set_title("Slouched minutes per hour of day")
    fig.tight_layout()
    return _png(fig)


def trend(rows: Sequence[dict[str, Any]], narrow: bool = False) -> bytes:
    """Slouched minutes (bars) and upright share (line) per day (two days or more: the report
    says in words why there is no trend of one day)."""
    fig = Figure(figsize=(_width(narrow), 3.6 if narrow else 3.4))
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    ax.bar(x, [r["slouch_min"] for r in rows], color=SLOUCH_C, label="slouched minutes", width=0.6)
    ax.set_xlim(-0.5, max(len(rows), MIN_TREND_SLOTS) - 0.5)
    ax.set_ylabel("slouched minutes")
    every = max(1, -(-len(rows) // (7 if narrow else 20)))
    ax.set_xticks(x[::every])
    ax.set_xticklabels([r["date"][5:] for r in rows][::every],
                       rotation=45 if len(rows) > 10 or narrow else 0)
    ax2 = ax.twinx()
    share = [np.nan if r["upright_share"] is None else 100 * r["upright_share"] for r in rows]
    ax2.plot(x, share, color=LINE_C, marker="o", label="upright share of seated time")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("upright %")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower left", frameon=False)
    ax.set_title("Trend over the days")
    fig.tight_layout()
    return _png(fig)


def responses(times_s: Sequence[float], median_label: str = "", narrow: bool = False) -> bytes:
    """Histogram of the time from an alert to sitting up again (whole-number episode counts)."""
    fig = Figure(figsize=(_width(narrow), 3.0))
    ax = fig.add_subplot()
    if not times_s:
        _empty(ax, "no alerts in this period")
    else:
        t = np.asarray(times_s, dtype=float)
        top = max(60.0, float(np.percentile(t, 98)))
        ax.hist(np.clip(t, 0, top), bins=[float(x) for x in np.linspace(0, top, 25)], color=LINE_C, alpha=0.8)
        med = float(np.median(t))
        ax.axvline(med, color=SLOUCH_C, linestyle="--", label="median " + (median_label or "%.0f s" % med))
        ax.set_xlabel("seconds from the alert to sitting up")
        ax.set_ylabel("episodes")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False)
    ax.set_title("How quickly alerts work")
    fig.tight_layout()
    return _png(fig)
