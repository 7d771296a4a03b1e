"""The demo ranch's deployments: quarterly camera swaps, a week's outage without pictures, a baited
site, a clock fixed after the DST change; every image inside a deployment."""

from datetime import date, timedelta

import pytest

from demo.ranch import generate_ranch
from detections.deployments import images_outside
from detections.models import ClockCorrection, Deployment, Image, Outage
from reports.selectors import camera_days_by_location

pytestmark = pytest.mark.django_db
END = date(2024, 12, 31)


@pytest.fixture
def ranch(settings, tmp_path):
    settings.IMAGE_ROOT = tmp_path / "images"
    settings.GROUND_TRUTH_PATH = tmp_path / "truth.csv"
    settings.IMAGE_ROOT.mkdir(exist_ok=True)
    return generate_ranch(images=400, seed=5, end=END)


def test_demo_deployments(ranch):
    assert Deployment.objects.filter(pickup_at=None).count() == 6  # one running camera per site
    swaps = Deployment.objects.filter(location__name="Hayfield").order_by("setup_at")
    assert len(swaps) >= 4 and len({d.camera_id for d in swaps}) == 2
    assert all(a.pickup_at == b.setup_at for a, b in zip(swaps, swaps[1:], strict=False))  # swaps leave no gap
    outage = Outage.objects.get()
    assert outage.deployment.location.name == "TinMan" and outage.end_at - outage.start_at == timedelta(days=7)
    assert not Image.objects.filter(
        location__name="TinMan", taken_at__gte=outage.start_at, taken_at__lt=outage.end_at
    ).exists()
    assert set(Deployment.objects.filter(bait_use=True).values_list("location__name", flat=True)) == {"Camphouse"}
    correction = ClockCorrection.objects.get()
    assert correction.deployment.location.name == "Sanctuary" and correction.new_offset == 3600
    assert not images_outside().exists()
    days = {
        Deployment.objects.filter(location_id=k).first().location.name: v
        for k, v in camera_days_by_location(ranch.start, ranch.end).items()
    }
    year = (ranch.end - ranch.start).days + 1
    assert days["Hayfield"] == pytest.approx(year)  # every day covered (the two DST days net out)
    assert days["TinMan"] == pytest.approx(year - 7)
