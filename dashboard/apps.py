from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The staff home page: totals, detections by class, recent images, the user's recent exports."""

    name = "dashboard"
