"""The access matrix: every URL the resolver knows (API and pages), for every kind of user, answers
as tests/security/access.py says. A new URL fails this test until the table has its row."""

import re

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests import seeded
from tests.conftest import make_user
from tests.security.access import ACCESS, USERS

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Django's own admin is staff-only and tested by Django; the django-rq dashboard under it is walked.
SKIPPED_NAMESPACES = {"admin"}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def walk(patterns=None, prefix=""):
    """Every URL pattern as one route string ("api/deer/<pk>/"), in resolver order."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$").replace("/?", "/")
        if isinstance(entry, URLResolver):
            if entry.namespace not in SKIPPED_NAMESPACES:
                yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield PARAMETER.sub(lambda m: f"<{m.group(1) or m.group(2)}>", route)


def routes():
    return list(dict.fromkeys(walk()))


def values(export_id):
    return {
        "pk": seeded.REVIEW_ITEM,
        "job_id": export_id,
        "filename": "herdbook-report-none.pdf",
    }


PK_BY_PREFIX = {
    "deer/": seeded.DEER,
    "api/deer/": seeded.DEER,
    "detections/": seeded.DETECTION,
    "api/detections/": seeded.DETECTION,
    "api/images/": seeded.IMAGE,
    "api/locations/": seeded.LOCATION,
    "locations/": seeded.LOCATION,
    "api/reid/runs/": seeded.REID_RUN,
    "reid/review/": seeded.REVIEW_ITEM,
    "api/reid/review/": seeded.REVIEW_ITEM,
}


def concrete(route, export_id):
    """The route with each parameter filled from the seeded database."""
    fill = values(export_id)
    pk = next((value for prefix, value in PK_BY_PREFIX.items() if route.startswith(prefix)), None)

    def value(match):
        name = match.group(1)
        return str(pk if name == "pk" and pk is not None else fill.get(name, "x"))

    return "/" + re.sub(r"<(\w+)>", value, route).replace("\\", "")


@pytest.fixture
def world(db):
    manager = make_user("manager", "manager")
    export = seeded.seed(manager)
    return {
        "anonymous": None,
        "viewer": make_user("viewer", "viewer"),
        "reviewer": make_user("reviewer", "reviewer"),
        "manager": manager,
        "other": make_user("other", "manager"),
        "export_id": export.id,
    }


def answer(client, url):
    """GET; a route that does not answer GET once the permission passed is tried with a POST of an
    empty body. Each answer is rolled back, so no user's request changes what the next one sees."""
    with transaction.atomic():
        status = client.get(url).status_code
        if status == 405:
            status = client.post(url, {}, format="json").status_code
        transaction.set_rollback(True)
    return status


def answers(world, route):
    url = concrete(route, world["export_id"])
    row = []
    for name in USERS:
        client = APIClient(enforce_csrf_checks=False)
        if world[name] is not None:
            client.force_login(world[name])
        row.append(answer(client, url))
    return tuple(row)


def test_every_url_is_in_the_table():
    missing = [route for route in routes() if route not in ACCESS]
    assert not missing, f"add these URLs to tests/security/access.py ACCESS: {missing}"


@pytest.mark.parametrize("route", routes())
def test_url_answers_each_user_as_the_table_says(world, route):
    if route not in ACCESS:
        pytest.fail(f"{route} is not in tests/security/access.py ACCESS")
    assert answers(world, route) == ACCESS[route], dict(zip(USERS, answers(world, route), strict=True))
