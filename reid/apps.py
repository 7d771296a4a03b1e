from django.apps import AppConfig


class ReidConfig(AppConfig):
    name = "reid"
    default_auto_field = "django.db.models.BigAutoField"
