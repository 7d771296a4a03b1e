"""Checking Camtrap DP tables against the official 1.0.2 table schemas shipped in exports/standards.

A small Table Schema reader for the types and constraints these schemas use (string, number,
integer, boolean, datetime, date, any; required, enum, minimum, maximum, pattern, unique). It runs
without frictionless (a development dependency, with which the tests check the same packages).
"""

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path

STANDARD = Path(__file__).parent / "standards" / "camtrap_dp_1.0.2"
TABLES = ("deployments", "media", "observations")
TRUE, FALSE = ("true", "True", "TRUE", "1"), ("false", "False", "FALSE", "0")


@cache
def table_schema(name):
    return json.loads((STANDARD / f"{name}-table-schema.json").read_text(encoding="utf-8"))


def parse_datetime(text):
    """An ISO 8601 date-time with its offset (Z or ±hh:mm) as an aware datetime; ValueError otherwise."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone designator")
    return moment


def cast(field, text):
    """The cell's value in the field's type; ValueError with the reason."""
    kind = field.get("type", "string")
    if kind == "number":
        return float(text)
    if kind == "integer":
        return int(text)
    if kind == "boolean":
        if text in TRUE or text in FALSE:
            return text in TRUE
        raise ValueError("not a boolean")
    if kind == "datetime":
        return parse_datetime(text)
    if kind == "date":
        return datetime.strptime(text, "%Y-%m-%d").date()
    return text


def cell_problem(field, text):
    """Why `text` breaks the field's definition, or None."""
    constraints = field.get("constraints", {})
    if text == "":
        return "is required" if constraints.get("required") else None
    try:
        value = cast(field, text)
    except ValueError:
        return f"'{text[:40]}' is not a {field.get('type')}"
    if "enum" in constraints and value not in constraints["enum"]:
        return f"'{text[:40]}' is not one of {', '.join(map(str, constraints['enum']))}"
    if "minimum" in constraints and value < constraints["minimum"]:
        return f"{text} is below {constraints['minimum']}"
    if "maximum" in constraints and value > constraints["maximum"]:
        return f"{text} is above {constraints['maximum']}"
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], text):
        return f"'{text[:60]}' does not match the pattern of {field['name']}"
    return None


def header_problems(name, header):
    fields = table_schema(name)["fields"]
    missing = [f["name"] for f in fields if f.get("constraints", {}).get("required") and f["name"] not in header]
    return [f"{name}.csv lacks the required column {column}" for column in missing]


def row_problems(name, row, line):
    """Messages for one row (a dict of the CSV) of table `name`."""
    problems = []
    for field in table_schema(name)["fields"]:
        problem = cell_problem(field, row.get(field["name"]) or "")
        if problem:
            problems.append(f"{name}.csv line {line}: {field['name']} {problem}")
    return problems
