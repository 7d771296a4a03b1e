"""seed_demo --bulk (benchmark data). Apart from test_seed_demo.py, whose module-wide ranch would be
in the database under this test."""

from datetime import date

import pytest

from demo.bulk import seed_bulk
from detections.models import Detection, Image

pytestmark = pytest.mark.django_db

END = date(2024, 12, 31)


def test_bulk_mode_inserts_the_requested_number():
    created = seed_bulk(2_001, seed=2, end=END, pool_size=4, batch_size=500)
    assert created == 2_001 == Detection.objects.count()
    assert Image.objects.count() == 1_001
    assert Image.objects.values("file").distinct().count() == 4
