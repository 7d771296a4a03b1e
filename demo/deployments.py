"""The demo ranch's deployments: what a season of real camera work leaves behind.

Every site is set up the afternoon before the first day and serviced every quarter (a swap at
10:30: one deployment ends, the next starts at the same instant); the last deployment is still
running. Hayfield's camera is swapped for another model at the second service; TinMan's camera was
out for a week (flat batteries: no pictures in that week, the visits went to Camphouse instead);
Camphouse is a baited feeder site; Sanctuary's camera kept standard time after the spring DST change,
so its EXIF times in that deployment were an hour early, fixed with a +3600 s clock offset (one
clock-correction history row).
"""

from datetime import datetime, time, timedelta

from django.db.models import F

from detections.deployments import clock_offset_set, deployment_images
from detections.models import Deployment, Detection, Outage

HOUR = timedelta(hours=1)
SERVICE_DAYS = 91
SITES = {
    # name: (feature type, bait, camera model, height in m)
    "Hayfield": ("trailGame", False, "Browning BTC-8E", 1.0),
    "270_Jason": ("trailGame", False, "Stealth Cam G42", 1.2),
    "Sanctuary": ("waterSource", False, "Reconyx HP2X", 0.9),
    "TinMan": ("roadDirt", False, "Browning BTC-8E", 1.1),
    "Camphouse": ("", True, "Moultrie M-50", 1.5),
    "Phils_Secret_Spot": ("fruitingTree", False, "Bushnell Core DS", 1.0),
}
OUTAGE_SITE, OUTAGE_DAY, OUTAGE_DAYS = "TinMan", 120, 7
REDIRECT_SITE = "Camphouse"


def outage_window(start, tz):
    """(start, end) of TinMan's week without pictures (aware)."""
    first = datetime.combine(start + timedelta(days=OUTAGE_DAY), time(3, 0), tz)
    return first, first + timedelta(days=OUTAGE_DAYS)


def visit_site(site, aware, start, tz):
    """The site a visit's pictures are stored at: none are taken at TinMan while its camera is out."""
    low, high = outage_window(start, tz)
    return REDIRECT_SITE if site == OUTAGE_SITE and low <= aware < high else site


def _service_instants(start, end, tz):
    setup = datetime.combine(start - timedelta(days=1), time(16, 0), tz)
    swaps = [
        datetime.combine(start + timedelta(days=n), time(10, 30), tz)
        for n in range(SERVICE_DAYS, (end - start).days, SERVICE_DAYS)
    ]
    return [setup, *swaps]


def _dst_start(start, end, tz):
    """The first day in start..end whose UTC offset is larger than the day before's (spring forward)."""
    day = start
    while day < end:
        nxt = day + timedelta(days=1)
        if datetime.combine(nxt, time(12), tz).utcoffset() > datetime.combine(day, time(12), tz).utcoffset():
            return nxt
        day = nxt
    return None


def create_deployments(locations, start, end, tz):
    """Create the deployments, the outage and the clock correction; returns the deployments."""
    made = []
    for name, location in locations.items():
        feature, bait, model, height = SITES[name]
        instants = _service_instants(start, end, tz)
        for n, setup in enumerate(instants):
            pickup = instants[n + 1] if n + 1 < len(instants) else None
            swapped = name == "Hayfield" and n >= 2
            made.append(
                Deployment.objects.create(
                    location=location,
                    setup_at=setup,
                    pickup_at=pickup,
                    camera_id=f"{name[:3].upper()}-{2 if swapped else 1}",
                    camera_model="Reconyx HF2X" if swapped else model,
                    camera_height=height,
                    bait_use=bait,
                    feature_type=feature,
                    setup_by="Demo Reviewer",
                    notes="corn feeder 15 m in front of the camera" if bait else "",
                )
            )
    low, high = outage_window(start, tz)
    holder = next(
        d for d in made if d.location.name == OUTAGE_SITE and d.setup_at <= low and (d.pickup_at or high) >= high
    )
    Outage.objects.create(deployment=holder, start_at=low, end_at=high, reason="batteries flat")
    spring = _dst_start(start, end, tz)
    if spring is not None:
        moment = datetime.combine(spring, time(12), tz)
        late = next(
            d
            for d in made
            if d.location.name == "Sanctuary" and d.setup_at <= moment and (d.pickup_at is None or moment < d.pickup_at)
        )
        # the camera's EXIF times were an hour early: store them so, then correct the deployment's clock
        # (detections first: they are selected through their images' times)
        inside = deployment_images(late)
        Detection.objects.filter(image__in=inside.values("id")).update(taken_at=F("taken_at") - HOUR)
        inside.update(taken_at=F("taken_at") - HOUR)
        clock_offset_set(late, 3600)
    return made
