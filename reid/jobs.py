"""RQ jobs: thin wrappers that load by id and call a service. Enqueue them with reid.queueing."""

from detections.models import Detection
from reid import embedding, live
from reid.backfill import run_backfill
from reid.calibration import refit_run
from reid.models import ReidRun
from reid.services import run_matching


def execute_live_run(run_id):
    """The debounced live run (queued by reid.live after uploads): matches everything pending."""
    return live.execute_live_run(run_id)


def execute_embed_run(run_id):
    """Embeddings by the configured ONNX model for deer sightings lacking one (queued after imports)."""
    return embedding.execute_embed_run(run_id)


def match_new_detections(detection_ids):
    """Live matching of the given detections at once (one run per call; uploads use execute_live_run).
    A batch without any deer detection (raccoons, empty frames) makes no run."""
    deer_detections = Detection.objects.deer_sightings().filter(id__in=detection_ids, deer__isnull=True)
    if not deer_detections.exists():
        return None
    run = run_matching(detection_ids=detection_ids, kind=ReidRun.Kind.LIVE)
    return str(run.id)


def execute_run(run_id):
    """Carry out a queued backfill or reprocess run."""
    run = ReidRun.objects.get(pk=run_id)  # carried out once: the runner starts only a queued run
    if run.kind == ReidRun.Kind.BACKFILL:
        run_backfill(run=run)
    elif run.kind == ReidRun.Kind.CALIBRATE:
        refit_run(run)
    else:
        run_matching(run=run, detection_ids=run.params.get("ids"))
    return str(run.id)
