"""The new report sections: the station map (SVG, true to scale, zero-detection sites), the
overlap section on the page and in the PDF, the census as a report type of its own, the dashboard."""

import math
import re

import pytest
from django.test import Client
from pypdf import PdfReader

from reports.pdf import render_report_pdf
from reports.station_map import EARTH_RADIUS_M, station_map_svg
from tests import factories
from tests.reports.test_pdf_report import params


@pytest.fixture
def browser(alice):
    client = Client()
    client.force_login(alice)
    return client


def site(name, lat, lon, events=0, days=0):
    return {
        "id": name,
        "name": name,
        "latitude": lat,
        "longitude": lon,
        "detections": events,
        "events": events,
        "camera_days": days,
        "events_per_100_camera_days": round(events * 100 / days, 1) if days else None,
    }


def circles(svg):
    return {
        m.group("name"): (float(m.group("x")), float(m.group("y")), float(m.group("r")))
        for m in re.finditer(
            r'data-name="(?P<name>[^"]+)"><circle cx="(?P<x>[\d.]+)" cy="(?P<y>[\d.]+)" r="(?P<r>[\d.]+)"', svg
        )
    }


def test_map_is_true_to_scale_north_up_with_every_site():
    # West and East 1 km apart on one parallel; North 500 m north of West (1 degree latitude = 111.19 km).
    lat, lon = 30.0, -97.0
    d_lon = math.degrees(1000 / (EARTH_RADIUS_M * math.cos(math.radians(lat + 0.0045 / 3))))
    rows = [
        site("West", lat, lon, events=4, days=20),
        site("East", lat, lon + d_lon, events=0, days=20),  # effort, no detection
        site("North", lat + math.degrees(500 / EARTH_RADIUS_M), lon, events=16, days=20),
        site("Idle <cam>", lat, lon + d_lon / 2, events=0, days=0),  # no effort
        site("Nowhere", None, None, events=3, days=10),  # no coordinates: not drawn
    ]
    svg = station_map_svg(rows)
    drawn = circles(svg)
    assert set(drawn) == {"West", "East", "North", "Idle &lt;cam&gt;"}  # names escaped
    (wx, wy, wr), (ex, ey, _), (nx, ny, nr) = drawn["West"], drawn["East"], drawn["North"]
    metres_per_px = 1000 / (ex - wx)
    assert abs(wy - ey) < 0.2 and ny < wy and abs(nx - wx) < 0.2  # north is straight up
    assert (wy - ny) * metres_per_px == pytest.approx(500, rel=0.01)
    assert (nr - 5) / (wr - 5) == pytest.approx(2.0, rel=0.02)  # area grows with the rate: 80 vs 20 -> radius x2
    # The scale bar is as long as the distance it names.
    bar = re.search(r'<path d="M(?P<x>[\d.]+) [\d.]+V[\d.]+H(?P<end>[\d.]+)V', svg)
    label = re.search(r'class="scale-bar">.*?>(?P<n>\d+) (?P<unit>k?m)</text>', svg).groupdict()
    metres = int(label["n"]) * (1000 if label["unit"] == "km" else 1)
    assert (float(bar["end"]) - float(bar["x"])) * metres_per_px == pytest.approx(metres, rel=0.01)
    assert "north-arrow" in svg and ">0</text>" in svg and "no effort" in svg
    assert all(int(size) >= 11 for size in re.findall(r'font-size="(\d+)"', svg))


def test_no_site_with_coordinates_no_map():
    assert station_map_svg([site("Nowhere", None, None)]) is None


def test_activity_page_has_the_map_with_quiet_sites_and_the_overlap(ranch, browser):
    factories.location("Quiet corner", latitude=29.80, longitude=-97.30)  # no images at all
    html = browser.get(
        "/reports/",
        {
            "submitted": "1",
            "report_type": "seasonal_activity",
            "start_date": "2024-12-28",
            "end_date": "2025-01-08",
            "include_charts": "on",
            "include_tables": "on",
        },
    ).content.decode()
    assert "<svg" in html and 'data-name="Quiet corner"' in html and 'data-name="Hayfield"' in html
    assert "Activity overlap: buck and doe" in html and 'data-figure="overlap_delta"' in html


def test_census_page_and_pdf(db, chicago, browser, tmp_path):
    from tests.reports.conftest import local

    loc = factories.location("Feeder")
    buck = factories.deer(sex="buck", name="Ten-point")
    for day, name in [(2, "buck"), (3, "doe"), (4, "doe"), (5, "fawn"), (6, "buck")]:
        image = factories.image(loc, taken_at=local(2024, 10, day, 7), write_file=False)
        factories.detection(image, name, deer=buck if name == "buck" else None)
    html = browser.get(
        "/reports/", {"submitted": "1", "report_type": "census", "start_date": "2024-10-01", "end_date": "2024-10-14"}
    ).content.decode()
    # 1 unique buck in 2 buck photos: PCF 0.5, does 1, fawns 0.5, population 2.5
    assert '<span class="value" data-figure="population">2.5</span>' in html
    assert '<span class="value" data-figure="unique_bucks">1</span>' in html
    assert "Jacobson" in html
    too_long = browser.get(
        "/reports/", {"submitted": "1", "report_type": "census", "start_date": "2024-10-01", "end_date": "2024-12-14"}
    )
    assert too_long.status_code == 400 and "census window" in too_long.content.decode()
    path = tmp_path / "census.pdf"
    render_report_pdf(params(report_type="census", start_date="2024-10-01", end_date="2024-10-14"), path)
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Estimated deer" in text and "2.5" in text and "Wildlife Society Bulletin" in text


def test_pdf_export_accepts_a_census_and_checks_its_window(db, alice_client):
    body = {"report_type": "census", "start_date": "2024-10-01", "end_date": "2024-12-31"}
    response = alice_client.post("/api/exports/pdf", body, format="json")
    assert response.status_code == 400 and "census window" in response.json()["detail"]


def test_dashboard_shows_the_station_map(ranch, browser):
    html = browser.get("/").content.decode()
    assert "Camera stations, last 90 days" in html and 'data-name="Hayfield"' in html
