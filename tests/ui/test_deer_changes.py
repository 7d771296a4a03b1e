"""Merge and split from the deer page: a confirmation that says what will happen, an audit row per
change, and undo that puts everything back."""

from datetime import UTC, datetime

import pytest

from detections.models import Detection
from reid.models import Deer, ProfileAudit, RejectedCandidate
from tests import factories
from tests.ui.test_deer_pages import herd, sighted_deer  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_merge_asks_first_and_says_what_will_happen(client, bob, herd):  # noqa: F811
    client.force_login(bob)
    page = client.get(f"/deer/{herd['big'].pk}/merge", {"source": herd["twin"].pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Big Ten will have <strong>5 sightings</strong>" in text
    assert "from 2024-10-01 to 2024-12-02" in text
    assert Deer.objects.filter(pk=herd["twin"].pk).exists()  # nothing merged yet
    assert not ProfileAudit.objects.exists()


def test_merge_is_audited_and_undo_restores_both_profiles(client, bob, herd):  # noqa: F811
    client.force_login(bob)
    twin = herd["twin"]
    twin_ids = set(Detection.objects.filter(deer=twin).values_list("id", flat=True))
    client.post(f"/deer/{herd['big'].pk}/merge", {"source": twin.pk})
    audit = ProfileAudit.objects.get()
    assert (audit.action, audit.user, audit.deer_id) == ("merge", bob, herd["big"].pk)
    assert set(audit.moved[str(twin.pk)]) == {str(pk) for pk in twin_ids}
    detail = client.get(f"/deer/{herd['big'].pk}/")
    assert "Merged Deer" in detail.content.decode() and b'id="undo-change"' in detail.content

    response = client.post(f"/deer/{herd['big'].pk}/undo", follow=True)
    assert b"Undone: Merged" in response.content
    restored = Deer.objects.get(pk=twin.pk)
    assert set(Detection.objects.filter(deer=restored).values_list("id", flat=True)) == twin_ids
    assert restored.sighting_count == 2 and restored.sex == "buck"
    big = Deer.objects.get(pk=herd["big"].pk)
    assert big.sighting_count == 3 and big.last_seen == datetime(2024, 11, 2, 12, tzinfo=UTC)
    audit.refresh_from_db()
    assert audit.undone_by == bob and audit.undone_at is not None
    again = client.post(f"/deer/{herd['big'].pk}/undo", follow=True)
    assert b"no merge or split to undo" in again.content


def test_fawn_merges_into_the_doe_it_grew_into_with_a_warning(client, bob):
    loc = factories.location("Creek")
    fawn = sighted_deer("fawn", "Speckles", [datetime(2023, 6, 1, tzinfo=UTC)], loc)
    doe = sighted_deer("doe", "Clover", [datetime(2024, 9, 1, tzinfo=UTC), datetime(2024, 9, 2, tzinfo=UTC)], loc)
    client.force_login(bob)
    detail = client.get(f"/deer/{doe.pk}/")
    assert str(fawn.pk) in detail.content.decode()  # offered although the sex differs
    page = client.get(f"/deer/{doe.pk}/merge", {"source": fawn.pk})
    assert b"grew into this doe" in page.content and b'name="force"' not in page.content
    client.post(f"/deer/{doe.pk}/merge", {"source": fawn.pk})
    doe.refresh_from_db()
    assert (doe.sighting_count, doe.sex) == (3, "doe")
    assert not Deer.objects.filter(pk=fawn.pk).exists()


def test_split_asks_first_and_undo_puts_the_sightings_back(client, bob, herd):  # noqa: F811
    client.force_login(bob)
    big = herd["big"]
    moved = Detection.objects.filter(deer=big).order_by("taken_at").first()
    page = client.get(f"/deer/{big.pk}/split", {"detection_ids": [moved.pk]})
    assert page.status_code == 200 and b"Split 1 sighting off Big Ten?" in page.content
    assert Detection.objects.get(pk=moved.pk).deer_id == big.pk
    client.post(f"/deer/{big.pk}/split", {"detection_ids": [moved.pk]})
    new_id = Detection.objects.get(pk=moved.pk).deer_id
    assert new_id != big.pk and RejectedCandidate.objects.filter(detection=moved, deer=big).exists()
    client.post(f"/deer/{big.pk}/undo")
    assert Detection.objects.get(pk=moved.pk).deer_id == big.pk
    assert not Deer.objects.filter(pk=new_id).exists()
    assert not RejectedCandidate.objects.filter(detection=moved, deer=big).exists()
    big.refresh_from_db()
    assert big.sighting_count == 3


def test_undo_refuses_when_a_later_change_touches_the_profile(client, bob, herd):  # noqa: F811
    client.force_login(bob)
    client.post(f"/deer/{herd['big'].pk}/merge", {"source": herd["twin"].pk})
    client.post(f"/deer/{herd['big'].pk}/merge", {"source": herd["doe"].pk, "force": "on"})
    first, second = ProfileAudit.objects.order_by("created_at", "id")
    from reid.profile_audit import undo_change
    from reid.profiles import ProfileError

    with pytest.raises(ProfileError, match="later merge or split"):
        undo_change(first, bob)
    undo_change(second, bob)
    undo_change(first, bob)
    assert Deer.objects.count() == 3


def test_timeline_shows_empty_days(client, alice, herd):  # noqa: F811
    client.force_login(alice)
    response = client.get(f"/deer/{herd['big'].pk}/", {"group_by": "day"})
    rows = response.context["timeline"]
    assert len(rows) == 33  # 2024-10-01 .. 2024-11-02
    assert [r["sightings"] for r in rows[:5]] == [1, 0, 0, 0, 1]
