"""Finding 3: an embedding too large for float32 ([1e308, ...]) is refused with a 400 instead of being
stored as NaN; a NaN already stored cannot make GET /api/detections/<id> answer 500."""

import numpy as np
import pytest

from core.vectors import NonFiniteVectorError, l2_normalise
from detections.models import Detection, Image
from tests import factories
from tests.detections.helpers import det, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "vector",
    [[1e308] * 8, [3e38, 3e38, 0, 0, 0, 0, 0, 0], [np.nan] + [1.0] * 7, [np.inf] + [1.0] * 7],
    ids=["1e308", "norm-overflows-float32", "nan", "inf"],
)
def test_the_normaliser_refuses_what_it_cannot_normalise(vector):
    with pytest.raises(NonFiniteVectorError, match="NaN, infinite or too large"):
        l2_normalise(vector)


def test_large_but_representable_vectors_still_normalise():
    unit = l2_normalise([3e18, 4e18])
    assert np.allclose(unit, [0.6, 0.8])


def test_upload_with_an_overflowing_embedding_is_a_400_and_stores_nothing(bob_client):
    factories.location("Hayfield")
    metadata = {
        "location": "Hayfield",
        "taken_at": "2024-10-15T06:30:00Z",
        "detections": [det(embedding=[1e308] * 8, embedding_model="m")],
    }
    response = upload(bob_client, factories.jpeg_bytes(64, 48), metadata)
    assert response.status_code == 400
    assert "too large" in response.json()["errors"]["metadata.detections.0.embedding"][0]
    assert not Image.objects.exists() and not Detection.objects.exists()


def test_a_stored_nan_embedding_reads_as_null_not_500(alice_client):
    detection = factories.detection()
    Detection.objects.filter(pk=detection.pk).update(
        embedding=np.full(8, np.nan, dtype=np.float32).tobytes(), embedding_model="m"
    )
    response = alice_client.get(f"/api/detections/{detection.pk}")
    assert response.status_code == 200
    assert response.json()["embedding"] is None
    assert response.json()["embedding_dimension"] == 8


def test_the_migration_clears_non_finite_embeddings_stored_before_the_fix():
    """Rows written before ingest refused them: the data migration clears them (and NaN centroids)."""
    import importlib

    import numpy as np
    from django.apps import apps

    from detections.models import Detection
    from reid.models import Deer

    migration = importlib.import_module("detections.migrations.0005_clear_non_finite_embeddings")
    nan = np.full(4, np.nan, dtype=np.float32).tobytes()
    fine = np.ones(4, dtype=np.float32).tobytes()
    broken, kept = factories.detection(), factories.detection()
    Detection.objects.filter(pk=broken.pk).update(embedding=nan, embedding_model="m")
    Detection.objects.filter(pk=kept.pk).update(embedding=fine, embedding_model="m")
    deer = Deer.objects.create(name="Nan")
    Deer.objects.filter(pk=deer.pk).update(centroid=nan)
    migration.clear(apps, None)
    assert Detection.objects.get(pk=broken.pk).embedding is None
    assert Detection.objects.get(pk=broken.pk).embedding_model == ""
    assert bytes(Detection.objects.get(pk=kept.pk).embedding) == fine
    assert Deer.objects.get(pk=deer.pk).centroid is None
