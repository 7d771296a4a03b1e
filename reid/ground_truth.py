"""The ground-truth CSV (GROUND_TRUTH_PATH, `detection_id,individual_id`): labelled individuals, where a
ranch has them. Calibration uses it as evidence, the analysis and the replay score thresholds on it."""

import csv
from pathlib import Path

from django.conf import settings


class GroundTruthError(ValueError):
    """The ground-truth file cannot be used."""


def file_truth(path=None):
    """{detection id: individual id} from the CSV, or None when there is no file."""
    path = Path(path or settings.GROUND_TRUTH_PATH)
    if not path.is_file():
        return None
    truth = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"detection_id", "individual_id"} <= set(reader.fieldnames):
            raise GroundTruthError(f"{path} must have the columns detection_id,individual_id.")
        for line in reader:
            truth[line["detection_id"]] = line["individual_id"]
    return truth
