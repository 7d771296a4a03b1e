"""The database unreachable for a moment: pages and API answer a clear 503, not a 500, and the next
request after it is back works (no crash loop: nothing is kept broken).

The outage is made where Django meets it: every attempt to connect raises the driver's
OperationalError wrapped by Django (what an unreachable PostgreSQL server or an unreadable SQLite
file gives)."""

from contextlib import contextmanager

import pytest
from django.db import OperationalError, connections
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


def refuse(*args, **kwargs):
    raise OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused')


@contextmanager
def outage(monkeypatch):
    database = connections["default"]
    database.close()
    with monkeypatch.context() as patch:
        patch.setattr(type(database), "get_new_connection", refuse)
        yield
    database.close()


@pytest.fixture
def database_down(monkeypatch):
    with outage(monkeypatch):
        yield


@pytest.fixture
def logged_in(root):
    client = Client(raise_request_exception=False)
    client.force_login(root)
    return client


@pytest.mark.parametrize("url", ["/", "/exports/", "/detections/", "/admin/"])
def test_pages_answer_503_with_a_clear_message(logged_in, database_down, url):
    response = logged_in.get(url)
    assert response.status_code == 503
    assert "Database unavailable, try again later." in response.content.decode()


def test_api_answers_503_in_the_json_error_shape(alice, database_down):
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION="Token not-checked-before-the-database")
    response = client.get("/api/locations")
    assert response.status_code == 503
    assert response.json() == {"detail": "Database unavailable, try again later"}


def test_pages_work_again_once_the_database_is_back(logged_in, monkeypatch):
    with outage(monkeypatch):
        assert logged_in.get("/exports/").status_code == 503
    assert logged_in.get("/exports/").status_code == 200
