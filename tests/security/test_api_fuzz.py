"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis).

Every operation of /api/schema/ is called in process (the WSGI application: no server, no network)
as a manager with a token, on the small seeded database of tests.seeded and a fakeredis job queue.
Cases are valid and invalid inputs alike (positive and negative generation); path ids name a seeded
row or a random one. A fixed seed and a bounded number of examples keep the run reproducible and
short. Each answer must be no server error, carry a status code the schema documents for the
operation, and match the documented body and content type for that code.
"""

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from config.wsgi import application
from tests import seeded
from tests.conftest import make_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SEED = 15
MAX_EXAMPLES = 30
TOKEN = "fuzz0000000000000000000000000000000000ab"
HEADERS = {"Authorization": f"Token {TOKEN}"}
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
# Operations whose path id names a seeded row in a third of the cases.
REAL_IDS = {
    "/api/deer/{id}": seeded.DEER,
    "/api/detections/{id}": seeded.DETECTION,
    "/api/images/{id}": seeded.IMAGE,
    "/api/locations/{id}": seeded.LOCATION,
    "/api/reid/review/{id}": seeded.REVIEW_ITEM,
    "/api/reid/runs/{id}": seeded.REID_RUN,
}
# Known server errors on hostile input that another part of issue 15 fixes: {(method, path): finding}.
KNOWN_SERVER_ERRORS = {}


def operations():
    """(method, path) of every documented operation, from the generator /api/schema/ serves."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted((method.upper(), path) for path, methods in paths.items() for method in methods)


def real_id(path):
    return next((str(value) for prefix, value in REAL_IDS.items() if path.startswith(prefix)), None)


@pytest.fixture
def wsgi_app(db):
    """The project's WSGI application, with the test's database connection kept open between
    requests (Django's test client does the same: the end of a request would close it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app):
    manager = make_user("fuzz-manager", "manager")
    seeded.seed(manager)
    Token.objects.create(user=manager, key=TOKEN)
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=HEADERS)


def strategy_for(operation):
    cases = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    found = real_id(operation.path)
    if found:
        cases.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"id": found}))
    return st.one_of(cases)


@pytest.mark.parametrize("method,path", operations(), ids=lambda value: value)
def test_operation_conforms_to_its_schema(api_schema, method, path):
    if (method, path) in KNOWN_SERVER_ERRORS:
        pytest.xfail(KNOWN_SERVER_ERRORS[method, path])
    operation = api_schema[path][method]

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=strategy_for(operation))
    def conforms(case):
        case.call_and_validate(headers=HEADERS, checks=CHECKS)

    conforms()
