"""Signals of the core app.

maintenance_pass: sent by every worker's maintenance pass (core.worker, one worker at a time) with
`connection` (the worker's Redis). Apps connect housekeeping to it (exports deletes expired files)
and return a dict that is merged into the pass's summary.
"""

from django.dispatch import Signal

maintenance_pass = Signal()
