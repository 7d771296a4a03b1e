"""reports.overlap against figures computed independently, in plain Python written from the
published definitions (Ridout & Linkie 2009, J. Agric. Biol. Environ. Stat. 14:322-337; the
`overlap` R package's getBandWidth, densityFit and overlapEst as documented):

* I_k(x) from its power series sum (x/2)^(2j+k) / (j! (j+k)!) (the code under test integrates);
* each bandwidth by bisection on I_k/I_0 = trigonometric moment (the code inverts a table);
* densities as explicit sums of math.exp over the records, one record at a time;
* Dhat1 as the integral of min(f, g) by a 20,000-point midpoint rule (the code: a 128-point grid,
  as overlapEst, so they agree to within the grid's error), Dhat4 from its formula record by record.

The data are von Mises mixtures drawn here with their own seeds (nothing was tuned on them).
Checked by hand on this branch, not repeated here (the package's data set cannot be shipped): on
overlap's documented example `overlapEst(tigerObs, pigObs)` (man/overlapEst.Rd: Dhat1 0.2908618,
Dhat4 0.2692011; getBandWidth 29.90650 and 10.42076 in inst/tests) reports.overlap gives 0.29086177,
0.26920104, 29.90647 and 10.42067 (R's uniroot stops at a tolerance of 1.2e-4).
"""

import functools
import math
import random

import numpy as np
import pytest

from reports import overlap


@functools.lru_cache(maxsize=4096)
def bessel_series(order, x, terms=400):
    total, term = 0.0, (x / 2) ** order / math.factorial(order)
    for j in range(terms):
        total += term
        term *= (x / 2) ** 2 / ((j + 1) * (j + 1 + order))
        if term < 1e-18 * total:
            break
    return total


def bandwidth_by_bisection(angles, kmax=3):
    n = len(angles)
    best = 0.0
    for k in range(1, kmax + 1):
        moment = math.hypot(sum(math.cos(k * a) for a in angles), sum(math.sin(k * a) for a in angles)) / n

        def excess(kappa, k=k, moment=moment):
            return bessel_series(k, kappa) / bessel_series(0, kappa) - moment

        low, high = 1e-4, 345.0
        if excess(low) * excess(high) > 0:
            continue
        for _ in range(100):
            middle = (low + high) / 2
            if excess(low) * excess(middle) <= 0:
                high = middle
            else:
                low = middle
        best = max(best, (low + high) / 2)
    i2, i0 = bessel_series(2, 2 * best), bessel_series(0, best)
    return (3 * n * best**2 * i2 / (4 * math.sqrt(math.pi) * i0**2)) ** 0.4


def density_at(x, angles, kappa):
    norm = 2 * math.pi * bessel_series(0, kappa)
    return sum(math.exp(kappa * math.cos(x - a)) for a in angles) / len(angles) / norm


def draw(seed, n, means, kappas, weights):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        index = rng.choices(range(len(means)), weights)[0]
        out.append(rng.vonmisesvariate(means[index], kappas[index]) % (2 * math.pi))
    return out


NOCTURNAL = dict(means=[0.4, 5.6], kappas=[2.0, 3.0], weights=[0.6, 0.4])
CREPUSCULAR = dict(means=[1.7, 4.9], kappas=[6.0, 5.0], weights=[0.5, 0.5])


def test_bessel_integral_against_the_series():
    for order in (0, 1, 2, 3):
        for x in (0.01, 0.7, 5.0, 40.0, 300.0):
            assert overlap.scaled_bessel(order, np.array([x]))[0] == pytest.approx(
                bessel_series(order, x) * math.exp(-x), rel=1e-9
            )


@pytest.mark.parametrize("seed,n", [(11, 23), (12, 60), (13, 240)])
def test_bandwidth_against_bisection(seed, n):
    angles = draw(seed, n, **NOCTURNAL)
    sample = overlap.Sample.from_angles(angles)
    assert sample.bandwidth() == pytest.approx(bandwidth_by_bisection(angles), rel=1e-5)


def test_dhat1_against_a_fine_integral_of_min_f_g():
    a, b = draw(21, 30, **NOCTURNAL), draw(22, 40, **CREPUSCULAR)
    kappa_a, kappa_b = bandwidth_by_bisection(a) / 0.8, bandwidth_by_bisection(b) / 0.8
    steps = 20000
    integral = 0.0
    for i in range(steps):
        x = (i + 0.5) * 2 * math.pi / steps
        integral += min(density_at(x, a, kappa_a), density_at(x, b, kappa_b))
    integral *= 2 * math.pi / steps
    kind, value = overlap.estimate(overlap.Sample.from_angles(a), overlap.Sample.from_angles(b))
    assert kind == "Dhat1"  # the smaller sample has fewer than 50 records
    assert value == pytest.approx(integral, abs=2e-3)
    assert 0.05 < value < 0.95


def test_dhat4_against_its_formula_record_by_record():
    a, b = draw(31, 55, **NOCTURNAL), draw(32, 70, **CREPUSCULAR)  # 125 records: exact densities in overlapEst
    kappa_a, kappa_b = bandwidth_by_bisection(a), bandwidth_by_bisection(b)
    part_a = sum(min(1.0, density_at(x, b, kappa_b) / density_at(x, a, kappa_a)) for x in a) / len(a)
    part_b = sum(min(1.0, density_at(y, a, kappa_a) / density_at(y, b, kappa_b)) for y in b) / len(b)
    kind, value = overlap.estimate(overlap.Sample.from_angles(a), overlap.Sample.from_angles(b))
    assert kind == "Dhat4"
    assert value == pytest.approx((part_a + part_b) / 2, abs=1e-6)


def test_estimates_close_to_the_true_overlap_of_the_generating_densities():
    """With 800 records each, Dhat4 is near the true Delta of the two mixtures (integrated here)."""

    def mixture(x, means, kappas, weights):
        return sum(
            w * math.exp(k * math.cos(x - m)) / (2 * math.pi * bessel_series(0, k))
            for m, k, w in zip(means, kappas, weights, strict=True)
        )

    steps = 4000
    true_delta = (
        sum(
            min(
                mixture((i + 0.5) * 2 * math.pi / steps, **NOCTURNAL),
                mixture((i + 0.5) * 2 * math.pi / steps, **CREPUSCULAR),
            )
            for i in range(steps)
        )
        * 2
        * math.pi
        / steps
    )
    a = overlap.Sample.from_angles(draw(41, 800, **NOCTURNAL))
    b = overlap.Sample.from_angles(draw(42, 800, **CREPUSCULAR))
    _, value = overlap.estimate(a, b)
    assert value == pytest.approx(true_delta, abs=0.04)


def test_identical_groups_overlap_completely_and_distant_ones_hardly():
    angles = draw(51, 40, **NOCTURNAL)
    same = overlap.Sample.from_angles(angles)
    assert overlap.estimate(same, same, "Dhat1")[1] == pytest.approx(1.0)
    assert overlap.estimate(same, same, "Dhat4")[1] == pytest.approx(1.0)
    night = overlap.Sample.from_angles(draw(52, 60, means=[0.0], kappas=[40.0], weights=[1]))
    noon = overlap.Sample.from_angles(draw(53, 60, means=[math.pi], kappas=[40.0], weights=[1]))
    assert overlap.estimate(night, noon)[1] < 0.01


def test_counts_mean_the_same_as_repeated_records():
    angles = draw(61, 30, **CREPUSCULAR)
    repeated = angles + angles[:10] + angles[:10]
    counts = [3 if i < 10 else 1 for i in range(30)]
    weighted = overlap.Sample.from_angles(angles, counts)
    listed = overlap.Sample.from_angles(repeated)
    other = overlap.Sample.from_angles(draw(62, 45, **NOCTURNAL))
    assert weighted.n == 50
    assert weighted.bandwidth() == pytest.approx(bandwidth_by_bisection(repeated), rel=1e-5)
    assert overlap.estimate(weighted, other)[1] == pytest.approx(overlap.estimate(listed, other)[1], abs=1e-12)


def test_bootstrap_is_seeded_and_its_interval_brackets_the_estimate():
    a = overlap.Sample.from_angles(draw(71, 45, **NOCTURNAL))
    b = overlap.Sample.from_angles(draw(72, 90, **CREPUSCULAR))
    first = overlap.overlap_figures(a, b, resamples=200, seed=5)
    again = overlap.overlap_figures(a, b, resamples=200, seed=5)
    other = overlap.overlap_figures(a, b, resamples=200, seed=6)
    assert first == again
    assert first["ci_low"] != other["ci_low"]
    assert first["estimator"] == "Dhat1"
    assert 0 <= first["ci_low"] < first["delta"] < first["ci_high"] <= 1
    values = overlap.bootstrap(a, b, "Dhat1", 200, 5)
    assert len(values) == 200
    # The smoothed bootstrap of a kernel estimate is biased upwards (Ridout & Linkie 2009 sect. 4).
    assert values.mean() > first["delta"]


def test_too_few_records_give_no_estimate_rather_than_an_error():
    one = overlap.Sample.from_angles([1.0])
    many = overlap.Sample.from_angles(draw(81, 20, **NOCTURNAL))
    figures = overlap.overlap_figures(one, many, resamples=50)
    assert figures["delta"] is None and figures["ci_low"] is None
