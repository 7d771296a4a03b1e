"""The paper size reports print on: REPORT_PAPER, by default Letter where the site's time zone is a
United States zone and A4 elsewhere. Plain Python (read by the settings module)."""

PAPER_SIZES = ("A4", "Letter", "Legal", "A5", "A3")
US_ZONES = {
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix",
    "America/Anchorage", "America/Juneau", "America/Sitka", "America/Yakutat", "America/Nome",
    "America/Metlakatla", "America/Adak", "America/Boise", "America/Detroit", "America/Menominee",
    "Pacific/Honolulu", "America/Puerto_Rico",
}  # fmt: skip
US_PREFIXES = ("US/", "America/Indiana/", "America/Kentucky/", "America/North_Dakota/")


def default_paper(time_zone):
    zone = time_zone or ""
    return "Letter" if zone in US_ZONES or zone.startswith(US_PREFIXES) else "A4"


def report_paper(value, time_zone):
    """The configured paper (case as CSS writes it), or the zone's default when unset."""
    if not value:
        return default_paper(time_zone)
    for size in PAPER_SIZES:
        if value.strip().lower() == size.lower():
            return size
    raise ValueError(f"REPORT_PAPER must be one of {', '.join(PAPER_SIZES)} (got {value!r}).")
