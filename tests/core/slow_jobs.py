"""A job function for tests of the job runner with real workers: a re-ID run whose work takes long
enough to kill its worker in the middle. Imported by the worker process from the source tree."""

import time

from core import runner
from reid.models import ReidRun


def slow_reid_run(run_id):
    run = ReidRun.objects.get(pk=run_id)

    def work(run):
        for step in range(600):
            run.report_progress("matching", step // 6, processed_count=step)
            time.sleep(1)

    runner.execute(run, work)
