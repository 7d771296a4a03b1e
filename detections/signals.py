"""Signals other apps listen to, so that `detections` never imports their code.

detections_created: sent (after commit) with `detection_ids`, a list of UUIDs of newly stored
detections. The reid app connects to it to queue re-identification of the new detections.

detections_corrected: sent by detections.services after reviewers corrected detections, inside the
correction's transaction (before commit; receivers run synchronously, and an exception in one rolls
the correction back). Arguments:
  * `detection_ids`: the ids of the corrected detections (found ones only, in request order);
  * `deer`: the Deer instances whose linked detections changed (a detection was unlinked because it
    was marked invalid, or its classification changed), each once, possibly empty.
The reid app connects to it to recompute those deer's statistics and centroids.
"""

from django.dispatch import Signal

detections_created = Signal()
detections_corrected = Signal()

# detections_retimed: sent by detections.deployments.clock_offset_set inside its transaction after a
# deployment's clock offset changed and its images' and detections' taken_at moved (a bulk UPDATE,
# so no post_save). Argument: `deployment`. Report caches listen to it.
detections_retimed = Signal()
