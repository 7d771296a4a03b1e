"""The export endpoints' shortcuts (exports.api.content, exports.api.auth) answer as DRF would."""

import json
import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from exports import status
from exports.models import ExportJob

pytestmark = pytest.mark.django_db
REJECTED = {
    "report_type": "seasonal_activity",
    "start_date": "2024-01-01",
    "end_date": "2024-06-30",
    "group_by": "year",
}
VR_003 = "group_by must be one of: day, month, week"


@pytest.fixture
def alice_token(alice):
    return Token.objects.create(user=alice).key


@pytest.fixture
def alice_job(alice):
    job = ExportJob.objects.create(kind="pdf", requested_by=alice)
    status.publish(job, create=True)
    return job.id


def token_client(header):
    return APIClient(HTTP_AUTHORIZATION=header)


def test_status_answers_json_for_the_usual_accept_headers_and_406_for_others(alice_token, alice_job):
    client = token_client(f"Token {alice_token}")
    for accept in (None, "*/*", "application/json", "application/json; indent=2", "text/html, */*;q=0.8"):
        extra = {"HTTP_ACCEPT": accept} if accept else {}
        response = client.get(f"/api/exports/pdf/{alice_job}", **extra)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == "application/json"
        assert response.json()["job_id"] == str(alice_job)
    assert client.get(f"/api/exports/pdf/{alice_job}", HTTP_ACCEPT="text/html").status_code == 406
    assert client.get(f"/api/exports/pdf/{alice_job}?format=json").status_code == 200
    assert client.get(f"/api/exports/pdf/{alice_job}?format=xml").status_code == 404  # DRF: no such renderer


def test_bodies_are_parsed_as_json_with_or_without_a_charset_and_refused_otherwise(alice_token):
    client = token_client(f"Token {alice_token}")
    for content_type in ("application/json", "application/json; charset=utf-8"):
        response = client.post("/api/exports/pdf", json.dumps(REJECTED), content_type=content_type)
        assert response.status_code == 400
        assert response.json() == {"detail": VR_003, "errors": {"group_by": [VR_003]}}
    broken = client.post("/api/exports/pdf", '{"report_type": ', content_type="application/json")
    assert broken.status_code == 400 and broken.json()["detail"].startswith("JSON parse error - ")
    nan = client.post("/api/exports/pdf", '{"crop_size": NaN}', content_type="application/json")
    assert nan.status_code == 400 and nan.json()["detail"].startswith("JSON parse error - ")
    assert client.post("/api/exports/pdf", "report_type=x", content_type="text/plain").status_code == 415


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Token", "Invalid token header. No credentials provided."),
        ("Token a b", "Invalid token header. Token string should not contain spaces."),
        ("Token not-a-real-token", "Invalid token."),
        ("Bearer whatever", "Authentication credentials were not provided."),
    ],
)
def test_malformed_or_unknown_tokens_get_drf_answers(header, detail):
    response = token_client(header).get(f"/api/exports/pdf/{uuid.uuid4()}")
    assert response.status_code == 403 and response.json() == {"detail": detail}


def test_the_token_keyword_is_case_insensitive_as_in_drf(alice_token, alice_job):
    assert token_client(f"token {alice_token}").get(f"/api/exports/pdf/{alice_job}").status_code == 200


def test_a_signed_in_browser_session_polls_and_its_posts_need_the_csrf_token(alice, alice_job):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get(f"/api/exports/pdf/{alice_job}").status_code == 200
    refused = client.post("/api/exports/pdf", REJECTED, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.logout()
    assert client.get(f"/api/exports/pdf/{alice_job}").status_code == 403
