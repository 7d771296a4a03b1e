"""The matching engine on its own (numpy products and the compiled decision loop): decisions, sex
rules, centroid updates, rejections, dimensions."""

import numpy as np
import pytest

from reid import matching


def unit(seed, dim=32):
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def blend(a, b, weight):
    v = weight * a + (1 - weight) * b
    return (v / np.linalg.norm(v)).astype(np.float32)


def index_of(*profiles, dim=32):
    keys = [f"p{i}" for i in range(len(profiles))]
    return matching.ProfileIndex(
        dim, keys, [s for s, _ in profiles], np.stack([v for _, v in profiles]), [1] * len(profiles)
    )


def test_link_review_create_bands():
    a = unit(1)
    index = index_of(("doe", a))
    far = unit(99)
    close, middling = blend(a, far, 0.9), blend(a, far, 0.4)
    scores = [float(close @ a), float(middling @ a), float(far @ a)]
    assert scores[0] >= 0.7 and 0.3 <= scores[1] < 0.7 and scores[2] < 0.3
    decisions = matching.match_batch(
        index, np.stack([close, middling, far]), ["doe"] * 3, 0.7, 0.3, new_key=lambda: "new"
    )
    assert [d.kind for d in decisions] == [matching.LINK, matching.REVIEW, matching.CREATE]
    assert decisions[0].col == 0 and decisions[2].col == 1 and index.keys[1] == "new"


def test_other_sexes_are_never_candidates():
    a = unit(1)
    index = index_of(("buck", a))
    decisions = matching.match_batch(index, a[None, :], ["doe"], 0.7, 0.5, new_key=lambda: "doe-profile")
    assert decisions[0].kind == matching.CREATE and len(decisions[0].top_cols) == 0
    assert index.sexes[1] == matching.SEX_CODE["doe"]


def test_unknown_matches_any_sex_and_never_creates():
    a, b = unit(1), unit(2)
    index = index_of(("buck", a), ("fawn", b))
    decisions = matching.match_batch(index, np.stack([b, unit(3)]), ["unknown", "unknown"], 0.7, 0.5)
    assert decisions[0].kind == matching.LINK and decisions[0].col == 1
    assert decisions[1].kind == matching.UNMATCHED
    assert index.size == 2  # no profile of a guessed sex


def test_auto_create_off_queues_instead():
    index = index_of(("doe", unit(1)))
    decisions = matching.match_batch(index, unit(5)[None, :], ["doe"], 0.7, 0.5, auto_create=False)
    assert decisions[0].kind == matching.REVIEW and index.size == 1


def test_link_updates_centroid_as_renormalised_running_mean():
    a, x = unit(1), blend(unit(1), unit(7), 0.8)
    index = matching.ProfileIndex(32, ["p"], ["doe"], a[None, :], [3])
    matching.match_batch(index, x[None, :], ["doe"], 0.5, 0.4)
    expected = a * 3 + x
    expected /= np.linalg.norm(expected)
    np.testing.assert_allclose(index.centroids[0], expected, atol=1e-6)
    assert index._counts[0] == 4
    # a burst track of two detections counts twice, and the next attempt sees the moved centroid
    y, z = blend(unit(1), unit(8), 0.8), blend(unit(1), unit(9), 0.7)
    decisions = matching.match_batch(index, np.stack([y, z]), ["doe", "doe"], 0.5, 0.4, weights=[2, 1])
    after_y = expected * 4 + y * 2
    after_y /= np.linalg.norm(after_y)
    assert decisions[1].score == pytest.approx(float(after_y @ z), abs=1e-6)
    after_z = after_y * 6 + z
    np.testing.assert_allclose(index.centroids[0], after_z / np.linalg.norm(after_z), atol=1e-6)
    assert index._counts[0] == 7


def test_rejected_profile_is_never_offered():
    a = unit(1)
    index = index_of(("doe", a), ("doe", blend(a, unit(2), 0.7)))
    decisions = matching.match_batch(index, a[None, :], ["doe"], 0.5, 0.4, rejected={0: {0}})
    assert 0 not in decisions[0].top_cols
    assert decisions[0].col == 1


def test_dimension_mismatch_is_an_error():
    index = index_of(("doe", unit(1)))
    with pytest.raises(matching.EmbeddingError, match="16-dimensional embedding.*32 dimensions"):
        matching.match_batch(index, np.ones((1, 16), np.float32), ["doe"], 0.7, 0.5)


def test_zero_embedding_is_an_error():
    index = index_of(("doe", unit(1)))
    with pytest.raises(matching.EmbeddingError, match="all zeros"):
        matching.match_batch(index, np.zeros((1, 32), np.float32), ["doe"], 0.7, 0.5)


def test_profiles_created_in_a_batch_are_found_by_later_attempts():
    a = unit(1)
    index = matching.ProfileIndex(32)
    counter = iter(range(100))
    decisions = matching.match_batch(
        index, np.stack([a, blend(a, unit(4), 0.95)]), ["doe", "doe"], 0.7, 0.5, new_key=lambda: next(counter)
    )
    assert [d.kind for d in decisions] == [matching.CREATE, matching.LINK]
    assert index.size == 1


def test_batched_decisions_equal_one_at_a_time():
    """The batch keeps stale scores for unchanged profiles only: the outcome must be exactly what
    matching the attempts one by one gives, including the logged top-K."""
    rng = np.random.default_rng(3)
    latents = [unit(100 + i) for i in range(60)]
    sexes = ["doe", "buck", "fawn"]
    profiles = [(sexes[i % 3], latents[i]) for i in range(40)]
    picks = rng.integers(0, 60, size=300)
    embeddings = np.stack([blend(latents[p], unit(1000 + i), 0.8) for i, p in enumerate(picks)])
    attempt_sexes = [sexes[p % 3] if i % 7 else "unknown" for i, p in enumerate(picks)]
    rejected = {5: {1, 2}, 17: {0}}
    batched, single = index_of(*profiles), index_of(*profiles)
    keys_a, keys_b = iter(range(10**6)), iter(range(10**6))
    weights = rng.integers(1, 4, size=len(embeddings))  # burst tracks of 1-3 detections
    together = matching.match_batch(
        batched,
        embeddings,
        attempt_sexes,
        0.62,
        0.5,
        top_k=5,
        rejected=rejected,
        new_key=lambda: next(keys_a),
        weights=weights,
    )
    apart = []
    for i in range(len(embeddings)):
        apart += matching.match_batch(
            single,
            embeddings[i : i + 1],
            attempt_sexes[i : i + 1],
            0.62,
            0.5,
            top_k=5,
            rejected={0: rejected[i]} if i in rejected else None,
            new_key=lambda: next(keys_b),
            weights=weights[i : i + 1],
        )
    assert [d.kind for d in together] == [d.kind for d in apart]
    assert [d.col for d in together] == [d.col for d in apart]
    for x, y in zip(together, apart, strict=False):
        assert list(x.top_cols) == list(y.top_cols)
        np.testing.assert_allclose(x.top_scores, y.top_scores, atol=1e-5)
    np.testing.assert_allclose(batched.centroids, single.centroids, atol=1e-5)
    assert {d.kind for d in together} >= {matching.LINK, matching.CREATE}
