"""Finding 7: user labels in charts are plain text: `$x^$` is not a broken formula (500 on /reports/
and a failed PDF job), and two `$` do not render as math."""

import pytest
from matplotlib.text import Text

from reports import charts
from tests.reports.conftest import chicago, ranch  # noqa: F401  (the report fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ranch")]


def comparison_query(first_label, second_label):
    return {
        "submitted": "1",
        "report_type": "comparison",
        "include_charts": "on",
        "p1_label": first_label,
        "p1_start_date": "2024-12-24",
        "p1_end_date": "2024-12-31",
        "p2_label": second_label,
        "p2_start_date": "2025-01-01",
        "p2_end_date": "2025-01-08",
    }


@pytest.fixture
def browser(client, alice):
    client.force_login(alice)
    return client


def test_a_label_that_is_broken_mathtext_renders_the_report(browser):
    response = browser.get("/reports/", comparison_query("$x^$", "New Year"))
    assert response.status_code == 200
    assert "$x^$" in response.content.decode()
    assert response.context["charts"]["comparison"].startswith("data:image/png;base64,")


def test_every_chart_text_is_drawn_without_mathtext(browser, monkeypatch):
    drawn = []
    real_data_uri = charts._data_uri

    def keep(figure):
        uri = real_data_uri(figure)  # draws: tick labels exist now
        drawn.append(figure)
        return uri

    monkeypatch.setattr(charts, "_data_uri", keep)
    response = browser.get("/reports/", comparison_query("$a$ and $b$", "New Year"))
    assert response.status_code == 200
    texts = [text for figure in drawn for text in figure.findobj(Text)]
    assert "$a$ and $b$" in [text.get_text() for text in texts]
    assert not [text.get_text() for text in texts if text.get_parse_math()]
