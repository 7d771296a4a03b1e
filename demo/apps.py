from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo ranch, its re-ID ground truth, and bulk data for benchmarks (`seed_demo`, `demo_users`)."""

    name = "demo"
