"""imaging.probe_path: a file on the volume read once, its header checked without decoding the pixels.

It must say what probe() says of a good file, and refuse what probe() refuses, with the reason.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image as PILImage

from detections import imaging


def jpeg(width=640, height=480, exif_time="2024:10:15 06:30:15", thumbnail=False, progressive=False):
    picture = PILImage.new("RGB", (width, height), (90, 120, 60))
    exif = PILImage.Exif()
    exif[0x0112] = 6
    exif[0x8769] = {0x9003: exif_time}
    if thumbnail:  # a JPEG inside the EXIF block, with its own scan and end-of-image marker
        small = io.BytesIO()
        PILImage.new("RGB", (160, 120), (10, 20, 30)).save(small, "JPEG")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80, exif=exif.tobytes(), progressive=progressive)
    data = buffer.getvalue()
    if thumbnail:  # splice the thumbnail into an APP1 segment before the scan, as cameras write it
        segment = b"Exif\x00\x00" + small.getvalue()
        data = data[:2] + b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment + data[2:]
    return data


def write(tmp_path, data, name="IMG_0001.JPG"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("progressive", [False, True])
def test_a_good_jpeg_reads_as_probe_reads_it(tmp_path, progressive):
    path = write(tmp_path, jpeg(progressive=progressive))
    quick = imaging.probe_path(path, "images.0.file")
    with open(path, "rb") as handle:
        full = imaging.probe(handle, "images.0.file")
    assert quick == full
    assert (quick.width, quick.height, quick.exif["Orientation"]) == (640, 480, 6)
    assert quick.exif_datetime.isoformat() == "2024-10-15T06:30:15"


@pytest.mark.parametrize("keep", [200, 2000, -2])
def test_a_truncated_jpeg_is_refused_as_damaged(tmp_path, keep):
    data = jpeg()
    path = write(tmp_path, data[:keep])
    with pytest.raises(ValidationError) as caught:
        imaging.probe_path(path, "images.0.file")
    (message,) = caught.value.message_dict["images.0.file"]
    assert message.startswith("The image file is damaged and cannot be read")


def test_a_truncated_jpeg_with_a_complete_exif_thumbnail_is_refused(tmp_path):
    data = jpeg(thumbnail=True)
    assert imaging.probe_path(write(tmp_path, data), "f").width == 640  # the whole file reads
    cut = data[: len(data) - 300]  # the thumbnail's scan and end marker are intact, the image's are not
    with pytest.raises(ValidationError) as caught:
        imaging.probe_path(write(tmp_path, cut, "cut.JPG"), "f")
    assert "damaged" in caught.value.message_dict["f"][0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a picture", "The file is not a JPEG or PNG image."),
        (b"", "The file is empty."),
    ],
)
def test_not_an_image_is_refused_with_its_reason(tmp_path, data, message):
    with pytest.raises(ValidationError) as caught:
        imaging.probe_path(write(tmp_path, data), "f")
    assert caught.value.message_dict == {"f": [message]}


def test_too_many_pixels_and_too_many_bytes(tmp_path, settings):
    path = write(tmp_path, jpeg(200, 100))
    settings.IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError) as caught:
        imaging.probe_path(path, "f")
    assert caught.value.message_dict == {"f": ["The image is 200x100 (20000 pixels); the limit is 10000 pixels."]}
    settings.IMAGE_MAX_PIXELS = 10**8
    settings.IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        imaging.probe_path(path, "f")
    assert "the limit is 100 bytes" in caught.value.message_dict["f"][0]


def test_a_png_is_decoded_and_checked_whole(tmp_path):
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (1, 2, 3)).save(buffer, "PNG")
    good = imaging.probe_path(write(tmp_path, buffer.getvalue(), "a.png"), "f")
    assert (good.format, good.width, good.height) == ("PNG", 64, 48)
    with pytest.raises(ValidationError) as caught:
        imaging.probe_path(write(tmp_path, buffer.getvalue()[:-20], "b.png"), "f")
    assert "damaged" in caught.value.message_dict["f"][0]
