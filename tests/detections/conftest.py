"""Fixtures for the detections API tests."""

import pytest

from tests import factories


@pytest.fixture
def ranch(db):
    """A location in America/Chicago."""
    return factories.location("Hayfield", timezone="America/Chicago")


@pytest.fixture
def stored_files(settings):
    """A function listing the files under IMAGE_ROOT (cached thumbnails excluded)."""

    def listing():
        return sorted(
            p.relative_to(settings.IMAGE_ROOT).as_posix()
            for p in settings.IMAGE_ROOT.rglob("*")
            if p.is_file() and ".thumbnails" not in p.parts
        )

    return listing


@pytest.fixture
def captured_signals():
    """Every detections_created signal sent during the test."""
    from detections.signals import detections_created

    calls = []

    def receiver(sender, detection_ids, **kwargs):
        calls.append((sender, list(detection_ids)))

    detections_created.connect(receiver, dispatch_uid="tests-detections-capture")
    yield calls
    detections_created.disconnect(dispatch_uid="tests-detections-capture")
