"""The re-ID endpoints are described in the OpenAPI schema."""

import pytest
import yaml


@pytest.mark.django_db
def test_schema_lists_the_reid_endpoints(alice_client):
    answer = alice_client.get("/api/schema/")
    assert answer.status_code == 200
    paths = yaml.safe_load(answer.content)["paths"]
    for path in [
        "/api/deer/",
        "/api/deer/{id}/merge/",
        "/api/deer/{id}/split/",
        "/api/deer/{id}/timeline/",
        "/api/reid/review/",
        "/api/reid/review/{id}/accept/",
        "/api/reid/review/{id}/undo/",
        "/api/reid/runs/{id}/",
    ]:
        assert path in paths, path
    assert any(p.startswith("/api/reid/analysis") for p in paths)
    assert any(p.startswith("/api/reid/reprocess") for p in paths)
