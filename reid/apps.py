import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class ReidConfig(AppConfig):
    name = "reid"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from detections.signals import detections_created

        detections_created.connect(queue_matching_of_new_detections, dispatch_uid="reid-match-new-detections")


def queue_matching_of_new_detections(sender, detection_ids=(), **kwargs):
    """Queue live matching of new detections. The detections are already stored: if Redis is down
    the ingest must not fail, and `manage.py reid_match` matches them later."""
    from redis.exceptions import RedisError

    from reid.queueing import enqueue_matching

    try:
        enqueue_matching(detection_ids)
    except RedisError as exc:
        logger.warning("Could not queue re-ID of %d new detections (%s); run manage.py reid_match.",
                       len(detection_ids), exc)
