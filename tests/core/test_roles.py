"""Roles: the hierarchy viewer < reviewer < manager, and the page-view decorator."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from core.roles import MANAGER, REVIEWER, VIEWER, has_role, role_required

pytestmark = pytest.mark.django_db


def test_roles_are_ordered_and_superusers_hold_every_role(alice, bob, charlie, root):
    assert [has_role(alice, role) for role in (VIEWER, REVIEWER, MANAGER)] == [True, False, False]
    assert [has_role(bob, role) for role in (VIEWER, REVIEWER, MANAGER)] == [True, True, False]
    assert [has_role(charlie, role) for role in (VIEWER, REVIEWER, MANAGER)] == [True, True, True]
    assert has_role(root, MANAGER)
    assert not has_role(AnonymousUser(), VIEWER)
    assert not has_role(None, VIEWER)


@role_required(REVIEWER, "Reviewing needs the reviewer role.")
def reviewer_page(request, pk):
    return HttpResponse(f"page {pk}")


def call(user):
    request = RequestFactory().get("/somewhere/7")
    request.user = user
    return reviewer_page(request, pk=7)


def test_role_required_sends_anonymous_users_to_the_login_page():
    response = call(AnonymousUser())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/somewhere/7")


def test_role_required_refuses_a_lower_role_with_its_message(alice):
    response = call(alice)
    assert response.status_code == 403
    # issue 14: the refusal is a page in the site layout that says why
    assert b"Reviewing needs the reviewer role." in response.content and b'class="topbar"' in response.content


def test_role_required_lets_the_role_and_higher_ones_through(bob, charlie, root):
    assert [call(user).content for user in (bob, charlie, root)] == [b"page 7"] * 3


def test_role_required_defaults_to_the_role_message(alice):
    view = role_required(MANAGER)(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/")
    request.user = alice
    assert b"This action needs the manager role." in view(request).content
