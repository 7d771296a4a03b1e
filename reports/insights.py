"""Plain-language sentences about a report, built from its aggregated figures only."""

from datetime import date


def nice_date(value):
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day.strftime('%b %Y')}"


def plural(n, word, plural_word=None):
    return f"{n:,} {word if n == 1 else (plural_word or word + 's')}"


def share(part, whole):
    return f"{part * 100.0 / whole:.0f}%" if whole else "0%"


def activity_insights(report):
    summary = report["summary"]
    total = summary["total_detections"]
    span = f"between {nice_date(report['start_date'])} and {nice_date(report['end_date'])}"
    if not total:
        return [f"No detections were recorded {span} for the selected filters."]
    lines = [
        f"{plural(total, 'detection')} ({plural(summary['independent_events'], 'independent event')}) "
        f"at {plural(summary['locations_with_detections'], 'location')} {span}."
    ]
    top_class, top_count = max(summary["by_class"].items(), key=lambda item: item[1])
    lines.append(f"The most frequent class was {top_class} ({share(top_count, total)} of detections).")
    ratio = summary["ratio"]
    if ratio["text"]:
        sentence = f"Buck:doe:fawn ratio {ratio['text']}"
        if ratio["bucks_per_doe"] is not None:
            sentence += f" ({ratio['bucks_per_doe']:.2f} bucks and {ratio['fawns_per_doe']:.2f} fawns per doe)"
        lines.append(sentence + ".")
    peak = summary["peak_period"]
    if peak and len(report["periods"]) > 1:
        lines.append(
            f"Peak activity: {peak['label']} with {plural(peak['detections'], 'detection')} "
            f"({share(peak['detections'], total)} of the total)."
        )
    busiest = max(report["hours"], key=lambda row: row["detections"])
    lines.append(
        f"The busiest hour of the day was {busiest['hour']:02d}:00–{(busiest['hour'] + 1) % 24:02d}:00 "
        f"({share(busiest['detections'], total)} of detections)."
    )
    rated = [row for row in report["locations"] if row["events_per_100_camera_days"] is not None]
    if rated:
        best = max(rated, key=lambda row: row["events_per_100_camera_days"])
        lines.append(
            f"{best['name']} had the highest detection rate: "
            f"{best['events_per_100_camera_days']:.1f} independent events per 100 camera-days."
        )
    if summary["individuals_seen"] and report["individuals"]:
        top = report["individuals"][0]
        lines.append(
            f"{plural(summary['individuals_seen'], 'individual deer', 'individual deer')} identified; "
            f"the most often seen was {top['name']} ({plural(top['detections'], 'detection')})."
        )
    previous = report.get("previous")
    if previous:
        before = f"the previous period ({nice_date(previous['start_date'])} – {nice_date(previous['end_date'])})"
        if previous["percent_change"] is None:
            lines.append(f"There were no detections in {before}.")
        elif previous["percent_change"] == 0:
            lines.append(f"Detections were unchanged compared with {before}.")
        else:
            word = "more" if previous["percent_change"] > 0 else "fewer"
            lines.append(f"{abs(previous['percent_change']):.0f}% {word} detections than in {before}.")
    return lines
