from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.signals import maintenance_pass
        from exports.files import maintenance

        maintenance_pass.connect(maintenance, dispatch_uid="exports-delete-expired-files")
