"""Finding 6: files in the media volume are never served through a symbolic link (core.files; the
export download: tests/exports/test_download.py)."""

import io

import pytest
from PIL import Image as PILImage

from core.files import contained_file
from detections import files
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "outside" / "passwd"
    path.parent.mkdir()
    path.write_text("root:x:0:0:root:/root:/bin/bash\n")
    return path


def test_a_cached_thumbnail_replaced_by_a_link_is_rendered_again(alice_client, secret):
    img = factories.image(width=640, height=480)
    assert alice_client.get(f"/api/images/{img.id}/thumbnail?size=160").status_code == 200
    cached = files.thumbnail_root() / str(img.id)[:2] / f"{img.id}_160.jpg"
    cached.unlink()
    cached.symlink_to(secret)
    response = alice_client.get(f"/api/images/{img.id}/thumbnail?size=160")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and b"root:x" not in body
    assert PILImage.open(io.BytesIO(body)).size == (160, 120)
    assert not cached.is_symlink() and secret.read_text().startswith("root:x")


def test_a_linked_directory_in_the_thumbnail_cache_is_not_served(alice_client, secret):
    img = factories.image(width=640, height=480)
    shard = files.thumbnail_root() / str(img.id)[:2]
    shard.parent.mkdir(parents=True, exist_ok=True)
    shard.symlink_to(secret.parent, target_is_directory=True)
    (secret.parent / f"{img.id}_160.jpg").symlink_to(secret)
    response = alice_client.get(f"/api/images/{img.id}/thumbnail?size=160")
    assert response.status_code == 404 and b"root:x" not in response.content


def test_contained_file(tmp_path, secret):
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.jpg").write_bytes(b"x")
    (root / "link.jpg").symlink_to(root / "a.jpg")
    assert contained_file(root, root / "a.jpg") == root / "a.jpg"
    assert contained_file(root, root / "link.jpg") is None  # even a link inside the root
    assert contained_file(root, root / "missing.jpg") is None
    assert contained_file(root, secret) is None
    assert contained_file(root, root / ".." / "outside" / "passwd") is None
