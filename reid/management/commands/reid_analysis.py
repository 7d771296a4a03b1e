import json

from django.core.management.base import BaseCommand, CommandError

from reid.analysis import AnalysisError, analyse
from reid.models import ReidRun


class Command(BaseCommand):
    help = "Threshold analysis of logged similarity scores: the per-threshold table and a recommended threshold."

    def add_arguments(self, parser):
        parser.add_argument("--run", help="ReidRun id (default: the latest completed backfill)")
        parser.add_argument("--step", type=float, default=0.05, help="threshold step of the table (default 0.05)")
        parser.add_argument("--ground-truth", choices=["auto", "file", "reviewed", "none"], default="auto")
        parser.add_argument("--json", action="store_true", help="print the full analysis as JSON")

    def handle(self, *args, **options):
        if not 0.005 <= options["step"] <= 0.65:
            raise CommandError("--step must be between 0.005 and 0.65.")
        run = None
        if options["run"]:
            try:
                run = ReidRun.objects.get(pk=options["run"])
            except (ReidRun.DoesNotExist, ValueError, Exception):
                raise CommandError(f"No re-ID run with id {options['run']}.")
        try:
            result = analyse(run=run, step=options["step"], ground_truth=options["ground_truth"])
        except AnalysisError as exc:
            raise CommandError(str(exc))
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self.stdout.write(format_table(result))


def format_table(result):
    lines = [
        f"Run {result['run']['id']} ({result['run']['kind']}): {result['attempts']:,} attempts, "
        f"{result['scores_logged']:,} scores logged; ground truth: {result['ground_truth'] or 'none'}"
        + (f" ({result['labelled_attempts']:,} labelled attempts)" if result["ground_truth"] else ""),
    ]
    if result["margin"]:
        m = result["margin"]
        lines.append(f"Best-vs-second margin: median {m['median']}, p10 {m['p10']}, p90 {m['p90']}")
    for sex, figures in result["per_sex"].items():
        b = figures["best_score"] or {}
        lines.append(f"  {sex:<8} {figures['attempts']:>7,} attempts, best score median {b.get('median')}, p10 {b.get('p10')}")
    lines.append("")
    header = f"{'thr':>5} {'assigned':>9} {'rate':>7} {'new':>7} {'near':>6} {'margin':>7}"
    with_truth = result["ground_truth"] is not None
    if with_truth:
        header += f" {'prec':>6} {'recall':>6} {'F1':>6}"
    header += "  per sex (assigned/attempts)"
    lines.append(header)
    for row in result["thresholds"]:
        line = (f"{row['threshold']:>5.2f} {row['assigned']:>9,} {row['assignment_rate']:>7.1%} {row['new_profiles']:>7,} "
                f"{row['near_misses']:>6,} {row['median_margin_assigned'] if row['median_margin_assigned'] is not None else '-':>7}")
        if with_truth:
            line += f" {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f}"
        line += "  " + " ".join(f"{s}:{v['assigned']}/{v['attempts']}" for s, v in row["by_sex"].items())
        lines.append(line)
    lines.append("")
    lines.append("Score histogram (all logged scores):")
    peak = max((h["count"] for h in result["histogram"]), default=1)
    for h in result["histogram"]:
        bar = "#" * max(1, round(40 * h["count"] / peak)) if h["count"] else ""
        lines.append(f"  {h['from']:>5.2f}-{h['to']:<5.2f} {h['count']:>9,} {bar}")
    if result["recommended_threshold"] is not None:
        r = result["recommended"]
        lines.append(f"Recommended threshold: {result['recommended_threshold']:.2f} "
                     f"(F1 {r['f1']:.3f}, precision {r['precision']:.3f}, recall {r['recall']:.3f})")
    else:
        lines.append(f"No recommended threshold: {result.get('recommendation_note', '')}")
    return "\n".join(lines)
