"""The OpenAPI schema documents what the API answers (finding 14): the error answers of every
operation, nullable fields as nullable, the real bodies of correct/timeline/locations."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(alice_client):
    return alice_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def body_ref(operation, code):
    return operation["responses"][code]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]


def test_every_operation_documents_the_error_shape_for_403_and_404_where_an_object_is_named(schema):
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        assert body_ref(operation, "403") == "ErrorResponse", (method, path)
        if "{" in path:
            assert body_ref(operation, "404") == "ErrorResponse", (method, path)
        if method in ("POST", "PUT", "PATCH") and "requestBody" in operation:
            assert "400" in responses, (method, path)
    error = schema["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["detail"] and set(error["properties"]) == {"detail", "errors"}


def test_conflicts_and_queue_outages_are_documented(schema):
    paths = schema["paths"]
    assert "409" in paths["/api/reid/review/{id}/accept/"]["post"]["responses"]
    assert "409" in paths["/api/reid/review/undo/"]["post"]["responses"]
    assert "503" in paths["/api/reid/reprocess/"]["post"]["responses"]
    assert "400" in paths["/api/detections"]["get"]["responses"]  # filters are validated


def test_reviewed_by_is_nullable(schema):
    field = schema["components"]["schemas"]["Detection"]["properties"]["reviewed_by"]
    assert field["type"] == "string" and field.get("nullable") is True


def test_correct_timeline_and_locations_document_their_real_bodies(schema):
    paths, components = schema["paths"], schema["components"]["schemas"]
    correct = components[body_ref(paths["/api/detections/{id}/correct"]["patch"], "200")]
    assert set(correct["properties"]) == {"detection_id", "message", "detection"}
    timeline = components[body_ref(paths["/api/deer/{id}/timeline/"]["get"], "200")]
    assert set(timeline["properties"]) == {"deer_id", "group_by", "periods"}
    places = components[body_ref(paths["/api/deer/{id}/locations/"]["get"], "200")]
    assert set(places["properties"]) == {"deer_id", "locations"}
    split = components[body_ref(paths["/api/deer/{id}/split/"]["post"], "201")]
    assert set(split["properties"]) == {"deer", "new_deer"}


def test_an_api_url_that_names_no_endpoint_answers_json_404(alice_client):
    response = alice_client.get("/api/deer/not.an.id/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_url_that_names_nothing_stays_an_html_404(alice_client):
    response = alice_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
