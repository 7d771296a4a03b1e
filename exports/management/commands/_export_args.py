"""Shared helpers of the export commands: validate like the API, print errors clearly, report progress."""

import time
import uuid
from pathlib import Path

from django.core.management.base import CommandError

from core.api_errors import flatten_errors


def validated(serializer_class, data):
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        lines = [
            f"  {field}: {' '.join(str(m) for m in messages)}"
            for field, messages in flatten_errors(serializer.errors).items()
        ]
        raise CommandError("Invalid export request:\n" + "\n".join(lines))
    return serializer


def output_path(option, default_name):
    """--output as given (a directory gets the default name), else the default name in the cwd."""
    path = Path(option) if option else Path.cwd() / default_name
    if path.is_dir():
        path = path / default_name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def new_id():
    return uuid.uuid4()


def progress_printer(stream, total):
    """A progress callback for the export writers that prints to `stream` at most once a second."""
    last = [0.0]

    def progress(stage, percent, processed, force=False):
        if force or time.monotonic() - last[0] > 1:
            last[0] = time.monotonic()
            stream.write(f"{stage} {processed}/{total} ({percent}%)")
        return True

    return progress
