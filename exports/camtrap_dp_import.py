"""Camtrap DP import: a package from another tool (Agouti, TRAPPER, camtrapdp, Wildlife Insights) or
from Herdbook becomes locations, images, detections and individuals.

The package is a folder or a ZIP holding datapackage.json and the three CSV tables. It is checked
whole first (the descriptor, every row against the official 1.0.2 table schemas, the references
between the tables, every media file found and readable as an image); a refused package changes
nothing. Then everything is written in one transaction.

* deployments -> Location (by locationName, else locationID; an existing location of that name is
  reused); the deployment rows themselves are returned as ``Summary.deployments`` (a separate step,
  to be stored once Herdbook has deployments).
* media -> Image. ``filePath`` relative to the package: the file in the package (copied under
  IMAGE_ROOT/camtrap_dp/<package>/ unless the package folder already lies under IMAGE_ROOT); a URL:
  the file named ``fileName`` in ``media_folder`` (a folder under IMAGE_ROOT). Nothing is ever
  fetched over the network. An image whose content is stored already is reused.
* observations -> Detection, one per media-level observation of an animal, human or vehicle with a
  bounding box (relative in Camtrap DP, pixels in Herdbook). The class comes from core.taxonomy:
  scientificName (+ lifeStage and sex for white-tailed deer), an animal without a known name is
  ``animal`` and its name is reported. Human classifications are imported as reviewed.
* individualID -> reid.Deer (one per individual of the package).
"""

import csv
import io
import shutil
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils.text import slugify

from core.taxonomy import TAXA
from detections import imaging
from detections.ingest import bbox_to_pixels
from detections.models import Detection, Image, Location
from exports.camtrap_dp_schema import TABLES, header_problems, parse_datetime, row_problems
from exports.zip_archive import FORMULA_PREFIXES
from reid.models import Deer

MAX_PROBLEMS = 50
DETECTED_TYPES = ("animal", "human", "vehicle")
IMPORT_FOLDER = "camtrap_dp"
DEER_NAME = TAXA["unknown"].scientific_name
BY_SCIENTIFIC_NAME = {t.scientific_name.lower(): t.name for t in TAXA.values() if t.identified and not t.is_deer}
DEER_SPECIES = "White-tailed deer (Odocoileus virginianus)"


class PackageRefused(ValueError):
    """The package breaks Camtrap DP or cannot be imported; ``problems`` lists why (nothing was written)."""

    def __init__(self, problems):
        self.problems = problems[:MAX_PROBLEMS]
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        super().__init__("; ".join(self.problems) + more)


@dataclass
class Summary:
    locations_created: int = 0
    images_created: int = 0
    images_existing: int = 0
    detections: int = 0
    individuals: int = 0
    skipped: Counter = field(default_factory=Counter)  # observations not imported, by reason
    unmapped: Counter = field(default_factory=Counter)  # scientific names imported as "animal"
    deployments: list = field(default_factory=list)  # the deployment rows, for the deployment step


# --- reading the package ---------------------------------------------------------------------------


class Source:
    """A package folder or ZIP: its files by their path in the package."""

    def __init__(self, path):
        self.path = Path(path)
        self.archive = zipfile.ZipFile(self.path) if self.path.is_file() else None
        if self.archive is None and not (self.path / "datapackage.json").is_file():
            raise PackageRefused([f"{self.path.name} is neither a ZIP nor a folder holding datapackage.json"])
        self.names = set(self.archive.namelist()) if self.archive else None

    def exists(self, name):
        return name in self.names if self.archive else (self.path / name).is_file()

    def open(self, name):
        return self.archive.open(name) if self.archive else open(self.path / name, "rb")

    def rows(self, name):
        with self.open(name) as handle:
            yield from csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""))

    def under_image_root(self):
        """The package folder relative to IMAGE_ROOT, or None when it is a ZIP or lies elsewhere."""
        root = Path(settings.IMAGE_ROOT).resolve()
        if self.archive is None and root in self.path.resolve().parents:
            return self.path.resolve().relative_to(root).as_posix()
        return None

    def close(self):
        if self.archive is not None:
            self.archive.close()


def inside_package(path):
    """A path that stays inside the package (no URL, no absolute path, no '..')."""
    text = str(path or "")
    return (
        bool(text) and "://" not in text and not text.startswith(("/", "\\")) and ".." not in PurePosixPath(text).parts
    )


def descriptor_problems(descriptor):
    problems = []
    profile = str(descriptor.get("profile", ""))
    if "camtrap-dp" not in profile or not any(f"/{v}/" in profile for v in ("1.0", "1.0.1", "1.0.2")):
        problems.append(f"profile {profile!r} is not a Camtrap DP 1.0.x profile")
    names = {r.get("name"): r for r in descriptor.get("resources", []) if isinstance(r, dict)}
    for name in TABLES:
        if name not in names:
            problems.append(f"the package has no {name} resource")
        elif not inside_package(names[name].get("path")):
            problems.append(f"the {name} resource's path must be a file inside the package (none is fetched)")
    return problems


def read_table(source, path, name, problems, on_row):
    header_checked = False
    for line, row in enumerate(source.rows(path), start=2):
        if not header_checked:
            problems += header_problems(name, list(row))
            header_checked = True
        problems += row_problems(name, row, line)
        if len(problems) >= MAX_PROBLEMS:
            raise PackageRefused(problems)
        on_row(row, line)


# --- mapping --------------------------------------------------------------------------------------


def text(value):
    """A text cell without the CSV-injection guard Herdbook's exports add ("'=Mesa" -> "=Mesa")."""
    value = value or ""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


def herdbook_class(row, summary):
    """The Herdbook class of one observation row (None: not a detection)."""
    kind = row["observationType"]
    if kind in ("human", "vehicle"):
        return kind
    name = (row.get("scientificName") or "").strip()
    if name.lower() == DEER_NAME.lower():
        stage, sex = row.get("lifeStage") or "", row.get("sex") or ""
        if stage == "juvenile":
            return "fawn"
        if sex == "male" and stage in ("adult", "subadult", ""):
            return "buck"
        if sex == "female" and stage in ("adult", "subadult", ""):
            return "doe"
        return "unknown"
    if name and name.lower() in BY_SCIENTIFIC_NAME:
        return BY_SCIENTIFIC_NAME[name.lower()]
    if name:
        summary.unmapped[name] += 1
    return "animal"


def event_burst(event_id):
    if not event_id:
        return None
    try:
        return uuid.UUID(event_id)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"camtrap-dp-event:{event_id}")


@dataclass
class Medium:
    row: dict
    source_name: str  # path in the package, or "" when the file is under IMAGE_ROOT already
    relative: str  # where the file is (or will be) under IMAGE_ROOT
    probe: imaging.ImageProbe


class Importer:
    def __init__(self, path, media_folder=""):
        self.source = Source(path)
        self.media_folder = media_folder.strip("/")
        self.summary = Summary()
        self.deployments, self.media, self.observations = {}, {}, []

    # validation: everything read and checked, nothing written
    def check(self):
        problems = []
        try:
            import json

            descriptor = json.loads(self.source.open("datapackage.json").read())
        except (KeyError, FileNotFoundError, ValueError) as error:
            raise PackageRefused([f"datapackage.json cannot be read: {error}"]) from None
        problems += descriptor_problems(descriptor)
        if problems:
            raise PackageRefused(problems)
        paths = {r["name"]: r["path"] for r in descriptor["resources"] if r.get("name") in TABLES}
        missing = [path for path in paths.values() if not self.source.exists(path)]
        if missing:
            raise PackageRefused([f"{path} is named in datapackage.json but not in the package" for path in missing])
        self.package_name = slugify(str(descriptor.get("name") or descriptor.get("id") or "package"))[:60]
        read_table(self.source, paths["deployments"], "deployments", problems, self._deployment)
        read_table(self.source, paths["media"], "media", problems, lambda row, line: self._medium(row, line, problems))
        read_table(
            self.source,
            paths["observations"],
            "observations",
            problems,
            lambda row, line: self._observation(row, line, problems),
        )
        if problems:
            raise PackageRefused(problems)

    def _deployment(self, row, line):
        self.deployments[row["deploymentID"]] = row

    def _medium(self, row, line, problems):
        if row["deploymentID"] not in self.deployments:
            problems.append(f"media.csv line {line}: deploymentID {row['deploymentID']} is not a deployment")
            return
        path = row["filePath"]
        if inside_package(path):
            base = self.source.under_image_root()
            relative = f"{base}/{path}" if base else f"{IMPORT_FOLDER}/{self.package_name}/{path}"
            source_name = "" if base else path
            if not self.source.exists(path):
                problems.append(f"media.csv line {line}: {path} is not in the package")
                return
        else:
            name = PurePosixPath(row.get("fileName") or "").name
            relative = f"{self.media_folder}/{name}" if self.media_folder else name
            source_name = ""
            if not name or not (Path(settings.IMAGE_ROOT) / relative).is_file():
                problems.append(
                    f"media.csv line {line}: {path[:80]} is a link (never fetched) and {relative or 'fileName'} "
                    "is not under the image root; give the folder holding the files"
                )
                return
        try:
            if source_name:
                with self.source.open(source_name) as handle:
                    probe = imaging.probe(io.BytesIO(handle.read()), "file")
            else:
                with open(Path(settings.IMAGE_ROOT) / relative, "rb") as handle:
                    probe = imaging.probe(handle, "file")
        except Exception as error:  # noqa: BLE001 - imaging.probe raises ValidationError with the reason
            problems.append(f"media.csv line {line}: {path[:80]} is not a readable image ({error})")
            return
        self.media[row["mediaID"]] = Medium(row, source_name, relative, probe)

    def _observation(self, row, line, problems):
        if row["deploymentID"] not in self.deployments:
            problems.append(f"observations.csv line {line}: deploymentID {row['deploymentID']} is not a deployment")
        elif row.get("mediaID") and row["mediaID"] not in self.media:
            problems.append(f"observations.csv line {line}: mediaID {row['mediaID']} is not in media.csv")
        elif row["observationLevel"] != "media" or not row.get("mediaID"):
            self.summary.skipped["event-level observation"] += 1
        elif row["observationType"] not in DETECTED_TYPES:
            self.summary.skipped[f"observationType {row['observationType']}"] += 1
        elif "" in (row.get("bboxX"), row.get("bboxY"), row.get("bboxWidth"), row.get("bboxHeight")):
            self.summary.skipped["no bounding box"] += 1
        else:
            medium = self.media[row["mediaID"]].probe
            box = [float(row[k]) for k in ("bboxX", "bboxY", "bboxWidth", "bboxHeight")]
            box[2], box[3] = min(box[2], 1 - box[0]), min(box[3], 1 - box[1])  # rounding at the edges
            try:
                row["_pixels"] = bbox_to_pixels(box, "normalized", medium.width, medium.height)
            except ValueError as error:
                problems.append(f"observations.csv line {line}: {error}")
                return
            self.observations.append(row)

    # writing: one transaction
    def write(self):
        copied = []
        try:
            with transaction.atomic():
                locations = self._locations()
                images = self._images(locations, copied)
                self._detections(images)
        except BaseException:
            for path in copied:
                path.unlink(missing_ok=True)
            raise
        return self.summary

    def _locations(self):
        by_deployment = {}
        for deployment_id, row in self.deployments.items():
            name = text(row.get("locationName") or row.get("locationID") or deployment_id)[:100]
            location = Location.objects.filter(name=name).first()
            if location is None:
                location = Location.objects.create(
                    name=name, latitude=float(row["latitude"]), longitude=float(row["longitude"])
                )
                self.summary.locations_created += 1
            by_deployment[deployment_id] = location
            self.summary.deployments.append({**row, "location_id": str(location.id)})
        return by_deployment

    def _images(self, locations, copied):
        existing = dict(
            Image.objects.filter(sha256__in=[m.probe.sha256 for m in self.media.values()]).values_list("sha256", "id")
        )
        by_media, new = {}, []
        for media_id, medium in self.media.items():
            if medium.probe.sha256 in existing:
                by_media[media_id] = existing[medium.probe.sha256]
                self.summary.images_existing += 1
                continue
            if medium.source_name:
                target = Path(settings.IMAGE_ROOT) / medium.relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with self.source.open(medium.source_name) as handle, open(target, "wb") as out:
                    shutil.copyfileobj(handle, out)
                copied.append(target)
            image = Image(
                location=locations[medium.row["deploymentID"]],
                file=medium.relative,
                filename=text(medium.row.get("fileName") or PurePosixPath(medium.relative).name)[:255],
                sha256=medium.probe.sha256,
                width=medium.probe.width,
                height=medium.probe.height,
                taken_at=parse_datetime(medium.row["timestamp"]),
                exif=medium.probe.exif,
                status=Image.Status.COMPLETED,
            )
            existing[medium.probe.sha256] = image.id
            by_media[media_id] = image.id
            new.append(image)
        Image.objects.bulk_create(new, batch_size=1000)
        self.summary.images_created = len(new)
        self.images = {image.id: image for image in Image.objects.filter(id__in=by_media.values())}
        return by_media

    def _detections(self, images):
        individuals, new = {}, []
        for row in self.observations:
            image = self.images[images[row["mediaID"]]]
            label = herdbook_class(row, self.summary)
            deer = None
            if row.get("individualID"):
                deer = individuals.get(row["individualID"])
                if deer is None:
                    deer = individuals[row["individualID"]] = Deer.objects.create(
                        name=text(row["individualID"])[:100],
                        sex=label if label in Deer.Sex.values else Deer.Sex.UNKNOWN,
                        species=DEER_SPECIES if label in Deer.Sex.values else (row.get("scientificName") or "")[:100],
                    )
            by_human = row.get("classificationMethod") == "human"
            probability = row.get("classificationProbability")
            reviewed_at = row.get("classificationTimestamp")
            x, y, width, height = row["_pixels"]
            new.append(
                Detection(
                    image=image,
                    location_id=image.location_id,
                    taken_at=image.taken_at,
                    bbox_x=x,
                    bbox_y=y,
                    bbox_width=width,
                    bbox_height=height,
                    confidence=float(probability) if probability else 1.0,
                    classification=label,
                    is_reviewed=by_human,
                    reviewed_at=parse_datetime(reviewed_at) if by_human and reviewed_at else None,
                    burst=event_burst(row.get("eventID")),
                    correction_notes=text(row.get("observationComments"))[:1000],
                    deer=deer,
                )
            )
        Detection.objects.bulk_create(new, batch_size=1000)
        self.summary.detections = len(new)
        self.summary.individuals = len(individuals)
        for deer in individuals.values():  # the profile's sightings, as re-ID keeps them
            seen = Detection.objects.filter(deer=deer, is_valid=True).aggregate(
                first=Min("taken_at"), last=Max("taken_at"), n=Count("id")
            )
            Deer.objects.filter(id=deer.id).update(
                first_seen=seen["first"], last_seen=seen["last"], sighting_count=seen["n"]
            )


def import_camtrap_dp(path, media_folder=""):
    """Check the package at `path` whole, then import it in one transaction. Returns a Summary;
    raises PackageRefused (nothing written) when it cannot be imported."""
    importer = Importer(path, media_folder)
    try:
        importer.check()
        return importer.write()
    finally:
        importer.source.close()
