import pytest


@pytest.fixture(autouse=True)
def reid_settings(settings):
    settings.REID_THRESHOLD = 0.70
    settings.REID_REVIEW_THRESHOLD = 0.55
    settings.REID_BURST_SECONDS = 5
    settings.REID_LOG_TOP_K = 10
    settings.REID_AUTO_CREATE = True
    return settings
