"""Small inline SVG charts for the re-ID analysis page (no JavaScript, no build step)."""

from django.utils.html import escape

WIDTH, HEIGHT, PAD = 640, 220, 36


def histogram_svg(buckets, title):
    """Bars for [{"from", "to", "count"}]."""
    if not buckets:
        return ""
    peak = max(b["count"] for b in buckets) or 1
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    bar = inner_w / len(buckets)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<text x="{PAD}" y="18" class="chart-title">{escape(title)}</text>',
    ]
    for i, b in enumerate(buckets):
        h = inner_h * b["count"] / peak
        x, y = PAD + i * bar, PAD + inner_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}" height="{h:.1f}" class="bar">'
            f"<title>{b['from']:.2f}–{b['to']:.2f}: {b['count']:,}</title></rect>"
        )
        if i % max(1, len(buckets) // 8) == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 12}" class="axis">{b["from"]:.2f}</text>')
    parts.append(f'<text x="4" y="{PAD + 4}" class="axis">{peak:,}</text></svg>')
    return "".join(parts)


def curves_svg(rows, series, title):
    """Lines over thresholds for the keys in `series` ({key: label}); values in 0..1."""
    rows = [r for r in rows if all(r.get(k) is not None for k in series)]
    if len(rows) < 2:
        return ""
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    lo, hi = rows[0]["threshold"], rows[-1]["threshold"]

    def point(t, v):
        return PAD + inner_w * (t - lo) / (hi - lo), PAD + inner_h * (1 - v)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<text x="{PAD}" y="18" class="chart-title">{escape(title)}</text>',
    ]
    for n, (key, label) in enumerate(series.items()):
        points = " ".join("{:.1f},{:.1f}".format(*point(r["threshold"], r[key])) for r in rows)
        parts.append(f'<polyline points="{points}" class="line line-{n}"/>')
        parts.append(f'<text x="{WIDTH - PAD - 120}" y="{PAD + 14 * n}" class="legend line-{n}">{escape(label)}</text>')
    for r in rows[:: max(1, len(rows) // 7)]:
        x, _ = point(r["threshold"], 0)
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 12}" class="axis">{r["threshold"]:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)
