"""Every detections endpoint is in the OpenAPI schema with its request and response shapes."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    "path, method",
    [
        ("/api/locations", "get"),
        ("/api/locations/{id}", "get"),
        ("/api/images", "get"),
        ("/api/images", "post"),
        ("/api/images/{id}", "get"),
        ("/api/images/batch", "post"),
        ("/api/images/{id}/file", "get"),
        ("/api/images/{id}/thumbnail", "get"),
        ("/api/detections", "get"),
        ("/api/detections/{id}", "get"),
        ("/api/detections/{id}/correct", "patch"),
        ("/api/detections/batch-correct", "post"),
        ("/api/detections/review-stats", "get"),
        ("/api/detections/{id}/history", "get"),
        ("/api/detections/{id}/crop", "get"),
    ],
)
def test_endpoint_is_documented(schema, path, method):
    operation = schema["paths"][path][method]
    assert operation["responses"]
    assert "200" in operation["responses"] or "201" in operation["responses"]


def test_upload_is_multipart_with_file_and_metadata(schema):
    body = schema["paths"]["/api/images"]["post"]["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]
    ref = body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"file", "metadata"}


def test_correction_request_and_list_filters_are_described(schema):
    ref = schema["paths"]["/api/detections/{id}/correct"]["patch"]["requestBody"]["content"]["application/json"][
        "schema"
    ]["$ref"]
    props = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert set(props) == {"corrected_classification", "is_valid", "correction_notes"}
    params = {p["name"] for p in schema["paths"]["/api/detections"]["get"]["parameters"]}
    assert {
        "classification",
        "min_confidence",
        "reviewed",
        "valid",
        "duplicate",
        "deer",
        "has_embedding",
        "start_date",
        "end_date",
        "location",
        "cursor",
        "ordering",
    } <= params
