"""The PDF renderer fetches only data: URLs and our own static files."""

import pytest
from django.conf import settings

from reports.pdf import ReportURLFetcher


def test_data_urls_and_own_static_files_are_allowed():
    fetcher = ReportURLFetcher()
    assert fetcher.fetch("data:text/plain;base64,aGVyZA==").read() == b"herd"
    css = (settings.STATICFILES_DIRS[0] / "css" / "report-print.css").resolve()
    assert b"@page" in fetcher.fetch(css.as_uri()).read()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/secret",
        "https://example.org/logo.png",
        "file:///etc/passwd",
        "file:///work/main/static/../config/settings.py",
        "ftp://example.org/x",
    ],
)
def test_everything_else_is_refused(url):
    with pytest.raises(ValueError, match="Resource not allowed"):
        ReportURLFetcher().fetch(url)
