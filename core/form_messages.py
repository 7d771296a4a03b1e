"""Form and filter errors as a person reads them: the field's label instead of its parameter name,
and a date range whose start is after its end said plainly instead of matching nothing."""

from datetime import date

LABELS = {
    "start_date": "From",
    "end_date": "To",
    "taken_after": "Taken after",
    "taken_before": "Taken before",
    "location": "Location",
    "classification": "Class",
    "min_confidence": "Min confidence",
    "max_confidence": "Max confidence",
    "reviewed": "Reviewed",
    "valid": "Valid",
    "deer": "Deer id",
    "filename": "File name",
    "ordering": "Sort by",
    "__all__": "",
}


def label(field, labels=None):
    labels = {**LABELS, **(labels or {})}
    return labels.get(field, field.replace("_", " ").capitalize())


def human_errors(errors, labels=None):
    """{field: [messages]} (a form's errors) -> ["From: Enter a valid date.", ...]."""
    out = []
    for field, messages in errors.items():
        name = label(field, labels)
        text = " ".join(str(m) for m in messages)
        out.append(f"{name}: {text}" if name else text)
    return out


def _date(value):
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def date_order_error(data, start="start_date", end="end_date", labels=None):
    """The message for a range whose start is after its end, else None."""
    first, last = _date(data.get(start, "")), _date(data.get(end, ""))
    if first and last and first > last:
        return (
            f"{label(start, labels)} ({first.isoformat()}) is after {label(end, labels)} ({last.isoformat()}), "
            "so no day can match: swap the two dates or clear one."
        )
    return None
