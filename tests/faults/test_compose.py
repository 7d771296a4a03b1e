"""compose.yaml (docker is not available here: the file is parsed): every service restarts and has
a health check that means something for it."""

import yaml

from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def test_every_service_restarts_and_has_a_health_check():
    assert set(SERVICES) == {"db", "redis", "web", "worker"}
    for name, service in SERVICES.items():
        assert service.get("restart") in ("unless-stopped", "always"), name
        assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name


def test_each_health_check_probes_its_own_service():
    tests = {name: " ".join(service["healthcheck"]["test"][1:]) for name, service in SERVICES.items()}
    assert tests["db"].startswith("pg_isready")
    assert tests["redis"] == "redis-cli ping"
    assert "http://127.0.0.1:8000/healthz" in tests["web"]
    assert tests["worker"].startswith("python manage.py worker_health")


def test_web_and_worker_wait_for_healthy_database_and_redis():
    for name in ("web", "worker"):
        assert SERVICES[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
