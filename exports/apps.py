from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.signals import maintenance_pass
        from exports.files import maintenance
        from exports.resync import republish_outcomes

        maintenance_pass.connect(maintenance, dispatch_uid="exports-delete-expired-files")
        maintenance_pass.connect(republish_outcomes, dispatch_uid="exports-republish-outcomes")
