"""`manage.py worker_health` (the worker container's health check in compose.yaml)."""

import pytest
from django.core.management import CommandError, call_command

from tests.exports.test_integration_worker_lifecycle import wait_for
from tests.processes import kill_tree

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def healthy():
    try:
        call_command("worker_health", "--max-age", "60")
    except CommandError:
        return False
    return True


def test_healthy_only_while_a_worker_of_this_host_is_alive(start_worker, redis_conn):
    assert not healthy()
    worker = start_worker("exports")
    assert wait_for(healthy, 60), "a running worker was not reported healthy"
    kill_tree(worker)
    redis_conn.delete(*redis_conn.keys("rq:worker:*"))  # what a killed worker leaves expires; here at once
    assert not healthy()


def test_unhealthy_when_redis_is_down(redis_down):
    with pytest.raises(CommandError, match="Redis unreachable"):
        call_command("worker_health")
