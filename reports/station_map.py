"""The station map: camera sites drawn from their coordinates as plain server-rendered SVG (no
tiles, no script: it works offline, in the browser and in the PDF).

Projection: equirectangular around the sites' mean latitude (x = R cos(lat0) dlon, y = R dlat),
true to scale over a ranch. Each site is a circle whose area grows with its rate (independent
events per 100 camera-days); a site with effort and no detection is an open circle marked 0, and a
site without effort an open grey circle marked "no effort". A scale bar and a north arrow frame it.
"""

import math
from datetime import timedelta
from xml.sax.saxutils import escape

from core.timeutil import local_today
from detections.models import Location
from reports.activity import build_activity_report
from reports.cache import cached_report

EARTH_RADIUS_M = 6_371_000
WIDTH, HEIGHT, MARGIN, LEGEND_HEIGHT = 600, 400, 50, 40  # drawn 1:1 (the PDF column is 650 px): text >= 12 px
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
MAX_RADIUS, MIN_RADIUS = 24.0, 5.0
NICE_METRES = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000)


def station_rows(report):
    """Every site of an activity report's scope (its locations, or all active ones) with its
    detections, independent events, camera-days and events per 100 camera-days; sites without
    detections or effort included (the report's rows hold only sites with either)."""
    by_id = {row["id"]: row for row in report["locations"]}
    chosen = report["filters"]["location_ids"]
    locations = Location.objects.filter(id__in=chosen) if chosen else Location.objects.filter(active=True)
    rows = []
    for loc in locations.order_by("name"):
        row = by_id.pop(str(loc.id), None) or {"detections": 0, "events": 0, "camera_days": 0}
        rows.append(_row(loc.id, loc.name, loc.latitude, loc.longitude, row))
    rows += [_row(r["id"], r["name"], r["latitude"], r["longitude"], r) for r in by_id.values()]  # inactive sites
    return rows


def _row(loc_id, name, latitude, longitude, counts):
    days, events = counts["camera_days"], counts["events"]
    return {
        "id": str(loc_id),
        "name": name,
        "latitude": latitude,
        "longitude": longitude,
        "detections": counts["detections"],
        "events": events,
        "camera_days": days,
        "events_per_100_camera_days": round(events * 100.0 / days, 1) if days else None,
    }


def _nice_length(metres):
    """The largest round length not over `metres` (at least 10 m)."""
    return max([length for length in NICE_METRES if length <= metres] or [NICE_METRES[0]])


def _projector(sites):
    lat0 = math.radians(sum(s["latitude"] for s in sites) / len(sites))
    xs = [math.radians(s["longitude"]) * EARTH_RADIUS_M * math.cos(lat0) for s in sites]
    ys = [math.radians(s["latitude"]) * EARTH_RADIUS_M for s in sites]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 200.0)  # at least 200 m across
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN - LEGEND_HEIGHT
    scale = min(inner_w, inner_h) / span  # pixels per metre
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def project(site):
        x = math.radians(site["longitude"]) * EARTH_RADIUS_M * math.cos(lat0)
        y = math.radians(site["latitude"]) * EARTH_RADIUS_M
        return WIDTH / 2 + (x - cx) * scale, MARGIN + inner_h / 2 - (y - cy) * scale

    return project, scale


def _radius(rate, top):
    if not rate or not top:
        return MIN_RADIUS
    return MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(rate / top)


def _site(site, x, y, top):
    rate, name = site["events_per_100_camera_days"], escape(site["name"])
    if site["camera_days"] and site["events"]:
        radius = _radius(rate, top)
        mark = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="#c08a3e" fill-opacity="0.75" stroke="#6b4f2a"/>'
        )
        label = f"{rate:g}"
    elif site["camera_days"]:
        radius = MIN_RADIUS
        mark = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="#ffffff" stroke="#6b4f2a" stroke-width="1.5"/>'
        label = "0"
    else:
        radius = MIN_RADIUS
        mark = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="#ffffff" stroke="#9aa39a" stroke-dasharray="2 2"/>'
        )
        label = "no effort"
    text = (
        f'<text x="{x + radius + 4:.1f}" y="{y - 2:.1f}" font-size="12" {FONT} fill="#222">{name}</text>'
        f'<text x="{x + radius + 4:.1f}" y="{y + 12:.1f}" font-size="12" {FONT} fill="#555">{label}</text>'
    )
    return f'<g class="site" data-name="{name}">{mark}{text}</g>'


def _scale_bar(scale):
    metres = _nice_length(WIDTH * 0.25 / scale)
    length = metres * scale
    x, y = MARGIN, HEIGHT - LEGEND_HEIGHT - 14
    text = f"{metres // 1000:g} km" if metres >= 1000 else f"{metres} m"
    return (
        f'<g class="scale-bar"><path d="M{x} {y - 5}V{y}H{x + length:.1f}V{y - 5}" fill="none" stroke="#222" stroke-width="1.5"/>'
        f'<text x="{x + length / 2:.1f}" y="{y + 15}" text-anchor="middle" font-size="12" {FONT}>{text}</text></g>'
    )


def _north_arrow():
    x, y = WIDTH - 24, 14
    return (
        f'<g class="north-arrow"><path d="M{x} {y}l-8 22l8-6l8 6z" fill="#222"/>'
        f'<text x="{x}" y="{y + 38}" text-anchor="middle" font-size="13" font-weight="bold" {FONT}>N</text></g>'
    )


def _legend():
    y = HEIGHT - 16
    return (
        f'<g class="legend" {FONT} font-size="12" fill="#333">'
        f'<circle cx="{MARGIN + 6}" cy="{y - 4}" r="6" fill="#c08a3e" fill-opacity="0.75" stroke="#6b4f2a"/>'
        f'<text x="{MARGIN + 16}" y="{y}">events / 100 camera-days (area)</text>'
        f'<circle cx="{MARGIN + 262}" cy="{y - 4}" r="5" fill="#fff" stroke="#6b4f2a" stroke-width="1.5"/>'
        f'<text x="{MARGIN + 272}" y="{y}">0 with effort</text>'
        f'<circle cx="{MARGIN + 372}" cy="{y - 4}" r="5" fill="#fff" stroke="#9aa39a" stroke-dasharray="2 2"/>'
        f'<text x="{MARGIN + 382}" y="{y}">no camera-days</text></g>'
    )


def station_map_svg(rows, title="Camera stations"):
    """The SVG document (a string) of the rows of station_rows() that have coordinates, or None."""
    sites = [row for row in rows if row["latitude"] is not None and row["longitude"] is not None]
    if not sites:
        return None
    project, scale = _projector(sites)
    top = max((s["events_per_100_camera_days"] or 0) for s in sites)
    drawn = []
    for site in sorted(sites, key=lambda s: -(s["events_per_100_camera_days"] or 0)):  # small circles on top
        x, y = project(site)
        drawn.append(_site(site, x, y, top))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="station-map" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{HEIGHT - 1}" fill="#fbfaf6" stroke="#d8d4c8"/>'
        + "".join(drawn)
        + _scale_bar(scale)
        + _north_arrow()
        + _legend()
        + "</svg>"
    )


def recent_station_map(days=90):
    """The SVG map of the last `days` days (to today) at every active site, cached per data version."""
    end = local_today()
    start = end - timedelta(days=days - 1)
    rows = cached_report(
        "station_map",
        {"start": start.isoformat(), "end": end.isoformat()},
        lambda: station_rows(build_activity_report(start, end, "month", include_previous=False)),
    )
    return station_map_svg(rows, f"Camera stations, last {days} days"), rows
