"""What re-ID runs add to the one job runner (core.runner.execute carries them out): their errors
and their progress counts."""


class ReidError(Exception):
    """A re-identification request that cannot be carried out; the message says why."""


class EmbeddingError(ValueError):
    """An embedding that cannot be compared: missing, wrong dimension, all zeros or not finite."""


def save_progress(run, **counts):
    """Record the run's counts and parameters as it goes (only while it is running)."""
    for name, value in counts.items():
        setattr(run, name, value)
    percent = 100 * run.processed_count // run.total_count if run.total_count else None
    run.report_progress(None, percent, **{name: getattr(run, name) for name in (*run.COUNTS, "params")})
