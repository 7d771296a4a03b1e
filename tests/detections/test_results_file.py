"""detections.results_file: a results file with Python's bare NaN / Infinity is streamed like any other."""

import io
import json
import math

import pytest

from detections import results_file
from detections.import_errors import FormatError
from detections.results_file import PlainJSON, restore

TEXT = (
    b'{"a": [NaN, Infinity, -Infinity, -0.5, 1e-3], "b": "NaN \\" Infinity \\\\", "c\\"NaN": {"d": -Infinity}, '
    b'"e": ["-Infinity", "x\\\\"], "f": NaN}'
)
EXPECTED = {
    "a": [math.nan, math.inf, -math.inf, -0.5, 1e-3],
    "b": 'NaN " Infinity \\',
    'c"NaN': {"d": -math.inf},
    "e": ["-Infinity", "x\\"],
    "f": math.nan,
}


class Trickle(io.BytesIO):
    """A file that gives at most `size` bytes a read: every word and escape is cut somewhere."""

    def __init__(self, data, size):
        super().__init__(data)
        self.size = size

    def read(self, size=-1):
        return super().read(self.size)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b and type(a) is type(b)


def plain_text(source):
    reader, parts = PlainJSON(source), []
    while chunk := reader.read():
        parts.append(chunk)
    return b"".join(parts)


@pytest.mark.parametrize("size", range(1, 24))
def test_bare_words_become_marked_strings_wherever_the_reads_cut_them(size):
    text = plain_text(Trickle(TEXT, size))
    assert text == plain_text(io.BytesIO(TEXT))
    document = json.loads(text)  # strict JSON now
    assert document["a"][:3] == ["\x00NaN", "\x00Infinity", "\x00-Infinity"]
    assert same(restore(document), EXPECTED)
    assert same(restore(document), json.loads(TEXT))  # what Python's own reader makes of it


def test_text_without_the_words_passes_unchanged():
    text = json.dumps({"images": [{"file": 'a"b\\c', "conf": -0.25, "bbox": [0, 1e-5, -1, 2]}]}).encode()
    assert plain_text(Trickle(text, 5)) == text


def test_a_truncated_string_is_still_refused(tmp_path):
    path = tmp_path / "md.json"
    path.write_bytes(b'{"info": {"detector": NaN}, "images": [{"file": "a.jpg')
    with pytest.raises(FormatError, match="Cannot read the MegaDetector file"):
        list(results_file.open_results(str(path), "images", "MegaDetector")()["images"])


def test_a_file_with_nan_is_streamed_not_read_whole(tmp_path):
    path = tmp_path / "md.json"
    images = [
        {"file": f"x/{i}.jpg", "detections": [{"conf": math.nan if i == 0 else 0.5, "bbox": [0, 0, 1, 1]}]}
        for i in range(3)
    ]
    path.write_text(json.dumps({"images": images, "info": {"format_version": "1.5", "x": math.inf}}))
    assert "NaN" in path.read_text()
    document = results_file.open_results(str(path), "images", "MegaDetector")()
    assert isinstance(document["images"], results_file.Entries)
    assert document["info"] == {"format_version": "1.5", "x": math.inf}
    confs = [image["detections"][0]["conf"] for image in document["images"]]
    assert math.isnan(confs[0]) and confs[1:] == [0.5, 0.5]
