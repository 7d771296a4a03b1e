"""Small inline SVG charts for the re-ID analysis page (no JavaScript, no build step).

Drawn at their natural size (text 12-14 px, never scaled below it by the page's CSS), with a
labelled y-axis and x-axis, and the legend in its own margin right of the plot, never over the data.
"""

from django.utils.html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 150, 34, 46  # the plot's margins; the legend sits in RIGHT
FONT, TITLE_FONT = 12, 14


def _frame(title, y_label, x_label):
    return [
        f'<svg class="chart" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="{LEFT}" y="20" class="chart-title" font-size="{TITLE_FONT}">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" class="axis-line"/>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" class="axis-line"/>',
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 6}" class="axis" font-size="{FONT}" '
        f'text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="14" y="{(TOP + HEIGHT - BOTTOM) / 2:.0f}" class="axis" font-size="{FONT}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(TOP + HEIGHT - BOTTOM) / 2:.0f})">{escape(y_label)}</text>',
    ]


def _y_ticks(values, fmt):
    inner_h = HEIGHT - TOP - BOTTOM
    top = max(values[-1], 1e-9)
    parts = []
    for value in values:
        y = TOP + inner_h * (1 - value / top)
        parts.append(f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{LEFT}" y2="{y:.1f}" class="axis-line"/>')
        parts.append(
            f'<text x="{LEFT - 7}" y="{y + 4:.1f}" class="axis" font-size="{FONT}" text-anchor="end">{fmt(value)}</text>'
        )
    return parts


def _x_tick(x, label):
    y = HEIGHT - BOTTOM
    return (
        f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" class="axis-line"/>'
        f'<text x="{x:.1f}" y="{y + 17}" class="axis" font-size="{FONT}" text-anchor="middle">{label}</text>'
    )


def histogram_svg(buckets, title):
    """Bars for [{"from", "to", "count"}]."""
    if not buckets:
        return ""
    peak = max(b["count"] for b in buckets) or 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bar = inner_w / len(buckets)
    parts = _frame(title, "attempts" if "attempt" in title.lower() else "scores", "cosine similarity")
    parts += _y_ticks([0, peak / 2, peak], lambda v: f"{v:,.0f}")
    for i, b in enumerate(buckets):
        h = inner_h * b["count"] / peak
        x, y = LEFT + i * bar, TOP + inner_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}" height="{h:.1f}" class="bar">'
            f"<title>{b['from']:.2f}–{b['to']:.2f}: {b['count']:,}</title></rect>"
        )
        if i % max(1, len(buckets) // 7) == 0:
            parts.append(_x_tick(x, f"{b['from']:.2f}"))
    parts.append("</svg>")
    return "".join(parts)


def curves_svg(rows, series, title):
    """Lines over thresholds for the keys in `series` ({key: label}); values in 0..1."""
    rows = [r for r in rows if all(r.get(k) is not None for k in series)]
    if len(rows) < 2:
        return ""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    lo, hi = rows[0]["threshold"], rows[-1]["threshold"]

    def point(t, v):
        return LEFT + inner_w * (t - lo) / (hi - lo), TOP + inner_h * (1 - v)

    parts = _frame(title, "share (0–1)", "threshold")
    parts += _y_ticks([0, 0.25, 0.5, 0.75, 1.0], lambda v: f"{v:.2f}")
    for n, (key, label) in enumerate(series.items()):
        points = " ".join("{:.1f},{:.1f}".format(*point(r["threshold"], r[key])) for r in rows)
        parts.append(f'<polyline points="{points}" class="line line-{n}"/>')
        x, y = WIDTH - RIGHT + 16, TOP + 8 + 20 * n
        parts.append(f'<line x1="{x}" y1="{y}" x2="{x + 18}" y2="{y}" class="line line-{n}"/>')
        parts.append(
            f'<text x="{x + 24}" y="{y + 4}" class="legend line-{n}" font-size="{FONT}">{escape(label)}</text>'
        )
    for r in rows[:: max(1, len(rows) // 7)]:
        x, _ = point(r["threshold"], 0)
        parts.append(_x_tick(x, f"{r['threshold']:.2f}"))
    parts.append("</svg>")
    return "".join(parts)
