"""GET /api/images/{id}/file, /api/images/{id}/thumbnail and /api/detections/{id}/crop."""

import io

import pytest
from PIL import Image as PILImage

from detections import files
from tests import factories

pytestmark = pytest.mark.django_db


def picture(response):
    return PILImage.open(io.BytesIO(b"".join(response.streaming_content)))


def test_original_file_is_streamed(alice_client, settings):
    img = factories.image(width=640, height=480)
    response = alice_client.get(f"/api/images/{img.id}/file")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == (settings.IMAGE_ROOT / img.file).read_bytes()
    assert img.filename in response["Content-Disposition"]


def test_thumbnail_fits_the_size_and_is_cached(alice_client):
    img = factories.image(width=640, height=480)
    response = alice_client.get(f"/api/images/{img.id}/thumbnail?size=160")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert picture(response).size == (160, 120)
    cached = files.thumbnail_root() / str(img.id)[:2] / f"{img.id}_160.jpg"
    assert cached.is_file()
    # served from the cache afterwards, even if the original disappears
    img.path.unlink()
    assert alice_client.get(f"/api/images/{img.id}/thumbnail?size=160").status_code == 200


def test_default_thumbnail_size_is_300(alice_client):
    img = factories.image(width=640, height=480)
    assert picture(alice_client.get(f"/api/images/{img.id}/thumbnail")).size == (300, 225)


@pytest.mark.parametrize("size", ["5", "5000", "big"])
def test_thumbnail_size_out_of_range_is_400(alice_client, size):
    img = factories.image()
    response = alice_client.get(f"/api/images/{img.id}/thumbnail?size={size}")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "size": [f"size must be a whole number of pixels from 32 to 1024, got '{size}'."]
    }


def test_missing_file_is_404_with_a_reason(alice_client):
    img = factories.image(write_file=False)
    response = alice_client.get(f"/api/images/{img.id}/file")
    assert response.status_code == 404
    assert response.json()["detail"] == f"Image file not found: {img.file}"
    assert alice_client.get(f"/api/images/{img.id}/thumbnail").status_code == 404


def test_detection_crop(alice_client):
    det = factories.detection(factories.image(width=640, height=480), bbox=(100, 50, 200, 100))
    response = alice_client.get(f"/api/detections/{det.id}/crop?size=100")
    assert response.status_code == 200
    assert picture(response).size == (100, 50)


def test_files_need_login(client):
    img = factories.image()
    assert client.get(f"/api/images/{img.id}/file").status_code in (401, 403)


def test_a_stored_path_leaving_the_image_root_is_not_served(alice_client, settings):
    secret = settings.IMAGE_ROOT.parent / "secret.jpg"
    secret.write_bytes(factories.jpeg_bytes())
    img = factories.image(write_file=False)
    type(img).objects.filter(pk=img.pk).update(file="../secret.jpg")
    assert alice_client.get(f"/api/images/{img.id}/file").status_code == 404
