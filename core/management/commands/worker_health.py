"""Health check of a worker container (compose.yaml): exit 0 when an rq worker of this host sent a
heartbeat within --max-age seconds, else 1 (worker gone, stuck, or Redis unreachable)."""

import socket
from datetime import UTC, datetime

import django_rq
from django.core.management.base import BaseCommand, CommandError
from rq import Worker

from core.worker import REDIS_ERRORS


class Command(BaseCommand):
    help = "Exit 0 when a worker on this host sent a heartbeat recently (a container health check)."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=60, help="seconds since the last heartbeat (default 60)")

    def handle(self, *args, max_age, **options):
        host = socket.gethostname()
        try:
            workers = [w for w in Worker.all(connection=django_rq.get_connection("default")) if w.hostname == host]
        except REDIS_ERRORS as exc:
            raise CommandError(f"Redis unreachable: {exc}") from exc
        now = datetime.now(UTC)
        fresh = [w for w in workers if w.last_heartbeat and (now - _utc(w.last_heartbeat)).total_seconds() <= max_age]
        if not fresh:
            raise CommandError(f"no worker on {host} sent a heartbeat in the last {max_age} s")
        self.stdout.write(f"{len(fresh)} worker(s) alive on {host}")


def _utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
