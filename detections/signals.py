"""Signals other apps listen to, so that `detections` never imports their services.

detections_created: sent (after commit) with `detection_ids`, a list of UUIDs of newly stored
detections. The reid app connects to it to queue re-identification of the new detections.
"""

from django.dispatch import Signal

detections_created = Signal()
