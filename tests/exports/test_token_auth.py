"""Token auth on the export endpoints, with the short verified-token cache (exports.api.auth)."""

import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_token_client_can_poll_and_a_bad_token_is_refused(alice):
    token = Token.objects.create(user=alice)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code == 404  # authenticated, job unknown
    bad = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code in (401, 403)


def test_a_deleted_token_is_refused_once_the_cache_entry_lapses(alice, settings):
    settings.EXPORT_AUTH_CACHE_SECONDS = 0  # no caching: refused at once
    token = Token.objects.create(user=alice)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code == 404
    token.delete()
    assert client.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code in (401, 403)


def test_verified_tokens_are_cached_briefly(alice, django_assert_num_queries):
    token = Token.objects.create(user=alice)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.get(f"/api/exports/pdf/{uuid.uuid4()}")
    with django_assert_num_queries(0):
        assert client.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code == 404


def test_deactivating_a_user_refuses_the_cached_token_at_once(alice):
    token = Token.objects.create(user=alice)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code == 404  # verified and cached
    alice.is_active = False
    alice.save()
    assert client.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code in (401, 403)


def test_deleting_a_token_refuses_it_at_once_despite_the_cache(alice):
    token = Token.objects.create(user=alice)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code == 404
    token.delete()
    assert client.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code in (401, 403)
