from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares: the job runner, roles, API errors, the strict serializer base, vocabulary."""

    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import data_version

        data_version.connect()
