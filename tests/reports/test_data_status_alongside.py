"""On PostgreSQL outside a transaction (a PDF job, a command), the data-status chapter is computed in a
thread alongside the report: the same chapter as computed after it; inside a transaction, inline."""

import pytest
from django.db import connection

from reports import documents

PARAMS = {"report_type": "seasonal_activity", "start_date": "2024-12-28", "end_date": "2025-01-08", "group_by": "week"}


@pytest.mark.django_db(transaction=True)
def test_the_chapter_made_alongside_equals_the_one_made_after(ranch):
    pending = documents._status_alongside(PARAMS)
    if connection.vendor != "postgresql":
        assert pending is None
        return
    assert pending is not None
    alongside = pending.result(timeout=60)
    report, status = documents.report_with_status(PARAMS)
    assert alongside == status == documents.report_data_status(report)
    assert status["detections"] == 14  # the ranch's counted detections, seen by the thread's connection
    assert documents._status_alongside({**PARAMS, "report_type": "comparison"}) is None


def test_inside_a_transaction_the_chapter_is_made_inline(ranch):
    assert connection.in_atomic_block
    assert documents._status_alongside(PARAMS) is None
    assert documents.report_with_status(PARAMS)[1]["detections"] == 14
