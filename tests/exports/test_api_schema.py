"""OpenAPI schema at /api/schema/ and Swagger UI at /api/docs/, served without any CDN."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_schema_lists_the_export_endpoints(alice_client):
    response = alice_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/exports/pdf",
        "/api/exports/pdf/{job_id}",
        "/api/exports/zip",
        "/api/exports/zip/{job_id}",
        "/api/exports/{job_id}",
        "/api/static/exports/{filename}",
    ):
        assert path in paths, sorted(paths)
    assert "202" in paths["/api/exports/pdf"]["post"]["responses"]
    request = paths["/api/exports/zip"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][request.rsplit("/", 1)[1]]
    assert {"detection_ids", "crop_size", "start_date"} <= set(component["properties"])


def test_docs_page_uses_local_assets_only(alice_client):
    page = alice_client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(url.startswith("/") for url in urls), urls
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_need_authentication_like_the_rest_of_the_api(client, alice, path):
    assert client.get(path).status_code in (401, 403)
    client.force_login(alice)
    assert client.get(path).status_code == 200
