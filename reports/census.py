"""The Jacobson camera census of white-tailed deer (Jacobson et al. 1997, Wildl. Soc. Bull. 25:547-556).

For a census window of baited cameras (typically 10-14 days):

* B: unique antlered bucks, counted from re-ID profiles (deer of sex buck with a counted detection
  in the window; the method identifies them by their antlers);
* b, d, f: photo counts of bucks, does and fawns (counted detections of those effective classes);
* population correction factor PCF = B / b; does = d x PCF; fawns = f x PCF;
* population = B + does + fawns (= B + B (d / b) + does (f / d)); buck:doe = B / does (= b / d);
  fawn:doe = fawns / does (= f / d).

Beyond the method: a percentile interval from a seeded bootstrap over independent events (each
event with its photos and the bucks in them is resampled whole), and the unique does seen in
re-ID profiles where they exist (the method estimates does, it does not identify them).
"""

import numpy as np

from reid.models import Deer
from reports import event_selectors, selectors
from reports.activity import report_header

CENSUS_CLASSES = ("buck", "doe", "fawn")
TYPICAL_DAYS = (10, 14)
ASSUMPTIONS = (
    "Every antlered buck using the area visits a baited camera during the window and is told apart "
    "by its antlers (here: its re-ID profile).",
    "Bucks, does and fawns are photographed at the same rate per animal, so photo ratios equal population ratios.",
    "Cameras are baited and spread about one per 100-160 acres; the population is closed for the window.",
    "Field tests found the method underestimates (about -32 % on average against known herds, SEAFWA 2014).",
)


def census_figures(unique_bucks, bucks, does, fawns):
    """The method's arithmetic on B unique bucks and photo counts b, d, f; None where undefined."""
    figures = {
        "unique_bucks": unique_bucks,
        "buck_photos": bucks,
        "doe_photos": does,
        "fawn_photos": fawns,
        "correction_factor": None,
        "does": None,
        "fawns": None,
        "population": None,
        "bucks_per_doe": None,
        "fawns_per_doe": None,
    }
    if not bucks or not unique_bucks:
        return figures
    factor = unique_bucks / bucks
    est_does, est_fawns = does * factor, fawns * factor
    figures.update(
        correction_factor=factor,
        does=est_does,
        fawns=est_fawns,
        population=unique_bucks + est_does + est_fawns,
        bucks_per_doe=unique_bucks / est_does if does else None,
        fawns_per_doe=fawns / does if does else None,
    )
    return figures


def _events(qs):
    """Per independent event: photo counts (E, 3) by census class and the bucks in it (E, bucks)."""
    rows = event_selectors.events_with_deer(qs)
    deer_ids = {deer for *_, deer, _ in rows if deer is not None}
    buck_ids = sorted(str(i) for i in Deer.objects.filter(id__in=deer_ids, sex="buck").values_list("id", flat=True))
    buck_index = {deer: i for i, deer in enumerate(buck_ids)}
    event_index, photos, seen = {}, [], []
    for location, name, number, deer, n in rows:
        key = (location, name, number)
        if key not in event_index:
            event_index[key] = len(photos)
            photos.append([0, 0, 0])
            seen.append(set())
        row = event_index[key]
        photos[row][CENSUS_CLASSES.index(name)] += n
        if name == "buck" and deer is not None and str(deer) in buck_index:
            seen[row].add(buck_index[str(deer)])
    incidence = np.zeros((len(photos), len(buck_ids)))
    for row, bucks in enumerate(seen):
        incidence[row, list(bucks)] = 1
    return np.array(photos, dtype=float).reshape(-1, 3), incidence


def bootstrap_population(photos, incidence, resamples=1000, seed=0, level=0.95):
    """Percentile interval of the population over resamples of the events (None if undefined)."""
    events = len(photos)
    if not events or not resamples or not incidence.shape[1]:
        return None
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(events, np.full(events, 1.0 / events), size=resamples).astype(float)
    b, d, f = (draws @ photos).T
    unique = ((draws @ incidence) > 0).sum(axis=1)
    ok = (b > 0) & (unique > 0)
    if ok.sum() < 2:
        return None
    population = unique[ok] * (1 + d[ok] / b[ok] + f[ok] / b[ok])
    low, high = np.quantile(population, [(1 - level) / 2, (1 + level) / 2])
    return {"low": round(float(low), 1), "high": round(float(high), 1), "resamples": int(ok.sum()), "seed": seed}


def _unique_deer(qs, sex, effective):
    return qs.filter(effective_classification=effective, deer__sex=sex).values("deer_id").distinct().count()


def build_census_report(start, end, location_ids=None, resamples=1000, seed=0, title=None):
    location_ids = list(location_ids or [])
    qs = selectors.counted_detections(start, end, location_ids, CENSUS_CLASSES)
    photos = selectors.totals_by_class(qs)
    unique_bucks = _unique_deer(qs, "buck", "buck")
    figures = census_figures(unique_bucks, photos.get("buck", 0), photos.get("doe", 0), photos.get("fawn", 0))
    event_photos, incidence = _events(qs)
    days = (end - start).days + 1
    rounded = {key: round(value, 2) if isinstance(value, float) else value for key, value in figures.items()}
    notes = []
    if not TYPICAL_DAYS[0] <= days <= TYPICAL_DAYS[1]:
        notes.append(f"The window has {days} days; the method uses about {TYPICAL_DAYS[0]}-{TYPICAL_DAYS[1]}.")
    if figures["population"] is None:
        notes.append("No estimate: no antlered buck with a re-ID profile was photographed in the window.")
    return {
        **report_header("census", title or "Jacobson deer census", location_ids, list(CENSUS_CLASSES)),
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "days": days,
        "empty": not sum(photos.values()),
        "census": rounded,
        "unique_does": _unique_deer(qs, "doe", "doe"),
        "independent_events": len(event_photos),
        "interval": bootstrap_population(event_photos, incidence, resamples, seed),
        "notes": notes,
        "assumptions": list(ASSUMPTIONS),
        "reference": "Jacobson, H. A., et al. 1997. Infrared-triggered cameras for censusing white-tailed deer. "
        "Wildlife Society Bulletin 25:547-556.",
    }
