import json

from django.core.management.base import BaseCommand, CommandError

from reid.analysis import AnalysisError, analyse
from reid.models import ReidRun
from reid.replay import PRECISION_TARGET


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
                raise CommandError(f"No re-ID run with id {options['run']}.") from None
        try:
            result = analyse(run=run, step=options["step"], ground_truth=options["ground_truth"])
        except AnalysisError as exc:
            raise CommandError(str(exc)) from None
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
        lines.append(
            f"  {sex:<8} {figures['attempts']:>7,} attempts, best score median {b.get('median')}, p10 {b.get('p10')}"
        )
    replay = result.get("replay")
    if replay:
        lines.append(
            f"P/R/F1 and profiles: matching replayed from scratch (as reid_match --reset --threshold T; review band "
            f"from {replay['review_threshold']:.2f}) on {replay['detections']:,} detections, "
            f"{replay['labelled_detections']:,} labelled, {replay['individuals']:,} individuals; pairwise scores"
        )
        if replay.get("note"):
            lines.append(f"  {replay['note']}")
        if replay["sampled"]:
            lines.append(
                f"  (a sample of whole individuals: {replay['matchable_detections']:,} detections are "
                f"matchable, the replay is capped at {replay['cap']:,})"
            )
    lines.append("")
    header = f"{'thr':>5} {'assigned':>9} {'rate':>7} {'new':>7} {'near':>6} {'margin':>7}"
    if replay:
        header += f" {'prec':>6} {'recall':>6} {'F1':>6} {'profiles':>8} {'largest':>7}"
    header += "  per sex (assigned/attempts)"
    lines.append(header)
    for row in result["thresholds"]:
        line = (
            f"{row['threshold']:>5.2f} {row['assigned']:>9,} {row['assignment_rate']:>7.1%} {row['new_profiles']:>7,} "
            f"{row['near_misses']:>6,} {row['median_margin_assigned'] if row['median_margin_assigned'] is not None else '-':>7}"
        )
        if replay:
            line += (
                f" {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} {row['profiles']:>8,}"
                f" {row['largest']:>7,}"
            )
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
        rule = (
            f"precision >= {PRECISION_TARGET} from {r['precision_from']:.2f}, plus 0.02"
            if r["rule"] == "precision"
            else f"best F1 {r['best_f1']:.3f} at {r['best_threshold']:.2f}"
        )
        lines.append(
            f"Recommended threshold: {result['recommended_threshold']:.2f} "
            f"(F1 {r['f1']:.3f}, precision {r['precision']:.3f}, recall {r['recall']:.3f}, "
            f"{r['profiles']:,} profiles, largest {r['largest']:,}; {rule}; "
            f"worst F1 within +-0.02: {r['worst_within_0_02']:.3f})"
        )
    else:
        lines.append(f"No recommended threshold: {result.get('recommendation_note', '')}")
    return "\n".join(lines)
