"""Carrying out a ReidRun through the one job runner (core.runner): queued -> running -> completed | failed."""

from core import runner


class ReidError(Exception):
    """A re-identification request that cannot be carried out; the message says why."""


def execute(run, work):
    """Run `work(run)`, recording start, end and outcome on the run (core.runner.execute). Never raises
    but for a job timeout (which RQ must see)."""
    return runner.execute(run, work)


def save_progress(run, **counts):
    """Record the run's counts and parameters as it goes (only while it is running)."""
    for name, value in counts.items():
        setattr(run, name, value)
    percent = 100 * run.processed_count // run.total_count if run.total_count else None
    run.report_progress(None, percent, **{name: getattr(run, name) for name in (*run.COUNTS, "params")})
