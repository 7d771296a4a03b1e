"""Reading a pipeline's results file (MegaDetector, SpeciesNet) without holding it in memory.

``open_results`` reads the small parts of the file (``info``, the category tables) and hands out its
long list (``images``, ``predictions``) as ``Entries``, streamed from the file each time it is
iterated. Python's json module writes a float that is not a number as a bare ``NaN``, ``Infinity``
or ``-Infinity``, which JSON does not have and the streaming parser refuses: such a file is read
through ``PlainJSON``, which turns those words into marked strings, and each entry read back has
them as floats again (the ingest then refuses them per image, naming the field).
"""

import json
import math
import re

import ijson
from ijson.common import ObjectBuilder

from detections.import_errors import FormatError

MAX_NESTING = 64  # a results file is a few levels deep; far deeper is hostile and slow to even parse
NOT_NUMBERS = {b"NaN": math.nan, b"Infinity": math.inf, b"-Infinity": -math.inf}
LONGEST = max(map(len, NOT_NUMBERS))
MARK = "\x00"  # starts a marked string: "\u0000NaN" in the JSON text
MARKED = {MARK + word.decode(): value for word, value in NOT_NUMBERS.items()}
READ_SIZE = 64 * 1024


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise FormatError(f"Cannot read the {what} file {path}: {error}") from None


class PlainJSON:
    """A binary file (read()) whose bare NaN, Infinity and -Infinity, outside strings, read as the
    strings "\\u0000NaN", "\\u0000Infinity" and "\\u0000-Infinity" (``restore`` turns them back)."""

    OUTSIDE = re.compile(rb'["NI-]')  # where a string or one of the words may begin
    STRING = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)  # inside a string, up to its end or a lone backslash

    def __init__(self, handle):
        self.handle, self.in_string, self.rest = handle, False, b""

    def read(self, size=READ_SIZE):
        if size == 0:  # the parser's first read: is it a binary file?
            return b""
        while True:
            data = self.handle.read(size)
            end = not data
            out, self.rest = self._plain(self.rest + data, end)
            if out or end:
                return out

    def _plain(self, data, end):
        """(the plain bytes of `data`, the bytes held back until more is read)."""
        out, position = [], 0
        while position < len(data):
            if self.in_string:
                stop = self.STRING.match(data, position).end()  # complete characters and escapes
                if stop < len(data) and data[stop] == ord('"'):
                    out.append(data[position : stop + 1])
                    position, self.in_string = stop + 1, False
                    continue
                if end:  # a file cut inside a string: the parser says so
                    stop = len(data)
                out.append(data[position:stop])
                return b"".join(out), data[stop:]  # a lone backslash waits for what it escapes
            found = self.OUTSIDE.search(data, position)
            if found is None:
                out.append(data[position:])
                break
            start = found.start()
            out.append(data[position:start])
            if data[start : start + 1] == b'"':
                out.append(b'"')
                position, self.in_string = start + 1, True
                continue
            word = next((w for w in NOT_NUMBERS if data.startswith(w, start)), None)
            if word is not None:
                out.append(json.dumps(MARK + word.decode()).encode())
                position = start + len(word)
            elif not end and len(data) - start < LONGEST and any(w.startswith(data[start:]) for w in NOT_NUMBERS):
                return b"".join(out), data[start:]  # a word may be cut by the end of this block
            else:
                out.append(data[start : start + 1])  # a minus sign, or a letter the parser refuses
                position = start + 1
        return b"".join(out), b""


def restore(value):
    """`value` with the marked strings PlainJSON wrote as the floats they stand for."""
    if isinstance(value, dict):
        return {name: restore(item) for name, item in value.items()}
    if isinstance(value, list):
        return [restore(item) for item in value]
    if isinstance(value, str) and value.startswith(MARK):
        return MARKED.get(value, value)
    return value


class Entries:
    """The entries of a results file's list (``images``, ``predictions``), streamed from the file each
    time it is iterated: memory does not grow with the file."""

    def __init__(self, path, key, what, plain=False):
        self.path, self.key, self.what, self.plain = path, key, what, plain

    def __iter__(self):
        try:
            with open(self.path, "rb") as handle:
                entries = ijson.items(PlainJSON(handle) if self.plain else handle, f"{self.key}.item", use_float=True)
                yield from map(restore, entries) if self.plain else entries
        except (OSError, ijson.JSONError, UnicodeDecodeError, RecursionError) as error:
            raise FormatError(f"Cannot read the {self.what} file {self.path}: {error}") from None


def open_results(path, key, what):
    """document() -> the results file as a dict whose ``key`` list is streamed (Entries).

    Everything else in the file (``info``, the category tables; small) is read once, wherever it stands
    in the file (MegaDetector writes ``images`` first); ``key`` is Entries only when it is a list. This
    first pass also refuses a file nested deeper than MAX_NESTING before anything else reads it: the
    parser's cost grows with the square of the depth (a 100 KB file 50,000 levels deep took 12 s).
    A file with bare NaN or Infinity is read again through PlainJSON.
    """
    try:
        with open(path, "rb") as handle:
            return _first_pass(handle, path, key, what, plain=False)
    except ijson.JSONError:
        pass
    except (OSError, UnicodeDecodeError, RecursionError) as error:
        raise FormatError(f"Cannot read the {what} file {path}: {error}") from None
    try:
        with open(path, "rb") as handle:
            return _first_pass(PlainJSON(handle), path, key, what, plain=True)
    except (OSError, ijson.JSONError, UnicodeDecodeError, RecursionError) as error:
        raise FormatError(f"Cannot read the {what} file {path}: {error}") from None


def _first_pass(handle, path, key, what, plain):
    header, builders, current, depth = {}, {}, None, 0
    for prefix, event, value in ijson.parse(handle, use_float=True):
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > MAX_NESTING:
                raise FormatError(f"Cannot read the {what} file {path}: nested more than {MAX_NESTING} levels deep.")
        elif event in ("end_map", "end_array"):
            depth -= 1
        if prefix == "":
            if event == "map_key":
                current = value
                builders[current] = None if current == key else ObjectBuilder()
            elif event not in ("start_map", "end_map"):
                document = restore(value) if plain else value
                return lambda: document  # a scalar or list at the top: not a results file
            continue
        if current == key:
            if prefix == key and event == "start_array":
                header[key] = Entries(path, key, what, plain)
            elif prefix == key and event != "end_array":
                header[key] = restore(value) if plain else value
            continue
        builders[current].event(event, value)
    header.update({name: restore(b.value) if plain else b.value for name, b in builders.items() if b is not None})
    return lambda: dict(header)
