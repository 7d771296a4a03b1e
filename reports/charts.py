"""Report charts drawn with matplotlib (object API, Agg canvas: no pyplot global state) and
returned as PNG data URIs, which WeasyPrint and browsers embed at almost no layout cost.

Labels come from users (comparison period labels): every chart is drawn with mathtext off, so a
`$` is a dollar sign, never a formula (`$x^$` would raise, `$a$ $b$` would render as math).
"""

import base64
import functools
import io

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

CLASS_COLOURS = {
    "buck": "#6b4f2a",
    "doe": "#c08a3e",
    "fawn": "#e7c98f",
    "unknown": "#9aa39a",
    "cattle": "#3d6b8c",
    "pig": "#c96f6f",
    "raccoon": "#6f6f8f",
    "coyote": "#8c5fa8",
    "turkey": "#4f8f6f",
    "human": "#444444",
    "vehicle": "#a0a0c0",
}
FALLBACK_COLOUR = "#7f7f7f"
DPI = 120
FONT = {"family": "DejaVu Sans", "size": 10}  # 10 pt at 120 dpi: >= 11 px when a chart is printed 640 px wide


def plain_text(draw):
    """Draw with mathtext off for every text the chart creates (labels, legend, ticks at savefig)."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context({"text.parse_math": False}):
            return draw(*args, **kwargs)

    return wrapper


def colour(name):
    return CLASS_COLOURS.get(name, FALLBACK_COLOUR)


def _figure(width, height, bottom=0.14):
    # Fixed margins instead of bbox_inches="tight", which draws every chart twice.
    figure = Figure(figsize=(width, height), dpi=DPI)
    figure.subplots_adjust(left=0.09, right=0.83, top=0.96, bottom=bottom)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=FONT["size"])
    axes.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return figure, axes


def _data_uri(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _thin_labels(labels, keep=24):
    step = max(1, -(-len(labels) // keep))
    return [label if index % step == 0 else "" for index, label in enumerate(labels)]


def _stacked(axes, positions, series, classes, width=0.8):
    """Stacked bars as one PolyCollection per class (one artist, not one patch per bar)."""
    bottoms = [0] * len(positions)
    half = width / 2
    for name in classes:
        values = series[name]
        boxes = [
            [(x - half, b), (x - half, b + v), (x + half, b + v), (x + half, b)]
            for x, b, v in zip(positions, bottoms, values, strict=False)
            if v
        ]
        axes.add_collection(PolyCollection(boxes, facecolors=colour(name), linewidths=0))
        bottoms = [b + v for b, v in zip(bottoms, values, strict=False)]
    axes.set_xlim(min(positions) - 0.6, max(positions) + 0.6)
    axes.set_ylim(0, max(max(bottoms), 1) * 1.05)


def _legend(axes, names, colours=None):
    """One column to the right of the plot (room for all eleven classes)."""
    if names:
        handles = [Patch(color=(colours or {}).get(name) or colour(name), label=name) for name in names]
        axes.legend(
            handles=handles,
            fontsize=FONT["size"],
            frameon=False,
            ncol=1,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            handlelength=1.0,
            labelspacing=0.3,
        )


@plain_text
def periods_chart(report):
    """Detections per period, stacked by class."""
    periods, classes = report["periods"], report["classes"]
    rotate = len(periods) > 8
    figure, axes = _figure(7.2, 2.8, bottom=0.24 if rotate else 0.12)
    positions = list(range(len(periods)))
    _stacked(axes, positions, {name: [p["by_class"].get(name, 0) for p in periods] for name in classes}, classes)
    axes.set_xticks(
        positions,
        _thin_labels([p["label"] for p in periods]),
        rotation=60 if rotate else 0,
        ha="right" if rotate else "center",
    )
    axes.set_ylabel("Detections", fontsize=FONT["size"])
    _legend(axes, classes)
    return _data_uri(figure)


@plain_text
def hours_chart(report):
    """Detections by local hour of day, stacked by class."""
    hours, classes = report["hours"], report["classes"]
    figure, axes = _figure(7.2, 2.4, bottom=0.18)
    positions = [row["hour"] for row in hours]
    _stacked(axes, positions, {name: [row["by_class"].get(name, 0) for row in hours] for name in classes}, classes)
    axes.set_xticks(positions, [f"{h:02d}" for h in positions])
    axes.set_xlabel(f"Hour of day ({report['time_zone']})", fontsize=FONT["size"])
    axes.set_ylabel("Detections", fontsize=FONT["size"])
    _legend(axes, classes)
    return _data_uri(figure)


@plain_text
def comparison_chart(report):
    """Detections per class, one bar group per class and one bar per period."""
    periods, classes = report["periods"], report["classes"]
    figure, axes = _figure(7.2, 2.8)
    palette = ["#6b4f2a", "#c08a3e", "#3d6b8c", "#4f8f6f", "#9aa39a"]
    width = 0.8 / max(len(periods), 1)
    for index, period in enumerate(periods):
        positions = [c + index * width - 0.4 + width / 2 for c in range(len(classes))]
        axes.bar(
            positions,
            [period["by_class"].get(name, 0) for name in classes],
            width,
            color=palette[index % len(palette)],
            label=period["label"],
            linewidth=0,
        )
    axes.set_xticks(list(range(len(classes))), classes)
    axes.set_ylabel("Detections", fontsize=FONT["size"])
    _legend(
        axes,
        [p["label"] for p in periods],
        {p["label"]: palette[index % len(palette)] for index, p in enumerate(periods)},
    )
    return _data_uri(figure)


OVERLAP_COLOURS = ("#6b4f2a", "#3d6b8c")


@plain_text
def overlap_chart(overlap):
    """Both groups' activity densities over 24 h with their overlap (the area under both) shaded."""
    curve, groups = overlap["curve"], overlap["groups"]
    figure, axes = _figure(7.2, 2.6, bottom=0.18)
    axes.yaxis.set_major_locator(MaxNLocator())
    hours = curve["hours"]
    per_hour = 2 * 3.141592653589793 / 24  # densities are per radian; 24 h = 2 pi
    a = [v * per_hour for v in curve["a"]]
    b = [v * per_hour for v in curve["b"]]
    axes.fill_between(hours, [min(x, y) for x, y in zip(a, b, strict=True)], color="#c9c2b0", linewidth=0)
    axes.plot(hours, a, color=OVERLAP_COLOURS[0], linewidth=1.8)
    axes.plot(hours, b, color=OVERLAP_COLOURS[1], linewidth=1.8, linestyle="--")
    axes.set_xlim(0, 24)
    axes.set_ylim(0, max(max(a), max(b)) * 1.08)
    axes.set_xticks(list(range(0, 25, 3)), [f"{h:02d}:00" for h in range(0, 25, 3)])
    basis = "sun time: sunrise 06:00, sunset 18:00" if overlap["time_basis"] == "sun" else overlap["time_zone"]
    axes.set_xlabel(f"Time of day ({basis})", fontsize=FONT["size"])
    axes.set_ylabel("Density per hour", fontsize=FONT["size"])
    labels = [groups[0]["label"], groups[1]["label"], "overlap"]
    _legend(axes, labels, dict(zip(labels, (*OVERLAP_COLOURS, "#c9c2b0"), strict=True)))
    return _data_uri(figure)


def report_charts(report):
    """{name: data URI} for every chart the report's layout shows."""
    if report["report_type"] == "census" or report["empty"]:
        return {}
    if report["report_type"] == "comparison":
        return {"comparison": comparison_chart(report)}
    charts = {"periods": periods_chart(report), "hours": hours_chart(report)}
    overlap = report.get("overlap")
    if overlap and overlap["curve"]["a"] and overlap["curve"]["b"]:  # a density needs 2+ events at 2+ times
        charts["overlap"] = overlap_chart(overlap)
    return charts
