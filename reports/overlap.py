"""Activity overlap of two groups: von Mises kernel densities of time of day and the overlap
coefficient Delta (Ridout & Linkie 2009; Meredith & Ridout, R package `overlap`), numpy-vectorised.

Observations are angles in radians (0 = 2 pi = midnight) with integer weights (the number of
records at that angle: the database groups records to the minute). Weighted data give the same
estimates as the records listed one by one.

* bandwidth(): overlap::getBandWidth (kmax = 3): kappa of the best-fitting von Mises for the first
  three trigonometric moments, then the plug-in concentration of Taylor (2008).
* estimate(): Dhat1 (integral of min(f, g) on a 128-point grid, bandwidth adjust 0.8) when the
  smaller sample has fewer than 50 records, Dhat4 (adjust 1) from 50 on, as overlapEst.
* bootstrap(): the smoothed bootstrap of overlap::bootstrap: each resample draws n records from the
  group's kernel density on a 512-point circle; a resample is its multinomial counts on it, so
  1,000 resamples cost the same for 100 or 1,000,000 records.
"""

from dataclasses import dataclass

import numpy as np

N_GRID = 128
BOOT_GRID = 512
KMAX = 3
KAPPA_LOW, KAPPA_HIGH = 1e-4, 345.0  # overlap's uniroot interval
ADJUST = {"Dhat1": 0.8, "Dhat4": 1.0}
DHAT4_FROM = 50
TWO_PI = 2 * np.pi

_THETA = np.linspace(0.0, np.pi, 257)
_TABLE_KAPPA = np.geomspace(KAPPA_LOW, KAPPA_HIGH, 4097)
ASYMPTOTIC_FROM = 30.0
_ratio_table = None


def _asymptotic_bessel(order, x):
    """I_order(x) e^-x for large x: (2 pi x)^-1/2 sum_k (-1)^k prod_j (4 order^2 - (2j - 1)^2) / (k! (8x)^k)."""
    mu, term, total = 4.0 * order**2, np.ones_like(x), np.ones_like(x)
    for k in range(1, 12):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        total = total + term
    return total / np.sqrt(2 * np.pi * x)


def scaled_bessel(order, x):
    """I_order(x) e^-x for x >= 0: (1/pi) integral over 0..pi of e^(x (cos t - 1)) cos(order t) dt
    (trapezoid rule, exact to rounding for this periodic integrand), or its asymptotic series from 30."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    large = x >= ASYMPTOTIC_FROM
    out[large] = _asymptotic_bessel(order, x[large])
    small = x[~large]
    integrand = np.exp(small[..., None] * (np.cos(_THETA) - 1.0)) * np.cos(order * _THETA)
    out[~large] = np.trapezoid(integrand, _THETA, axis=-1) / np.pi
    return out


def _ratios():
    """A_k(kappa) = I_k / I_0 for k = 1..KMAX on a fine log grid of kappa (computed once)."""
    global _ratio_table
    if _ratio_table is None:
        i0 = scaled_bessel(0, _TABLE_KAPPA)
        _ratio_table = np.stack([scaled_bessel(k, _TABLE_KAPPA) / i0 for k in range(1, KMAX + 1)])
    return _ratio_table


def bandwidth(points, counts):
    """overlap::getBandWidth for each row of counts (B, P) over angles points (P,); NaN where none.

    The k-th kappa solves I_k(kappa)/I_0(kappa) = |mean of e^(i k x)| inside (1e-4, 345), else 0;
    kappa-hat is the largest, and the bandwidth (3 n k^2 I_2(2k) / (4 sqrt(pi) I_0(k)^2))^(2/5).
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    n = counts.sum(axis=1)
    table = _ratios()
    kappa = np.zeros(len(counts))
    for k in range(1, KMAX + 1):
        moment = np.hypot(counts @ np.cos(k * points), counts @ np.sin(k * points)) / n
        ratio = table[k - 1]
        inside = (moment > ratio[0]) & (moment < ratio[-1])
        solved = np.exp(np.interp(moment, ratio, np.log(_TABLE_KAPPA)))
        kappa = np.maximum(kappa, np.where(inside, solved, 0.0))
    result = np.full(len(counts), np.nan)
    ok = kappa > 0
    k = kappa[ok]
    result[ok] = (3 * n[ok] * k**2 * scaled_bessel(2, 2 * k) / (4 * np.sqrt(np.pi) * scaled_bessel(0, k) ** 2)) ** 0.4
    return result


def density(points, counts, kappa, at):
    """Kernel densities (B, len(at)): f(x) = sum_i w_i e^(kappa (cos(x - x_i) - 1)) / (2 pi I_0(kappa) e^-kappa) / n."""
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    kappa = np.broadcast_to(np.asarray(kappa, dtype=float), (len(counts),))
    cosines = np.cos(np.asarray(at)[:, None] - points[None, :]) - 1.0  # (A, P)
    out = np.empty((len(counts), len(at)))
    for start in range(0, len(counts), 32):
        rows = slice(start, start + 32)
        kernel = np.exp(kappa[rows, None, None] * cosines[None])  # (b, A, P)
        norm = TWO_PI * scaled_bessel(0, kappa[rows])
        out[rows] = np.einsum("bap,bp->ba", kernel, counts[rows]) / counts[rows].sum(axis=1)[:, None] / norm[:, None]
    return out


def estimator_for(n_a, n_b):
    return "Dhat1" if min(n_a, n_b) < DHAT4_FROM else "Dhat4"


def _dhat1(f, g):
    """Dhat1 from densities (B, N_GRID) on the grid 0..2 pi (the first point, midnight again, dropped)."""
    f, g = f[:, 1:], g[:, 1:]
    return np.minimum(f / f.sum(axis=1, keepdims=True), g / g.sum(axis=1, keepdims=True)).sum(axis=1)


def _dhat4(counts_a, counts_b, f, g):
    """Dhat4 from both densities (B, P) at the observation angles and the counts (B, P) there."""
    with np.errstate(divide="ignore", invalid="ignore"):
        part_a = (counts_a * np.minimum(1.0, g / f)).sum(axis=1) / counts_a.sum(axis=1)
        part_b = (counts_b * np.minimum(1.0, f / g)).sum(axis=1) / counts_b.sum(axis=1)
    return (part_a + part_b) / 2


def _dhat(kind, points, counts_a, counts_b, bw_a, bw_b):
    """Dhat1 or Dhat4 for each row pair of counts (B, P) on the common angles `points`, as overlapEst."""
    kappa_a, kappa_b = bw_a / ADJUST[kind], bw_b / ADJUST[kind]
    grid = np.linspace(0.0, TWO_PI, N_GRID)
    if kind == "Dhat1":
        return _dhat1(density(points, counts_a, kappa_a, grid), density(points, counts_b, kappa_b, grid))
    if (counts_a.sum(axis=1) + counts_b.sum(axis=1)).max() > N_GRID * 1.1:  # densities on the grid, interpolated
        f = np.stack([np.interp(points, grid, row) for row in density(points, counts_a, kappa_a, grid)])
        g = np.stack([np.interp(points, grid, row) for row in density(points, counts_b, kappa_b, grid)])
    else:
        f = density(points, counts_a, kappa_a, points)
        g = density(points, counts_b, kappa_b, points)
    return _dhat4(counts_a, counts_b, f, g)


def _common_points(a, b):
    points = np.union1d(a.points, b.points)
    return points, a.counts_on(points), b.counts_on(points)


@dataclass
class Sample:
    """Angles in radians [0, 2 pi) and how many records each angle has."""

    points: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_angles(cls, angles, counts=None):
        angles = np.mod(np.asarray(angles, dtype=float), TWO_PI)
        counts = np.ones(len(angles)) if counts is None else np.asarray(counts, dtype=float)
        points, inverse = np.unique(angles, return_inverse=True)
        return cls(points, np.bincount(inverse, weights=counts, minlength=len(points)))

    @property
    def n(self):
        return int(round(self.counts.sum()))

    def counts_on(self, points):
        out = np.zeros(len(points))
        out[np.searchsorted(points, self.points)] = self.counts
        return out

    def bandwidth(self):
        return float(bandwidth(self.points, self.counts[None])[0])


def estimate(a, b, kind=None):
    """(estimator name, Delta-hat) for Samples a and b; kind defaults to the recommended one."""
    kind = kind or estimator_for(a.n, b.n)
    bw_a, bw_b = a.bandwidth(), b.bandwidth()
    if np.isnan(bw_a) or np.isnan(bw_b):
        return kind, None
    points, counts_a, counts_b = _common_points(a, b)
    return kind, float(_dhat(kind, points, counts_a[None], counts_b[None], np.array([bw_a]), np.array([bw_b]))[0])


def _circle(points=BOOT_GRID):
    """The resampling grid: 512 angles 2 pi j / 512 (overlap resamples from 511 points,
    seq(0, 2 pi, length = 512) without its repeated midnight; 512 makes the FFTs fast)."""
    return np.arange(points) * TWO_PI / points


def _circular_density(counts, kappa):
    """Densities (B, P) at the circle's points of counts (B, P) on the same points: a circular
    convolution with each row's von Mises kernel, by FFT (the same sums as density(), in P log P)."""
    size = counts.shape[1]
    lags = np.cos(_circle(size)) - 1.0
    kernels = np.exp(kappa[:, None] * lags[None]) / (TWO_PI * scaled_bessel(0, kappa))[:, None]
    sums = np.fft.irfft(np.fft.rfft(counts, axis=1) * np.fft.rfft(kernels, axis=1), n=size, axis=1)
    return sums / counts.sum(axis=1, keepdims=True)


def _smoothed_resamples(sample, resamples, rng):
    """Multinomial counts (resamples, 512) of n draws from the sample's density on the circle."""
    probabilities = density(sample.points, sample.counts[None], sample.bandwidth(), _circle())[0]
    return rng.multinomial(sample.n, probabilities / probabilities.sum(), size=resamples)


def _periodic_interp(values, at):
    """Rows of values on the circle, linearly interpolated at the angles `at` (wrapping at 2 pi)."""
    circle = np.append(_circle(values.shape[1]), TWO_PI)
    closed = np.concatenate([values, values[:, :1]], axis=1)
    return np.stack([np.interp(at, circle, row) for row in closed])


def bootstrap(a, b, kind, resamples=1000, seed=0):
    """Delta-hat of `kind` for each smoothed-bootstrap resample (seeded: the same seed, the same values).

    As overlap::bootstrap, except that every density of a resample is computed exactly at the 512
    points of the circle by FFT and read at the estimator's 128-point grid by linear interpolation.
    """
    rng = np.random.default_rng(seed)
    counts_a = _smoothed_resamples(a, resamples, rng).astype(float)
    counts_b = _smoothed_resamples(b, resamples, rng).astype(float)
    bw_a, bw_b = bandwidth(_circle(), counts_a), bandwidth(_circle(), counts_b)
    ok = ~(np.isnan(bw_a) | np.isnan(bw_b))
    counts_a, counts_b = counts_a[ok], counts_b[ok]
    f = _circular_density(counts_a, bw_a[ok] / ADJUST[kind])
    g = _circular_density(counts_b, bw_b[ok] / ADJUST[kind])
    if kind == "Dhat1":
        grid = np.linspace(0.0, TWO_PI, N_GRID)
        values = _dhat1(_periodic_interp(f, grid), _periodic_interp(g, grid))
    else:
        values = _dhat4(counts_a, counts_b, f, g)
    return values[np.isfinite(values)]


def confidence_interval(point, values, level=0.95):
    """overlap::bootCI 'basic0': the percentile interval shifted by the bootstrap bias, within [0, 1]."""
    if len(values) < 2:
        return None
    bias = float(values.mean()) - point
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2]) - bias
    return [round(float(np.clip(low, 0, 1)), 4), round(float(np.clip(high, 0, 1)), 4)]


def overlap_figures(a, b, resamples=1000, seed=0, level=0.95):
    """Estimator, Delta-hat, bootstrap mean and CI for Samples a and b (None where undefined)."""
    kind, value = estimate(a, b) if a.n >= 2 and b.n >= 2 else (estimator_for(a.n, b.n), None)
    figures = {"estimator": kind, "delta": None, "ci_low": None, "ci_high": None, "bootstrap_mean": None}
    figures.update({"resamples": resamples, "seed": seed, "confidence": level})
    if value is None:
        return figures
    figures["delta"] = round(value, 4)
    if resamples:
        values = bootstrap(a, b, kind, resamples, seed)
        interval = confidence_interval(value, values, level)
        if interval:
            figures["ci_low"], figures["ci_high"] = interval
            figures["bootstrap_mean"] = round(float(values.mean()), 4)
    return figures


def density_curve(sample, points=N_GRID):
    """(grid, density) of the sample on `points` angles from 0 to 2 pi, bandwidth as for Dhat4 (adjust 1)."""
    grid = np.linspace(0.0, TWO_PI, points)
    bw = sample.bandwidth() if sample.n >= 2 else np.nan
    if np.isnan(bw):
        return grid, None
    return grid, density(sample.points, sample.counts[None], bw, grid)[0]
