"""Report test data: a small ranch whose expected figures are computed here in plain Python,
independently of the selectors (from the list of shots the test created)."""

import zoneinfo
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from core import data_version
from tests import factories

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@dataclass
class Shot:
    """One detection as the test created it; `counted` = valid and not a duplicate."""

    when: datetime  # aware, local
    location: object
    model_class: str
    corrected: str = None
    valid: bool = True
    duplicate: bool = False
    deer: object = None

    @property
    def effective(self):
        return self.corrected or self.model_class

    @property
    def counted(self):
        return self.valid and not self.duplicate

    @property
    def local_day(self):
        return self.when.astimezone(CHICAGO).date()


class Ranch:
    def __init__(self):
        self.shots = []
        self.images = []  # (location, local datetime) of every image, with or without detections

    def shoot(self, location, when, model_class, corrected=None, valid=True, duplicate=False, deer=None, image=None):
        img = image or factories.image(location, taken_at=when, write_file=False)
        if image is None:
            self.images.append((location, when))
        factories.detection(
            img, model_class, corrected_classification=corrected, is_valid=valid, is_duplicate=duplicate, deer=deer
        )
        shot = Shot(when, location, model_class, corrected, valid, duplicate, deer)
        self.shots.append(shot)
        return img

    def empty_image(self, location, when):
        factories.image(location, taken_at=when, write_file=False)
        self.images.append((location, when))

    # --- expected figures, computed from the shots -------------------------------------------
    def counted(self, start, end, locations=None, classes=None):
        return [
            s
            for s in self.shots
            if s.counted
            and start <= s.local_day <= end
            and (not locations or s.location in locations)
            and (not classes or s.effective in classes)
        ]

    def by_class(self, start, end, **filters):
        return dict(Counter(s.effective for s in self.counted(start, end, **filters)))

    def events(self, start, end, minutes=30, **filters):
        """Independent events: walk each (location, class) series in time order."""
        series = {}
        for s in sorted(self.counted(start, end, **filters), key=lambda s: s.when):
            series.setdefault((s.location.pk, s.effective), []).append(s)
        starts = []
        for shots in series.values():
            last = None
            for s in shots:
                if last is None or s.when - last > timedelta(minutes=minutes):
                    starts.append(s)
                last = s.when
        return starts

    def camera_days(self, location, start, end):
        """Effort without deployments: the inferred one, whole local days from the location's first
        image to its last, counted inside start..end (every day here is 24 h: no DST change)."""
        days = [when.astimezone(CHICAGO).date() for loc, when in self.images if loc == location]
        first, last = max(min(days), start), min(max(days), end)
        return max((last - first).days + 1, 0)


def local(year, month, day, hour=12, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture
def chicago(settings):
    settings.TIME_ZONE = "America/Chicago"
    settings.INDEPENDENCE_MINUTES = 30
    return CHICAGO


@pytest.fixture
def ranch(db, chicago):
    """Detections across New Year 2024/25 at three locations (one without coordinates)."""
    r = Ranch()
    hay = factories.location("Hayfield", latitude=29.803056, longitude=-97.309722)
    sanctuary = factories.location("Sanctuary", latitude=29.790556, longitude=-97.306944)
    nowhere = factories.location("Creek (no GPS)", latitude=None, longitude=None)
    r.hay, r.sanctuary, r.nowhere = hay, sanctuary, nowhere
    r.big = factories.deer(sex="buck", name="Big Ten")
    r.lady = factories.deer(sex="doe", name="Lady")

    # Week 2024-W52 (Mon 23 Dec .. Sun 29 Dec); the range starts on Sat 28 Dec.
    r.shoot(hay, local(2024, 12, 27, 7, 0), "buck")  # before the range
    r.shoot(hay, local(2024, 12, 28, 6, 10), "buck", deer=r.big)  # event
    r.shoot(hay, local(2024, 12, 28, 6, 25), "buck", deer=r.big)  # same event (15 min)
    r.shoot(hay, local(2024, 12, 28, 6, 56), "buck", deer=r.big)  # new event (31 min)
    img = r.shoot(hay, local(2024, 12, 28, 18, 0), "doe", deer=r.lady)  # two does in one image
    r.shoot(hay, local(2024, 12, 28, 18, 0), "doe", image=img)
    r.shoot(hay, local(2024, 12, 28, 18, 0), "doe", duplicate=True, image=img)  # duplicate box: excluded
    r.shoot(sanctuary, local(2024, 12, 29, 23, 30), "fawn")  # 05:30 UTC on the 30th
    r.shoot(sanctuary, local(2024, 12, 29, 23, 45), "doe", corrected="fawn")  # corrected: a fawn
    # Week 2025-W01 (Mon 30 Dec 2024 .. Sun 5 Jan 2025): crosses New Year.
    r.shoot(hay, local(2024, 12, 31, 23, 50), "buck", deer=r.big)  # 05:50 UTC on Jan 1
    r.shoot(hay, local(2025, 1, 1, 0, 10), "buck", deer=r.big)  # same event across midnight
    r.shoot(sanctuary, local(2025, 1, 1, 8, 0), "buck", corrected="doe")  # corrected: a doe
    r.shoot(sanctuary, local(2025, 1, 1, 8, 5), "raccoon", valid=False)  # invalid: excluded
    r.empty_image(sanctuary, local(2025, 1, 2, 12, 0))  # camera working, nothing seen
    r.shoot(nowhere, local(2025, 1, 3, 21, 0), "coyote")
    r.shoot(nowhere, local(2025, 1, 3, 21, 40), "coyote")  # 40 min later: new event
    # 2025-01-04 and 2025-01-05: no detections at all (empty days).
    # Week 2025-W02 (Mon 6 Jan ..), clipped: the range ends on Wed 8 Jan.
    r.shoot(hay, local(2025, 1, 6, 5, 0), "doe", deer=r.lady)
    r.shoot(hay, local(2025, 1, 8, 22, 0), "fawn")
    r.shoot(hay, local(2025, 1, 9, 1, 0), "fawn")  # after the range
    r.start, r.end = date(2024, 12, 28), date(2025, 1, 8)
    return r


@pytest.fixture
def redis_answers(monkeypatch):
    """Start a test as if Redis had always answered (no outage of the report cache remembered from
    another test)."""
    monkeypatch.setattr(data_version, "_down_until", 0.0)
    monkeypatch.setattr(data_version, "_pending", False)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The shared user fixtures hash passwords; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
