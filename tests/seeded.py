"""A small seeded database with fixed ids, shared by the API fuzz run and the access matrix.

Everything a URL can name exists once, owned by the manager ``charlie``: locations, images with
their files, detections (one assigned to a deer, one corrected, one waiting in the review queue),
two deer, a re-ID run and an export job with its status document in Redis.
"""

import uuid
from datetime import UTC, datetime

from django.test import TestCase

from exports import services as export_services
from exports.models import ExportJob
from reid.models import ReidRun, ReviewItem
from tests import factories

LOCATION = uuid.UUID("00000000-0000-4000-8000-000000000001")
IMAGE = uuid.UUID("00000000-0000-4000-8000-000000000002")
DETECTION = uuid.UUID("00000000-0000-4000-8000-000000000003")
QUEUED_DETECTION = uuid.UUID("00000000-0000-4000-8000-000000000004")
DEER = uuid.UUID("00000000-0000-4000-8000-000000000005")
OTHER_DEER = uuid.UUID("00000000-0000-4000-8000-000000000006")
REVIEW_ITEM = uuid.UUID("00000000-0000-4000-8000-000000000007")
REID_RUN = uuid.UUID("00000000-0000-4000-8000-000000000008")


def seed(owner):
    """Create the rows (ids above); returns the export job, whose id is random (RQ picks it)."""
    loc = factories.location("North feeder", id=LOCATION)
    img = factories.image(loc, taken_at=datetime(2024, 10, 15, 12, 0, tzinfo=UTC), id=IMAGE)
    deer = factories.deer("buck", "Big Ten", id=DEER)
    factories.deer("doe", "Notch", id=OTHER_DEER)
    factories.detection(img, "buck", embedding=factories.unit_vector(16, 1), id=DETECTION, deer=deer)
    queued = factories.detection(
        img, "doe", bbox=(200, 100, 80, 60), embedding=factories.unit_vector(16, 2), id=QUEUED_DETECTION
    )
    run = ReidRun.objects.create(id=REID_RUN, kind=ReidRun.Kind.LIVE, threshold=0.7, requested_by=owner)
    ReviewItem.objects.create(
        id=REVIEW_ITEM,
        detection=queued,
        member_ids=[str(queued.pk)],
        run=run,
        best_score=0.6,
        candidates=[{"deer_id": str(DEER), "score": 0.6}],
        threshold=0.7,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        return export_services.create_export(owner, ExportJob.Kind.PDF, {"report_type": "seasonal_activity"})
