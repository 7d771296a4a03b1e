"""Detection.objects.deer_sightings() and matchable(): the one definition of what re-ID may compare."""

import numpy as np
import pytest

from detections.models import Detection
from tests import factories

pytestmark = pytest.mark.django_db

VECTOR = np.ones(8, dtype=np.float32)


def test_matchable_is_a_valid_non_duplicate_deer_sighting_with_an_embedding():
    doe = factories.detection(classification="doe", embedding=VECTOR)
    corrected = factories.detection(classification="cattle", corrected_classification="fawn", embedding=VECTOR)
    no_embedding = factories.detection(classification="buck")
    factories.detection(classification="doe", corrected_classification="cattle", embedding=VECTOR)
    factories.detection(classification="raccoon", embedding=VECTOR)
    factories.detection(classification="doe", embedding=VECTOR, is_valid=False)
    factories.detection(classification="doe", embedding=VECTOR, is_duplicate=True)
    assert set(Detection.objects.deer_sightings()) == {doe, corrected, no_embedding}
    assert set(Detection.objects.matchable()) == {doe, corrected}
