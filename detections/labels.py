"""From what a model calls an animal to a Herdbook class: the shipped label map and a user's own.

``detections/data/label_map.csv`` (columns ``label,class,vocabulary,source``) maps the labels of the
common vocabularies (SpeciesNet taxonomy strings and common names, MegaDetector detection and
classifier categories, Camtrap DP scientificName) to Herdbook classes. A user file with the same
columns (``label,class``; setting ``LABEL_MAP_FILE`` or the import's ``--label-map``) adds rows and
overrides shipped ones; a row with an empty class unmaps a label. Labels are compared letters and
digits only, lower case, so "White-tailed Deer", "white_tailed_deer" and "whitetaileddeer" are one.

A label with no row is *unmapped*: the caller keeps it as the detection's ``model_label``, uses the
class ``animal`` (animal, not identified) and reports it. No label ever becomes a deer unless a row
says so; only Odocoileus virginianus does in the shipped map.
"""

import csv
import re
from pathlib import Path

from django.conf import settings

from core.vocabulary import CLASSIFICATIONS
from detections.import_errors import LabelMapError

SHIPPED = Path(__file__).resolve().parent / "data" / "label_map.csv"
BLANK_LABELS = {"blank", "empty"}


def normalise(label):
    return re.sub(r"[^a-z0-9]", "", str(label or "").lower())


def read_map(path):
    """{normalised label: class or ""} from a CSV file with columns label and class."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"label", "class"} <= set(reader.fieldnames):
                raise LabelMapError(f"The label map {path} needs the columns label and class.")
            rows = {}
            for number, row in enumerate(reader, start=2):
                target = (row.get("class") or "").strip().lower()
                if target and target not in CLASSIFICATIONS:
                    raise LabelMapError(
                        f"{path} line {number}: '{row['class']}' is not a Herdbook class "
                        f"({', '.join(CLASSIFICATIONS)})."
                    )
                if normalise(row.get("label")):
                    rows[normalise(row["label"])] = target
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LabelMapError(f"Cannot read the label map {path}: {error}") from None


def candidates(label):
    """The names one model label goes by, most specific first.

    A SpeciesNet taxonomy string ``uuid;class;order;family;genus;species;common name`` is tried by
    its common name, then its binomial; a MegaDetector category description
    (``animalia;...;vulpesvulpes``) by its last part; anything else as it is.
    """
    text = str(label or "").strip()
    parts = [part.strip() for part in text.split(";")]
    if len(parts) == 7:
        _, _, _, _, genus, species, common = parts
        names = [common]
        if genus and species:
            names.append(f"{genus} {species}")
        return [name for name in names if name]
    if len(parts) > 1:
        return [part for part in reversed(parts) if part][:1]
    return [text] if text else []


class LabelMap:
    def __init__(self, user_file=None):
        self.rows = read_map(SHIPPED)
        user_file = user_file or getattr(settings, "LABEL_MAP_FILE", "")
        if user_file:
            self.rows.update(read_map(user_file))
        self.found = {}  # labels looked up already

    def lookup(self, *labels):
        """The Herdbook class of the first label (or its candidates) the map knows, else None."""
        key = tuple(str(label or "") for label in labels)  # what candidates() reads of each
        if key not in self.found:  # an import asks about the same few labels for every box
            if len(self.found) >= 10_000:
                return self.search(labels)
            self.found[key] = self.search(labels)
        return self.found[key]

    def search(self, labels):
        for label in labels:
            for name in candidates(label):
                found = self.rows.get(normalise(name))
                if found is not None:
                    return found or None
        return None

    @staticmethod
    def is_blank(label):
        return any(normalise(name) in BLANK_LABELS for name in candidates(label))
