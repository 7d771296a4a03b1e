"""Matching throughput: the re-ID engine (reid.matching.match_batch) against 1,000 and 10,000
profiles with 512-dimensional embeddings, compared with a bare numpy matrix product of the same
shapes measured in the same run.

The detections are sightings of the profiles' individuals (noisy copies of their centroids, so
most link and move a centroid, the expensive case) plus 10 % of new individuals; sexes are mixed
and 5 % are `unknown`. The engine does everything a run does in memory: sex masking, top-K for
the log, exact sequential decisions with re-scoring of changed profiles, centroid updates.

Run: .venv/bin/python bench/reid_matching.py [--detections 4000] [--batch 2000]
Target: batched matching >= 50 % of the bare matrix product's detections per second.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import numpy as np  # noqa: E402

from reid import matching  # noqa: E402

DIM = 512


def make(profiles, detections, seed=0):
    rng = np.random.default_rng(seed)
    centroids = matching.normalise_rows(rng.normal(size=(profiles, DIM)))
    sexes = rng.choice(["buck", "doe", "fawn"], size=profiles, p=[0.3, 0.5, 0.2])
    owners = rng.integers(0, profiles, size=detections)
    vectors = centroids[owners] + rng.normal(size=(detections, DIM)) * (0.6 / np.sqrt(DIM))
    new = rng.random(detections) < 0.10
    vectors[new] = rng.normal(size=(int(new.sum()), DIM))
    det_sexes = sexes[owners].astype(object)
    det_sexes[rng.random(detections) < 0.05] = "unknown"
    return centroids, list(sexes), matching.normalise_rows(vectors), list(det_sexes)


def best_of(runs, fn):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def bench(profiles, detections, batch, runs):
    centroids, sexes, vectors, det_sexes = make(profiles, detections)
    keys = list(range(profiles))
    outcome = {}

    def engine():
        index = matching.ProfileIndex(DIM, keys, sexes, centroids, [5] * profiles)
        counter = iter(range(profiles, 10**9))
        kinds = []
        for start in range(0, detections, batch):
            decisions = matching.match_batch(
                index,
                vectors[start : start + batch],
                det_sexes[start : start + batch],
                0.7,
                0.55,
                top_k=10,
                new_key=lambda: next(counter),
            )
            kinds += decisions.kinds()
        outcome["kinds"] = kinds

    def bare():
        for start in range(0, detections, batch):
            vectors[start : start + batch] @ centroids.T

    def one_at_a_time():
        index = matching.ProfileIndex(DIM, keys, sexes, centroids, [5] * profiles)
        counter = iter(range(profiles, 10**9))
        for i in range(min(detections, 500)):
            matching.match_batch(
                index, vectors[i : i + 1], det_sexes[i : i + 1], 0.7, 0.55, top_k=10, new_key=lambda: next(counter)
            )

    t_bare = best_of(runs, bare)
    t_engine = best_of(runs, engine)
    t_single = best_of(1, one_at_a_time)
    kinds = outcome["kinds"]
    return {
        "bare": detections / t_bare,
        "engine": detections / t_engine,
        "single": min(detections, 500) / t_single,
        "linked": kinds.count(matching.LINK) / len(kinds),
        "created": kinds.count(matching.CREATE) / len(kinds),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--detections", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=2000, help="attempts per match_batch call (a run's chunk)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"re-ID matching, {DIM}-dim embeddings, {args.detections:,} detections in batches of {args.batch:,} "
        f"(best of {args.runs}); numpy {np.__version__}"
    )
    print(
        f"{'profiles':>9} {'bare matmul det/s':>18} {'engine det/s':>13} {'ratio':>6} {'target':>7} "
        f"{'one-by-one det/s':>17} {'linked':>7} {'new':>5}"
    )
    ok = True
    for profiles in (1000, 10000):
        r = bench(profiles, args.detections, args.batch, args.runs)
        ratio = r["engine"] / r["bare"]
        ok &= ratio >= 0.5
        print(
            f"{profiles:>9,} {r['bare']:>18,.0f} {r['engine']:>13,.0f} {ratio:>6.0%} {'>= 50%':>7} "
            f"{r['single']:>17,.0f} {r['linked']:>7.0%} {r['created']:>5.0%}"
        )
    print("target met" if ok else "target NOT met")


if __name__ == "__main__":
    main()
