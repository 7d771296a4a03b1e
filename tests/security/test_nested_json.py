"""Finding 1: a deeply nested JSON body is a 400 naming the nesting, never a RecursionError (500)."""

import pytest

from core.parsers import MAX_DEPTH, loads
from tests import factories
from tests.detections.helpers import upload

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.fixture
def targets(db):
    detection = factories.detection()
    deer = factories.deer()
    return [
        ("post", "/api/images/batch"),
        ("patch", f"/api/detections/{detection.pk}/correct"),
        ("post", "/api/detections/batch-correct"),
        ("post", "/api/reports/comparison"),
        ("post", "/api/exports/pdf"),
        ("post", "/api/exports/zip"),
        ("post", "/api/exports/camtrap-dp"),
        ("post", "/api/reid/reprocess"),
        ("post", "/api/reid/backfill"),
        ("post", f"/api/deer/{deer.pk}/merge"),
    ]


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["list", "object"])
def test_every_json_endpoint_refuses_deep_nesting_with_400(charlie_client, targets, body):
    for method, path in targets:
        response = getattr(charlie_client, method)(path, data=body, content_type="application/json")
        assert response.status_code == 400, (path, response.status_code)
        assert "nested more than" in response.json()["detail"], path


def test_upload_metadata_refuses_deep_nesting_with_400(bob_client):
    factories.location("Hayfield")
    response = upload(bob_client, factories.jpeg_bytes(64, 48), DEEP)
    assert response.status_code == 400
    assert response.json()["errors"]["metadata"][0].startswith("metadata is not valid JSON")
    assert "nested more than" in response.json()["detail"]


def test_nesting_up_to_the_limit_parses_and_beyond_is_refused():
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(at_limit) is not None
    with pytest.raises(ValueError, match="nested more than"):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_wide_documents_are_not_mistaken_for_deep_ones():
    wide = '{"rows": [' + ",".join("[1, [2]]" for _ in range(200)) + '], "text": "' + "[" * 300 + '"}'
    assert len(loads(wide)["rows"]) == 200
