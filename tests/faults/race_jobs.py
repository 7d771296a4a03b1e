"""A job function for the race test: a re-ID run whose work notes each time it is carried out.
Imported by the worker processes from the source tree."""

import os
import time

from core import runner
from reid.models import ReidRun


def noted_reid_run(run_id, notes_path):
    run = ReidRun.objects.get(pk=run_id)

    def work(run):
        with open(notes_path, "a") as notes:
            notes.write(f"{os.getpid()}\n")
        time.sleep(3)  # both workers hold their copy of the job at the same time
        return {"processed_count": 1}

    runner.execute(run, work)
