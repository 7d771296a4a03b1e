from django.apps import AppConfig


class ReidConfig(AppConfig):
    name = "reid"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from detections.signals import detections_created

        detections_created.connect(queue_matching_of_new_detections, dispatch_uid="reid-match-new-detections")


def queue_matching_of_new_detections(sender, detection_ids=(), **kwargs):
    from reid.queueing import enqueue_matching

    enqueue_matching(detection_ids)
