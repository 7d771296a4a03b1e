import pytest

pytestmark = pytest.mark.django_db


def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Log in to Herdbook" in response.content


def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_dashboard_shows_totals(client, alice):
    from tests import factories

    factories.detection(classification="buck")
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["totals"]["detections"] == 1


@pytest.mark.integration
def test_healthz_ok_with_real_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert body["redis"]["maxmemory_policy"] == "noeviction"


@pytest.mark.integration
def test_healthz_reports_an_evicting_policy(client, redis_conn):
    redis_conn.config_set("maxmemory-policy", "allkeys-lru")
    try:
        response = client.get("/healthz")
    finally:
        redis_conn.config_set("maxmemory-policy", "noeviction")
    assert response.status_code == 503
    assert "allkeys-lru" in response.json()["redis"]["error"]


def test_healthz_503_when_redis_is_down(client, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"]["ok"] is False
    assert response.json()["database"]["ok"] is True
