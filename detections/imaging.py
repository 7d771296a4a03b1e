"""Reading image files: format and size checks, EXIF timestamps, thumbnails and crops.

Nothing here touches the database. Errors are Django ValidationErrors keyed by the request field
they concern, so that the API can answer 400 naming the field.
"""

import hashlib
import io
import os
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import ExifTags, ImageFile, UnidentifiedImageError
from PIL import Image as PILImage

ACCEPTED_FORMATS = ("JPEG", "PNG")
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
CHUNK = 1024 * 1024
MAX_UTC_OFFSET = timedelta(hours=14)  # the largest offset any zone uses
# 20241015_063015, 2024-10-15 06-30-15, IMG_20241015-063015, 2024:10:15 06:30:15 ...
FILENAME_TIMESTAMP = re.compile(
    r"(?<!\d)(\d{4})[-_:.]?(\d{2})[-_:.]?(\d{2})[ T_\-]?(\d{2})[-_:.]?(\d{2})[-_:.]?(\d{2})(?!\d)"
)


def max_pixels():
    return getattr(settings, "IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def max_bytes():
    return getattr(settings, "IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES)


@dataclass
class ImageProbe:
    """What we learn from an image file: its header and EXIF, once its pixels decode."""

    format: str
    width: int
    height: int
    sha256: str
    size_bytes: int
    exif: dict = field(default_factory=dict)
    exif_datetime: datetime | None = None  # naive local time from DateTimeOriginal
    exif_offset: timedelta | None = None  # from OffsetTimeOriginal, when the camera wrote one

    @property
    def extension(self):
        return ".png" if self.format == "PNG" else ".jpg"


def sha256_of(fileobj):
    """Streamed sha256 of a binary file object (rewound before and after)."""
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(CHUNK), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def probe(fileobj, field_name="file"):
    """Check that `fileobj` is a JPEG or PNG within the size limits that decodes completely, and
    read its header and EXIF.

    Raises ValidationError({field_name: ...}) naming the reason.
    """
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    if size == 0:
        raise ValidationError({field_name: "The file is empty."})
    if size > max_bytes():
        raise ValidationError({field_name: f"The file is {size} bytes; the limit is {max_bytes()} bytes."})
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(fileobj, formats=ACCEPTED_FORMATS) as picture:
                width, height = picture.size
                if width * height > limit:
                    raise ValidationError({field_name: _too_many_pixels(width, height, limit)})
                picture.verify()  # structure and checksums, without decoding the pixels
            fileobj.seek(0)
            with PILImage.open(fileobj, formats=ACCEPTED_FORMATS) as picture:
                exif = picture.getexif()
                # Decode it all, so that a truncated file is refused here and not when its thumbnail
                # is made; a JPEG at 1/8 scale (draft), which still reads every byte of it.
                picture.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                load_complete(picture)
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ValidationError(
            {field_name: f"The image has too many pixels (decompression bomb); the limit is {limit} pixels."}
        ) from None
    except UnidentifiedImageError:
        raise ValidationError({field_name: "The file is not a JPEG or PNG image."}) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationError({field_name: f"The image file is damaged and cannot be read ({error})."}) from None
    fileobj.seek(0)
    image_format = "PNG" if _is_png(fileobj) else "JPEG"
    taken, offset, summary = read_exif(exif)
    return ImageProbe(
        format=image_format,
        width=width,
        height=height,
        sha256=sha256_of(fileobj),
        size_bytes=size,
        exif=summary,
        exif_datetime=taken,
        exif_offset=offset,
    )


def probe_path(path, field_name="file"):
    """probe() for a file already on the volume, read once and not decoded (the import of a pipeline's
    results registers thousands of these a minute).

    A JPEG is checked from its header and marker structure: its size and EXIF come from the header,
    and a file cut short (no end-of-image marker after its first scan) is refused as damaged; its
    pixels are decoded when its thumbnail is made. A PNG goes through probe() (checksums verified,
    pixels decoded).
    """
    with open(path, "rb") as handle:  # its size, or one byte over the limit (read(limit) would allocate it)
        data = handle.read(min(os.fstat(handle.fileno()).st_size, max_bytes()) + 1)
    if data[:8] == b"\x89PNG\r\n\x1a\n" or len(data) > max_bytes():
        return probe(io.BytesIO(data), field_name)
    if not data:
        raise ValidationError({field_name: "The file is empty."})
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as picture:
                width, height = picture.size
                if width * height > limit:
                    raise ValidationError({field_name: _too_many_pixels(width, height, limit)})
                exif = picture.getexif()
        if not jpeg_complete(data):
            raise OSError("the file ends before its end-of-image marker: truncated")
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ValidationError(
            {field_name: f"The image has too many pixels (decompression bomb); the limit is {limit} pixels."}
        ) from None
    except UnidentifiedImageError:
        raise ValidationError({field_name: "The file is not a JPEG or PNG image."}) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationError({field_name: f"The image file is damaged and cannot be read ({error})."}) from None
    taken, offset, summary = read_exif(exif)
    return ImageProbe(
        format="JPEG",
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        exif=summary,
        exif_datetime=taken,
        exif_offset=offset,
    )


def jpeg_complete(data):
    """True when the JPEG's segments lead to a scan and an end-of-image marker (FF D9) follows it.

    The segments before the first scan are walked by their lengths (an EXIF thumbnail inside APP1,
    with its own scan and end marker, is skipped whole); inside scan data a 0xFF byte is always
    followed by 0x00 or a restart marker, so FF D9 after the scan is the image's own end.
    """
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
        elif marker == 0xDA:  # start of scan
            return data.find(b"\xff\xd9", position) >= 0
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            position += 2
        else:
            position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return False


def load_complete(picture):
    """picture.load(), raising OSError for a truncated file whatever Pillow's process-wide
    ImageFile.LOAD_TRUNCATED_IMAGES says: WeasyPrint sets it to True when it is imported (to draw
    broken images in PDFs), which would let a truncated upload decode as a grey-filled picture."""
    tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        picture.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def _is_png(fileobj):
    head = fileobj.read(8)
    fileobj.seek(0)
    return head == b"\x89PNG\r\n\x1a\n"


def _too_many_pixels(width, height, limit):
    return f"The image is {width}x{height} ({width * height} pixels); the limit is {limit} pixels."


def read_exif(exif):
    """(naive DateTimeOriginal, its UTC offset or None, a JSON-friendly summary of the tags)."""
    summary = {}
    for tag, value in exif.items():
        _keep(summary, ExifTags.TAGS.get(tag, str(tag)), value)
    try:
        sub = exif.get_ifd(EXIF_IFD)
    except (KeyError, ValueError, TypeError, OSError):
        sub = {}
    for tag, value in sub.items():
        _keep(summary, ExifTags.TAGS.get(tag, str(tag)), value)
    taken = parse_exif_datetime(sub.get(DATETIME_ORIGINAL))
    offset = parse_exif_offset(sub.get(OFFSET_TIME_ORIGINAL))
    return taken, offset, summary


def _keep(summary, name, value):
    if isinstance(value, bytes):
        return  # maker notes and thumbnails: binary, large, not useful as JSON
    if isinstance(value, (int, float, str)):
        text = value if not isinstance(value, str) else value.strip("\x00 ")
    else:
        text = str(value)
    if isinstance(text, str) and len(text) > 200:
        return
    summary[name] = text if isinstance(text, (int, str)) else float(text)


def parse_exif_datetime(value):
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def parse_exif_offset(value):
    """The UTC offset of OffsetTimeOriginal ("+02:00"), or None when absent or not a real offset
    (beyond ±14:00, or minutes over 59): the time is then read in the location's zone."""
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", value.strip("\x00 ")) if isinstance(value, str) else None
    if not match:
        return None
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    if int(match.group(3)) > 59 or delta > MAX_UTC_OFFSET:
        return None
    return -delta if match.group(1) == "-" else delta


def timestamp_from_filename(name):
    """A naive datetime found in a file name such as IMG_20241015_063015.JPG, or None."""
    match = FILENAME_TIMESTAMP.search(os.path.basename(name or ""))
    if not match:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def localize(naive, tzinfo, offset=None):
    """A naive camera time as aware UTC: with the EXIF offset when known, else in `tzinfo`."""
    if offset is not None:
        return naive.replace(tzinfo=timezone(offset)).astimezone(UTC)
    return naive.replace(tzinfo=tzinfo).astimezone(UTC)


def write_atomically(path, chunks):
    """Write `chunks` to `path` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def render_jpeg(source_path, target_path, size, box=None):
    """Write a JPEG that fits into size x size (aspect kept) of the image, or of `box` (x, y, w, h)."""
    with PILImage.open(source_path) as picture:
        if box is None:
            picture.draft("RGB", (size, size))  # JPEG: decode at a reduced scale, much faster
        else:
            x, y, w, h = box
            picture = picture.crop((x, y, x + w, y + h))
        picture = picture.convert("RGB")
        picture.thumbnail((size, size), PILImage.Resampling.LANCZOS)
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=85)
    write_atomically(target_path, [buffer.getvalue()])
    return target_path
