"""Login throttling (core.auth, django-axes): the login form, the admin login and API tokens lock out."""

import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ATTEMPTS = 30


def post_login(client, url, username, password):
    return client.post(url, {"username": username, "password": password, "next": "/"})


def assert_locked_page(response):
    assert response.status_code == 429
    body = response.content.decode()
    assert "Login locked" in body
    assert "Too many failed login attempts" in body
    assert 'class="brand"' in body  # the site layout, not a bare text answer


@pytest.mark.parametrize(
    ("url", "user_fixture", "logged_in_page"),
    [("/accounts/login/", "alice", "/"), ("/admin/login/", "root", "/admin/")],
)
def test_wrong_passwords_lock_the_login_until_an_administrator_resets(request, url, user_fixture, logged_in_page):
    user = request.getfixturevalue(user_fixture)
    client = Client()
    answers = [post_login(client, url, user.username, "wrong").status_code for _ in range(ATTEMPTS)]
    limit = settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(answers[limit:]) == {429}

    # the right password is refused too while locked, and nobody is logged in
    assert_locked_page(post_login(client, url, user.username, f"pw-{user.username}"))
    assert client.get(logged_in_page).status_code == 302

    call_command("axes_reset_username", user.username)
    response = post_login(client, url, user.username, f"pw-{user.username}")
    assert response.status_code == 302
    assert client.get(logged_in_page).status_code == 200


def test_a_lockout_is_per_username_and_address(alice, bob):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "/accounts/login/", "alice", "wrong")
    assert_locked_page(post_login(client, "/accounts/login/", "alice", "pw-alice"))
    assert post_login(client, "/accounts/login/", "bob", "pw-bob").status_code == 302
    other_address = Client(REMOTE_ADDR="192.0.2.7")
    assert post_login(other_address, "/accounts/login/", "alice", "pw-alice").status_code == 302


@pytest.mark.parametrize("path", ["/api/exports/pdf/6c1f0a52-4b1e-4a8e-9d3c-2f7e5b0c9a11", "/api/locations"])
def test_bogus_tokens_are_locked_out_with_429(alice, path):
    answers = []
    for _ in range(ATTEMPTS):
        client = APIClient(HTTP_AUTHORIZATION=f"Token {uuid.uuid4().hex}")
        answers.append(client.get(path))
    limit = settings.AXES_FAILURE_LIMIT
    assert {r.status_code for r in answers[: limit - 1]} <= {401, 403}  # 403 where a session could also apply
    assert {r.status_code for r in answers[limit:]} == {429}
    assert answers[-1].json() == {"detail": settings.AXES_COOLOFF_MESSAGE}

    # a real token is not looked up from a locked address until an administrator resets it
    token = Token.objects.create(user=alice)
    real = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert real.get(path).status_code == 429
    call_command("axes_reset_ip", "127.0.0.1")
    assert real.get(path).status_code in (200, 404)


def test_a_good_token_resets_nothing_and_is_not_counted(alice):
    token = Token.objects.create(user=alice)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    for _ in range(ATTEMPTS):
        assert client.get("/api/locations").status_code == 200
