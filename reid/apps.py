from django.apps import AppConfig


class ReidConfig(AppConfig):
    name = "reid"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from detections.signals import detections_corrected, detections_created

        detections_created.connect(queue_matching_of_new_detections, dispatch_uid="reid-match-new-detections")
        detections_corrected.connect(recompute_corrected_deer, dispatch_uid="reid-recompute-corrected-deer")


def queue_matching_of_new_detections(sender, detection_ids=(), **kwargs):
    """Flag the new detections pending and make sure one debounced live run is queued (reid.live)."""
    from django.db import transaction

    from reid.live import mark_and_queue

    ids = list(detection_ids)
    if ids:
        transaction.on_commit(lambda: mark_and_queue(ids))


def recompute_corrected_deer(sender, deer=(), **kwargs):
    """Reviewers changed detections linked to `deer`: recompute their statistics, in the correction's transaction."""
    from reid import profiles

    for one in deer:
        profiles.deer_recompute(one)
