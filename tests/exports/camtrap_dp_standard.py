"""Validate a Camtrap DP package offline against the official 1.0.2 profile and table schemas.

The package descriptor goes through the profile (JSON Schema draft 4, its remote references resolved to
the copies in exports/standards/camtrap_dp_1.0.2, see SOURCE.md); the CSV tables through ``frictionless`` with the
official table schemas (types, constraints, primary and foreign keys).
"""

import json
import zipfile
from pathlib import Path

import jsonschema
from frictionless import Package, system
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

STANDARD = Path(__file__).resolve().parents[2] / "exports" / "standards" / "camtrap_dp_1.0.2"
PUBLISHED = "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/"
PROFILE_URL = PUBLISHED + "camtrap-dp-profile.json"
TABLES = ("deployments", "media", "observations")


def _load(name):
    return json.loads((STANDARD / name).read_text(encoding="utf-8"))


def _registry():
    geojson = Resource.from_contents(_load("geojson.json"), default_specification=DRAFT4)
    return Registry().with_resources(
        [
            (
                "https://specs.frictionlessdata.io/schemas/data-package.json",
                Resource.from_contents(_load("frictionless-data-package.json"), default_specification=DRAFT4),
            ),
            ("http://json.schemastore.org/geojson.json", geojson),
            ("https://raw.githubusercontent.com/fge/sample-json-schemas/master/geojson/geojson.json", geojson),
        ]
    )


def descriptor_errors(descriptor):
    """Messages of the profile's violations by a datapackage.json (empty when it conforms)."""
    errors = []
    if descriptor.get("profile") != PROFILE_URL:
        errors.append(f"profile is {descriptor.get('profile')!r}, not the Camtrap DP 1.0.2 profile")
    for resource in descriptor.get("resources", []):
        if resource.get("schema") != f"{PUBLISHED}{resource.get('name')}-table-schema.json":
            errors.append(f"resource {resource.get('name')} does not name its 1.0.2 table schema")
    validator = jsonschema.Draft4Validator(_load("camtrap-dp-profile.json"), registry=_registry())
    errors += [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(descriptor)]
    return errors


def table_errors(folder, descriptor):
    """Messages of the table rows that break the official table schemas (frictionless)."""
    local = json.loads(json.dumps(descriptor))
    local.pop("profile", None)
    for resource in local["resources"]:
        resource["schema"] = _load(f"{resource['name']}-table-schema.json")
    with system.use_context(trusted=True):
        report = Package(local, basepath=str(folder)).validate()
    return [
        f"{task.name} row {error.get('rowNumber', '-')} {error.get('fieldName', '')}: {error.get('note') or error.type}"
        for task in report.tasks
        for error in [e.to_dict() for e in task.errors]
    ] + [str(error.note) for error in report.errors]


def package_errors(path, workdir):
    """Every violation of Camtrap DP 1.0.2 by the package ZIP at `path` (extracted under `workdir`)."""
    folder = Path(workdir) / Path(path).stem
    with zipfile.ZipFile(path) as archive:
        names = [name for name in archive.namelist() if not name.startswith("media/")]
        archive.extractall(folder, members=names)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    return descriptor_errors(descriptor) + table_errors(folder, descriptor)
