"""The Camtrap DP export: one ZIP holding a Camera Trap Data Package (TDWG Camtrap DP 1.0.2).

    datapackage.json   profile, name, id, created, contributors, project, spatial, temporal, taxonomic, resources
    deployments.csv    one deployment per location: first/last image taken there within the export
    media.csv          one row per image (blank images included when no class filter is given)
    observations.csv   one media-level observation per valid, non-duplicate detection, and one
                       ``blank`` observation per image in which no usable detection was found
    media/<location>/<image id>.jpg   the image files, only with include_images

Every table has all the fields of its Camtrap DP 1.0.2 table schema, in schema order (unused ones
empty). Timestamps are ISO 8601 in the location's time zone with its UTC offset; bounding boxes
are relative to the image (0..1, top-left origin). Rows come from database iterators and each CSV
is written straight into its ZIP entry, so memory does not grow with the number of rows; cells go
through the CSV-injection guard of the ZIP export. There is no size cap: a year of 1,000,000
detections is written with bounded memory (bench/camtrap_dp_package.py). Classes map to taxa through
core.taxonomy: "animal, not identified" is an ``animal`` observation without a scientificName; a deer
of unknown sex is *Odocoileus virginianus* with no sex. The mapping is documented in docs/exports.md.
"""

import csv
import io
import json
import re
import uuid
import zipfile
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.urls import reverse
from django.utils.text import slugify

from core.runner import Cancelled
from core.taxonomy import taxon
from core.timeutil import as_local_date, day_bounds, utc_iso
from detections.deployments import deployment_id_of
from detections.files import media_type
from detections.models import Deployment, Detection, Image, Location
from exports.selectors import detections_for_filter
from exports.zip_archive import safe_cell, safe_dirname

CAMTRAP_DP_VERSION = "1.0.2"
SCHEMA_BASE = f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{CAMTRAP_DP_VERSION}/"
PROFILE = SCHEMA_BASE + "camtrap-dp-profile.json"

DEPLOYMENT_FIELDS = [
    "deploymentID",
    "locationID",
    "locationName",
    "latitude",
    "longitude",
    "coordinateUncertainty",
    "deploymentStart",
    "deploymentEnd",
    "setupBy",
    "cameraID",
    "cameraModel",
    "cameraDelay",
    "cameraHeight",
    "cameraDepth",
    "cameraTilt",
    "cameraHeading",
    "detectionDistance",
    "timestampIssues",
    "baitUse",
    "featureType",
    "habitat",
    "deploymentGroups",
    "deploymentTags",
    "deploymentComments",
]
MEDIA_FIELDS = [
    "mediaID",
    "deploymentID",
    "captureMethod",
    "timestamp",
    "filePath",
    "filePublic",
    "fileName",
    "fileMediatype",
    "exifData",
    "favorite",
    "mediaComments",
]
OBSERVATION_FIELDS = [
    "observationID",
    "deploymentID",
    "mediaID",
    "eventID",
    "eventStart",
    "eventEnd",
    "observationLevel",
    "observationType",
    "cameraSetupType",
    "scientificName",
    "count",
    "lifeStage",
    "sex",
    "behavior",
    "individualID",
    "individualPositionRadius",
    "individualPositionAngle",
    "individualSpeed",
    "bboxX",
    "bboxY",
    "bboxWidth",
    "bboxHeight",
    "classificationMethod",
    "classifiedBy",
    "classificationTimestamp",
    "classificationProbability",
    "observationTags",
    "observationComments",
]
RESOURCES = (("deployments", DEPLOYMENT_FIELDS), ("media", MEDIA_FIELDS), ("observations", OBSERVATION_FIELDS))

LIFE_STAGE_AND_SEX = {
    "buck": ("adult", "male"),
    "doe": ("adult", "female"),
    "fawn": ("juvenile", ""),
    "unknown": ("", ""),  # a deer of unknown sex: Camtrap DP's sex has no "unknown", so it stays empty
}
MACHINE = "automatic detector (model name not recorded)"
# Licences of the package (Camtrap DP asks for one of scope "data" and one of scope "media");
# settings.CAMTRAP_DP_LICENSES replaces them.
DEFAULT_LICENSES = [
    {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "scope": "data"},
    {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "scope": "media"},
]
REVIEWER = "reviewer"


# --- what the package covers (reads) -------------------------------------------------------------


def selected_detections(params):
    """The detections that become observations: what a report over the same filter counts, or exactly
    the detections `detection_ids` chosen on the detections page."""
    if "detection_ids" in params:
        return Detection.objects.filter(id__in=params["detection_ids"])
    return detections_for_filter(
        params["start_date"], params["end_date"], params.get("location_ids"), params.get("classifications")
    )


def _images_in_range(params):
    start, end = date.fromisoformat(str(params["start_date"])), date.fromisoformat(str(params["end_date"]))
    low, high = day_bounds(start, end)
    images = Image.objects.filter(taken_at__gte=low, taken_at__lt=high)
    if params.get("location_ids"):
        images = images.filter(location_id__in=params["location_ids"])
    return images


def _has_counted_detection(params):
    return Exists(selected_detections(params).filter(image_id=OuterRef("pk")))


def selected_images(params):
    """The media: images holding a selected detection, plus (without a class filter) blank images,
    i.e. processed images in which no valid, non-duplicate detection was found."""
    images = _images_in_range(params)
    if params.get("classifications") or "detection_ids" in params:
        # A semi-join (image id IN the selected detections' image ids), one scan of the detections by
        # class and time: a correlated EXISTS per image made the planners probe the class index once per
        # image of the period (10-33 s on a year of data where the unfiltered package takes 0.4 s).
        return images.filter(id__in=selected_detections(params).values("image_id"))
    return images.filter(_has_counted_detection(params) | Q(status=Image.Status.COMPLETED))


def blank_images(params):
    """Images that get a ``blank`` observation (none when the export is filtered by class or chosen by id)."""
    if params.get("classifications") or "detection_ids" in params:
        return Image.objects.none()
    return _images_in_range(params).filter(status=Image.Status.COMPLETED).exclude(_has_counted_detection(params))


def locations_without_coordinates(params):
    """Names of the locations in the export that lack latitude or longitude (Camtrap DP requires them)."""
    return list(
        Location.objects.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True))
        .filter(id__in=selected_images(params).values("location_id"))
        .order_by("name")
        .values_list("name", flat=True)
    )


def deployments(params):
    """One dict per deployment holding selected images, aggregated in the database (first/last image
    and media count per deployment), with the stored deployment's fields.

    Images are grouped by the stored deployment whose interval holds them. Images with none form
    one row per location keyed by the location id: the deployment inferred from its first and last
    image (a location without deployments), or, at a location that has deployments, the images
    outside all of them (timestampIssues true).
    """
    groups = (
        selected_images(params)
        .annotate(deployment_id=deployment_id_of())
        .values(
            "deployment_id",
            "location_id",
            "location__name",
            "location__latitude",
            "location__longitude",
            "location__timezone",
        )
        .annotate(start=Min("taken_at"), end=Max("taken_at"), media=Count("id"))
        .order_by()
    )
    rows = list(groups)
    stored = Deployment.objects.in_bulk([row["deployment_id"] for row in rows if row["deployment_id"]])
    with_deployments = set(
        Deployment.objects.filter(location_id__in={row["location_id"] for row in rows}).values_list(
            "location_id", flat=True
        )
    )
    for row in rows:
        row["deployment"] = stored.get(_uuid_or_none(row["deployment_id"]))
        row["outside"] = row["deployment"] is None and row["location_id"] in with_deployments
    rows.sort(key=lambda row: (row["location__name"], row["start"]))
    return rows


def _uuid_or_none(value):
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def taxa_present(params):
    """The distinct (classification, deer species) pairs of the observations, from the database."""
    return list(selected_detections(params).values_list("effective_classification", "deer__species").distinct())


MEDIA_VALUES = ("id", "location_id", "location__name", "location__timezone", "taken_at", "file", "filename", "exif")
OBSERVATION_VALUES = (
    "id",
    "image_id",
    "location_id",
    "location__timezone",
    "taken_at",
    "effective_classification",
    "corrected_classification",
    "confidence",
    "bbox_x",
    "bbox_y",
    "bbox_width",
    "bbox_height",
    "image__width",
    "image__height",
    "deer_id",
    "deer__species",
    "is_reviewed",
    "reviewed_by__username",
    "reviewed_at",
    "created_at",
    "burst",
    "correction_notes",
    "detector_model",
    "classifier_model",
    "classifier_score",
)


def media_rows(params, chunk_size=1000):
    return (
        selected_images(params)
        .annotate(deployment_id=deployment_id_of())
        .order_by("location__name", "taken_at", "id")
        .values(*MEDIA_VALUES, "deployment_id")
        .iterator(chunk_size=chunk_size)
    )


def observation_rows(params, chunk_size=1000):
    return (
        selected_detections(params)
        .annotate(deployment_id=deployment_id_of())
        .order_by("taken_at", "image_id", "id")
        .values(*OBSERVATION_VALUES, "deployment_id")
        .iterator(chunk_size=chunk_size)
    )


def blank_rows(params, chunk_size=1000):
    return (
        blank_images(params)
        .annotate(deployment_id=deployment_id_of())
        .order_by("location__name", "taken_at", "id")
        .values("id", "location_id", "location__timezone", "taken_at", "created_at", "deployment_id")
        .iterator(chunk_size=chunk_size)
    )


# --- mapping one row ------------------------------------------------------------------------------


class Zones(dict):
    """ZoneInfo per IANA name, built once."""

    def __missing__(self, name):
        zone = self[name] = ZoneInfo(name or settings.TIME_ZONE)
        return zone


def local_iso(moment, zone_name, zones):
    """ISO 8601 with the location's UTC offset, to the second: 2024-10-15T12:00:00-05:00."""
    return moment.astimezone(zones[zone_name]).isoformat(timespec="seconds") if moment else ""


def deer_scientific_name(species):
    """'White-tailed deer (Odocoileus virginianus)' -> 'Odocoileus virginianus'; a bare name as it is."""
    default = taxon("unknown").scientific_name
    if not species:
        return default
    inside = re.search(r"\(([^()]+)\)", species)
    return (inside.group(1) if inside else species).strip() or default


def classify(effective_classification, deer_species=None):
    """(observationType, scientificName, lifeStage, sex) for one effective classification.

    A deer class is its deer's species (white-tailed deer by default) with its life stage and sex; an
    animal nobody identified is an ``animal`` observation without a scientificName; human and vehicle
    are observation types of their own."""
    found = taxon(effective_classification)
    if found.is_deer:
        life_stage, sex = LIFE_STAGE_AND_SEX[effective_classification]
        return "animal", deer_scientific_name(deer_species), life_stage, sex
    if found.observation_type != "animal":
        return found.observation_type, "", "", ""
    return "animal", found.scientific_name, "", ""


def machine_classification(row):
    """(classifiedBy, classificationProbability) of a label nobody reviewed: the classifier's name and
    score where the pipeline had one, else the detector's name and confidence."""
    if row["classifier_score"] is not None:
        return row["classifier_model"] or row["detector_model"] or MACHINE, round(row["classifier_score"], 6)
    return row["detector_model"] or MACHINE, round(row["confidence"], 6)


def relative(pixels, size):
    """A pixel coordinate as a fraction of the image size, clamped to 0..1, 6 decimals."""
    return round(min(max(pixels / size, 0.0), 1.0), 6) if size else ""


def deployment_row(row, zones):
    """A stored deployment: its own times and camera; otherwise the first..last image of the group."""
    zone = row["location__timezone"]
    deployment = row.get("deployment")
    values = {
        "deploymentID": str(deployment.id if deployment else row["location_id"]),
        "locationID": str(row["location_id"]),
        "locationName": row["location__name"],
        "latitude": row["location__latitude"],
        "longitude": row["location__longitude"],
        "deploymentStart": local_iso(row["start"], zone, zones),
        "deploymentEnd": local_iso(row["end"], zone, zones),
    }
    if deployment is not None:
        running = deployment.pickup_at is None
        values |= {
            "deploymentStart": local_iso(deployment.setup_at, zone, zones),
            # a running deployment ends, for this package, at its last image
            "deploymentEnd": local_iso(row["end"] if running else deployment.pickup_at, zone, zones),
            "setupBy": deployment.setup_by,
            "cameraID": deployment.camera_id,
            "cameraModel": deployment.camera_model,
            "cameraHeight": deployment.camera_height,
            "timestampIssues": "false",
            "baitUse": "true" if deployment.bait_use else "false",
            "featureType": deployment.feature_type,
            "deploymentComments": _deployment_comments(deployment, running),
        }
    elif row.get("outside"):
        values |= {
            "timestampIssues": "true",
            "deploymentComments": "Images outside every recorded deployment of this location (clock or dates wrong?).",
        }
    else:
        values["deploymentComments"] = "Inferred from the first and last image: no deployment was recorded."
    return [safe_cell(values.get(name)) for name in DEPLOYMENT_FIELDS]


def _deployment_comments(deployment, running):
    parts = [deployment.notes.strip()] if deployment.notes.strip() else []
    if deployment.inferred:
        parts.append("Inferred from the first and last image.")
    if deployment.clock_offset:
        parts.append(f"Timestamps corrected by {deployment.clock_offset:+d} s (camera clock).")
    if running:
        parts.append("Still running when exported.")
    return " ".join(parts)


def media_row(row, zones, file_path, public):
    values = {
        "mediaID": str(row["id"]),
        "deploymentID": str(row.get("deployment_id") or row["location_id"]),
        "captureMethod": "activityDetection",
        "timestamp": local_iso(row["taken_at"], row["location__timezone"], zones),
        "filePath": file_path,
        "filePublic": "true" if public else "false",
        "fileName": row["filename"],
        "fileMediatype": media_type(row["filename"]),
        "exifData": json.dumps(row["exif"], ensure_ascii=False, sort_keys=True, default=str) if row["exif"] else "",
    }
    return [safe_cell(values.get(name)) for name in MEDIA_FIELDS]


def observation_row(row, zones):
    observation_type, scientific_name, life_stage, sex = classify(row["effective_classification"], row["deer__species"])
    moment = local_iso(row["taken_at"], row["location__timezone"], zones)
    by_human = row["is_reviewed"] or row["corrected_classification"] is not None
    width, height = row["image__width"], row["image__height"]
    classified_by, probability = machine_classification(row)
    values = {
        "observationID": str(row["id"]),
        "deploymentID": str(row.get("deployment_id") or row["location_id"]),
        "mediaID": str(row["image_id"]),
        "eventID": str(row["burst"]) if row["burst"] else "",
        "eventStart": moment,
        "eventEnd": moment,
        "observationLevel": "media",
        "observationType": observation_type,
        "scientificName": scientific_name,
        "count": 1,
        "lifeStage": life_stage,
        "sex": sex,
        "individualID": str(row["deer_id"]) if row["deer_id"] else "",
        "bboxX": relative(row["bbox_x"], width),
        "bboxY": relative(row["bbox_y"], height),
        "bboxWidth": relative(row["bbox_width"], width),
        "bboxHeight": relative(row["bbox_height"], height),
        "classificationMethod": "human" if by_human else "machine",
        "classifiedBy": (row["reviewed_by__username"] or REVIEWER) if by_human else classified_by,
        "classificationTimestamp": local_iso(
            (row["reviewed_at"] or row["created_at"]) if by_human else row["created_at"],
            row["location__timezone"],
            zones,
        ),
        # A reviewer's label has no probability (Camtrap DP: omit it for human classifications).
        "classificationProbability": "" if by_human else probability,
        "observationComments": row["correction_notes"],
    }
    return [safe_cell(values.get(name)) for name in OBSERVATION_FIELDS]


def blank_row(row, zones):
    moment = local_iso(row["taken_at"], row["location__timezone"], zones)
    values = {
        "observationID": f"blank-{row['id']}",
        "deploymentID": str(row.get("deployment_id") or row["location_id"]),
        "mediaID": str(row["id"]),
        "eventStart": moment,
        "eventEnd": moment,
        "observationLevel": "media",
        "observationType": "blank",
        "classificationMethod": "machine",
        "classifiedBy": MACHINE,
        "classificationTimestamp": local_iso(row["created_at"], row["location__timezone"], zones),
    }
    return [safe_cell(values.get(name)) for name in OBSERVATION_FIELDS]


def packaged_path(row):
    """Where an included image file lives inside the package (unique: named by the image id)."""
    suffix = PurePosixPath(row["filename"]).suffix.lower() or ".jpg"
    return f"media/{safe_dirname(row['location__name'])}/{row['id']}{suffix}"


# --- datapackage.json -----------------------------------------------------------------------------


def spatial(rows):
    """GeoJSON of the deployments: a Point for one site, else the bounding polygon."""
    points = sorted({(row["location__longitude"], row["location__latitude"]) for row in rows})
    if len(points) == 1:
        return {"type": "Point", "coordinates": list(points[0])}
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    return {
        "type": "Polygon",
        "bbox": [west, south, east, north],
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }


def taxonomic(pairs):
    """The package's taxonomic coverage: one entry per scientificName of the observations, with its
    rank, GBIF taxon id and English vernacular name from core.taxonomy where Herdbook knows them."""
    by_name = {}
    for classification, _ in pairs:
        known = taxon(classification)
        if known.identified:
            by_name.setdefault(known.scientific_name, known)
    found = {}
    for classification, species in pairs:
        observation_type, name, _, _ = classify(classification, species)
        if observation_type != "animal" or not name or name in found:
            continue
        entry = {"scientificName": name}
        known = by_name.get(name)
        if known is not None:
            if known.taxon_id:
                entry["taxonID"] = known.taxon_id
            entry["taxonRank"] = known.rank
            entry["vernacularNames"] = {"eng": known.vernacular_name.split(",")[0]}
        found[name] = entry
    return [found[name] for name in sorted(found)]


def coordinate_precision(rows):
    """The least precise of the deployments' coordinates, in degrees (0.01 for 30.25), as
    Camtrap DP's coordinatePrecision; None when every coordinate is a whole degree or more."""
    decimals = [
        len(repr(float(value)).split(".")[1].rstrip("0"))
        for row in rows
        for value in (row["location__latitude"], row["location__longitude"])
        if value is not None and "e" not in repr(float(value))
    ]
    least = min(decimals, default=0)
    return float(f"1e-{least}") if least else None


def contributors(requested_by):
    people = []
    if requested_by is not None:
        person = {"title": requested_by.get_full_name() or requested_by.username, "role": "contact"}
        if requested_by.email:
            person["email"] = requested_by.email
        people.append(person)
    people.append({"title": settings.SITE_NAME, "role": "rightsHolder"})
    return people


def datapackage(params, package_id, rows, pairs, individuals, requested_by=None, created=None):
    created = created or datetime.now(UTC)
    first, last = min(row["start"] for row in rows), max(row["end"] for row in rows)
    return {
        "profile": PROFILE,
        "name": slugify(f"{settings.SITE_NAME} {params['start_date']} {params['end_date']}") or "herdbook-export",
        "id": str(package_id),
        "created": utc_iso(created),
        "title": f"{settings.SITE_NAME}: camera trap data {params['start_date']} to {params['end_date']}",
        "description": (
            "Exported by Herdbook. Observations are the valid, non-duplicate detections of the period "
            "(effective classification: a reviewer's correction when there is one, else the detector's label); "
            "images in which nothing usable was detected carry a blank observation."
        ),
        "version": "1.0",
        "contributors": contributors(requested_by),
        "sources": [{"title": "Herdbook"}],
        "project": {
            "title": settings.SITE_NAME,
            "samplingDesign": "targeted",
            "captureMethod": ["activityDetection"],
            "individualAnimals": bool(individuals),
            "observationLevel": ["media"],
        },
        "licenses": getattr(settings, "CAMTRAP_DP_LICENSES", DEFAULT_LICENSES),
        "spatial": spatial(rows),
        "temporal": {"start": as_local_date(first).isoformat(), "end": as_local_date(last).isoformat()},
        "taxonomic": taxonomic(pairs),
        **({"coordinatePrecision": precision} if (precision := coordinate_precision(rows)) else {}),
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": f"{SCHEMA_BASE}{name}-table-schema.json",
            }
            for name, _ in RESOURCES
        ],
    }


# --- the archive ----------------------------------------------------------------------------------


@contextmanager
def csv_entry(archive, name):
    """A csv.writer writing straight into a deflated ZIP entry."""
    with archive.open(name, "w", force_zip64=True) as entry:
        text = io.TextIOWrapper(entry, encoding="utf-8", newline="")
        yield csv.writer(text)
        text.flush()
        text.detach()


def image_url_template(base_url):
    """'<base>/api/images/{id}/file' (absolute, as Camtrap DP wants a URL or a relative path); None
    without a base URL (there is no default address: a localhost link would reach nobody)."""
    if not base_url:
        return None
    placeholder = uuid.UUID(int=0)
    path = reverse("detections_api:image-file", args=[placeholder]).replace(str(placeholder), "{id}")
    return base_url.rstrip("/") + path


def file_path(row, include_images, url):
    """media.csv's filePath and filePublic: the file inside the package when it is included, else its
    link under the base URL."""
    if include_images and (settings.IMAGE_ROOT / row["file"]).is_file():
        return packaged_path(row), True
    if url is None:
        raise ValueError(f"image {row['filename']} is not in the package and no base URL was given for a link to it")
    return url.format(id=row["id"]), False


def write_camtrap_dp(params, path, progress=None, total=None, package_id=None, requested_by=None):
    """Write the package for `params` (CamtrapDpExportRequestSerializer.to_params) to `path`.

    progress(stage, percent, processed, force) -> bool; False means cancelled (raises Cancelled).
    Returns {"processed": observations from detections, "blanks": n, "media": n, "images": n files, "deployments": n}.
    """

    def report(stage, percent, processed, force=False):
        if progress is not None and progress(stage, percent, processed, force) is False:
            raise Cancelled()

    include_images = params.get("include_images", False)
    url = image_url_template(params.get("base_url"))
    zones = Zones()
    counts = {"processed": 0, "blanks": 0, "media": 0, "images": 0, "deployments": 0}
    report("collecting", 0, 0, force=True)
    rows = deployments(params)
    if not rows:
        raise ValueError("no images match this filter any more")
    unplaced = [
        row["location__name"] for row in rows if None in (row["location__latitude"], row["location__longitude"])
    ]
    if unplaced:
        raise ValueError(f"location {', '.join(unplaced)} has no latitude/longitude, which Camtrap DP requires")
    if url is None and not include_images:
        raise ValueError("a base URL is needed for the image links when the images are not included")
    media_total = sum(row["media"] for row in rows)
    units = media_total * (3 if include_images else 2) + (total or 0)  # media.csv, blanks (<= media), files, detections
    done = 0

    def step(n=1):
        nonlocal done
        done += n
        report("writing", min(99, done * 100 // units) if units else 0, counts["processed"])

    package = datapackage(
        params,
        package_id or uuid.uuid4(),
        rows,
        taxa_present(params),
        selected_detections(params).filter(deer__isnull=False).exists(),
        requested_by,
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("datapackage.json", json.dumps(package, indent=2, ensure_ascii=False))
        with csv_entry(archive, "deployments.csv") as writer:
            writer.writerow(DEPLOYMENT_FIELDS)
            for row in rows:
                writer.writerow(deployment_row(row, zones))
                counts["deployments"] += 1
        with csv_entry(archive, "media.csv") as writer:
            writer.writerow(MEDIA_FIELDS)
            for row in media_rows(params):
                writer.writerow(media_row(row, zones, *file_path(row, include_images, url)))
                counts["media"] += 1
                step()
        with csv_entry(archive, "observations.csv") as writer:
            writer.writerow(OBSERVATION_FIELDS)
            for row in observation_rows(params):
                writer.writerow(observation_row(row, zones))
                counts["processed"] += 1
                step()
            for row in blank_rows(params):
                writer.writerow(blank_row(row, zones))
                counts["blanks"] += 1
                step()
        if include_images:
            for row in media_rows(params):
                source = settings.IMAGE_ROOT / row["file"]
                if source.is_file():  # as when media.csv was written (a file gone since then is skipped)
                    archive.write(source, packaged_path(row), zipfile.ZIP_STORED)
                    counts["images"] += 1
                step()
    report("writing", 100 if total else 0, counts["processed"], force=True)
    return counts
