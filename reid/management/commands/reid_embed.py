from django.core.management.base import BaseCommand, CommandError

from reid.embedding import EmbeddingModelError, embed_missing, load_model
from reid.live import mark_and_queue
from reid.selectors import needing_embeddings
from reid.services import run_matching


class Command(BaseCommand):
    help = (
        "Compute embeddings of deer sightings that have none with the ONNX model in REID_EMBEDDING_MODEL "
        "(or --model), then queue their live matching (or match them now with --match)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", help="path of the .onnx file (default REID_EMBEDDING_MODEL)")
        parser.add_argument("--batch-size", type=int, help="crops per model call (default REID_EMBEDDING_BATCH)")
        parser.add_argument("--match", action="store_true", help="match the embedded detections now, in this process")

    def handle(self, *args, **options):
        if options["batch_size"] is not None and options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            model = load_model(options["model"])
        except EmbeddingModelError as exc:
            raise CommandError(str(exc)) from None
        waiting = needing_embeddings().count()
        self.stdout.write(f"Model {model.name}: {waiting} deer sighting(s) without an embedding.")
        stored, errors = embed_missing(model, batch_size=options["batch_size"])
        for error in errors[:20]:
            self.stderr.write(error)
        self.stdout.write(f"Stored {len(stored)} embedding(s); {len(errors)} detection(s) skipped.")
        if not stored:
            return
        if options["match"]:
            run = run_matching(detection_ids=stored, kind="live")
            self.stdout.write(
                f"Matched: {run.linked_count} linked, {run.created_count} new profiles, {run.review_count} to review "
                f"({run.status})."
            )
        else:
            mark_and_queue(stored)
            self.stdout.write("Queued their matching (a live re-ID run); or run manage.py reid_match.")
