"""SPEC §5: VR-001..VR-005 with exact messages and order, edge cases, and clean 400s for bad input."""

from datetime import timedelta

import pytest

from exports.models import ExportJob
from exports.services import queue
from reports.validation import ReportQuerySerializer, local_today

pytestmark = pytest.mark.django_db

VR_001 = "start_date must be before end_date"
VR_002 = "Date range cannot exceed 1 year"
VR_003 = "group_by must be one of: day, month, week"
VR_004 = "start_date cannot be in the future"
VR_005 = "end_date cannot be in the future"


def pdf_body(**fields):
    body = {"report_type": "seasonal_activity", "start_date": "2024-01-01", "end_date": "2024-06-30"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def reject(client, body, kind="pdf"):
    response = client.post(f"/api/exports/{kind}", body, format="json")
    assert response.status_code == 400, response.content
    assert ExportJob.objects.count() == 0
    assert queue().count == 0
    return response.json()


@pytest.mark.parametrize(
    "start,end,message",
    [
        ("2024-03-01", "2024-03-01", VR_001),
        ("2024-03-02", "2024-03-01", VR_001),
        ("2023-01-01", "2024-01-02", VR_002),
    ],
)
def test_date_order_and_range_rules(alice_client, start, end, message):
    data = reject(alice_client, pdf_body(start_date=start, end_date=end))
    assert data["detail"] == message


def test_exactly_365_days_is_accepted_and_366_rejected(alice_client, post_export):
    assert post_export(alice_client, "pdf", pdf_body(start_date="2023-01-01", end_date="2024-01-01")).status_code == 202
    # 2024 is a leap year: 2024-01-01 .. 2025-01-01 is 366 days
    response = alice_client.post(
        "/api/exports/pdf", pdf_body(start_date="2024-01-01", end_date="2025-01-01"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == VR_002


def test_group_by_rule(alice_client):
    data = reject(alice_client, pdf_body(group_by="year"))
    assert data == {"detail": VR_003, "errors": {"group_by": [VR_003]}}


@pytest.mark.parametrize("group_by", ["day", "week", "month"])
def test_group_by_values_are_accepted(alice_client, post_export, group_by):
    assert post_export(alice_client, "pdf", pdf_body(group_by=group_by)).status_code == 202


def test_future_dates_and_today(alice_client, post_export):
    today = local_today()
    data = reject(
        alice_client, pdf_body(start_date=str(today - timedelta(days=3)), end_date=str(today + timedelta(days=1)))
    )
    assert data == {"detail": VR_005, "errors": {"end_date": [VR_005]}}
    data = reject(
        alice_client, pdf_body(start_date=str(today + timedelta(days=1)), end_date=str(today + timedelta(days=5)))
    )
    assert data["detail"] == VR_004
    assert data["errors"] == {"start_date": [VR_004], "end_date": [VR_005]}
    # end equal to today is accepted
    assert (
        post_export(
            alice_client, "pdf", pdf_body(start_date=str(today - timedelta(days=30)), end_date=str(today))
        ).status_code
        == 202
    )


def test_start_equal_to_today_passes_vr_004():
    today = local_today()
    serializer = ReportQuerySerializer(data={"start_date": str(today), "end_date": str(today + timedelta(days=1))})
    assert not serializer.is_valid()
    assert serializer.errors == {"end_date": [VR_005]}  # VR-004 did not fire for start == today


def test_today_is_the_local_date_in_time_zone(settings):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: often a day ahead of UTC
    assert local_today() == datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    settings.TIME_ZONE = "Pacific/Pago_Pago"  # UTC-11
    assert local_today() == datetime.now(ZoneInfo("Pacific/Pago_Pago")).date()


def test_several_violations_are_all_listed_first_one_is_detail(alice_client):
    today = local_today()
    data = reject(
        alice_client,
        pdf_body(
            start_date=str(today + timedelta(days=10)),
            end_date=str(today + timedelta(days=2)),
            group_by="hour",
        ),
    )
    assert data["detail"] == VR_001
    assert data["errors"] == {"start_date": [VR_001, VR_004], "group_by": [VR_003], "end_date": [VR_005]}
    data = reject(
        alice_client, pdf_body(start_date="2022-01-01", end_date=str(today + timedelta(days=1)), group_by="x")
    )
    assert data["detail"] == VR_002
    assert data["errors"] == {"end_date": [VR_002, VR_005], "group_by": [VR_003]}


@pytest.mark.parametrize(
    "fields,field,needle",
    [
        ({"start_date": "2024-13-01"}, "start_date", "YYYY-MM-DD"),
        ({"start_date": "01/02/2024"}, "start_date", "YYYY-MM-DD"),
        ({"end_date": 20240101}, "end_date", "YYYY-MM-DD"),
        ({"start_date": None}, "start_date", "required"),
        ({"report_type": "custom"}, "report_type", "report_type must be one of"),
        ({"report_type": None}, "report_type", "report_type is required"),
        ({"location_ids": ["not-a-uuid"]}, "location_ids.0", "not a valid UUID"),
        ({"location_ids": ["6f1c3d9e-0b7a-4a8e-9d55-1e2f3a4b5c6d"] * 2}, "location_ids", "Duplicate ids"),
        ({"location_ids": "6f1c3d9e-0b7a-4a8e-9d55-1e2f3a4b5c6d"}, "location_ids", "must be a list"),
        ({"classifications": ["elk"]}, "classifications", "not a known classification"),
        ({"include_charts": "maybe"}, "include_charts", "boolean"),
        ({"title": ["a"]}, "title", "string"),
        ({"colour": "green"}, "colour", "Unknown field 'colour'"),
    ],
)
def test_bad_input_is_a_clear_400(alice_client, fields, field, needle):
    body = pdf_body()
    for name, value in fields.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    data = reject(alice_client, body)
    assert field in data["errors"], data
    assert needle.lower() in " ".join(data["errors"][field]).lower()
    assert data["detail"]


def test_body_that_is_not_an_object(alice_client):
    data = reject(alice_client, ["2024-01-01"])
    assert data["detail"] == "Expected a JSON object with named fields."


def test_comparison_needs_2_to_5_periods_each_obeying_the_rules(alice_client, post_export):
    period = {"label": "Sep", "start_date": "2024-09-01", "end_date": "2024-09-30"}
    data = reject(alice_client, pdf_body(report_type="comparison", comparison_periods=[period]))
    assert data["errors"] == {"comparison_periods": ["A comparison report needs 2 to 5 comparison_periods."]}
    reject(alice_client, pdf_body(report_type="comparison", comparison_periods=[period] * 6))
    reject(alice_client, pdf_body(report_type="comparison"))
    bad = {"label": "Oct", "start_date": "2024-10-31", "end_date": "2024-10-01"}
    data = reject(alice_client, pdf_body(report_type="comparison", comparison_periods=[period, bad]))
    assert data == {"detail": VR_001, "errors": {"comparison_periods.1.start_date": [VR_001]}}
    data = reject(
        alice_client,
        pdf_body(
            report_type="comparison",
            comparison_periods=[period, {"start_date": "2024-10-01", "end_date": "2024-10-31"}],
        ),
    )
    assert "comparison_periods.1.label" in data["errors"]
    good = [period, {"label": "Oct", "start_date": "2024-10-01", "end_date": "2024-10-31"}]
    assert (
        post_export(alice_client, "pdf", pdf_body(report_type="comparison", comparison_periods=good)).status_code == 202
    )


def test_query_params_accept_repeated_and_comma_separated_lists():
    from django.http import QueryDict

    ids = "6f1c3d9e-0b7a-4a8e-9d55-1e2f3a4b5c6d,6f1c3d9e-0b7a-4a8e-9d55-1e2f3a4b5c6e"
    serializer = ReportQuerySerializer(
        data=QueryDict(
            f"start_date=2024-01-01&end_date=2024-03-01&location_ids={ids}&classifications=Doe&classifications=buck"
        )
    )
    assert serializer.is_valid(), serializer.errors
    assert [str(v) for v in serializer.validated_data["location_ids"]] == ids.split(",")
    assert serializer.validated_data["classifications"] == ["doe", "buck"]
    assert serializer.validated_data["group_by"] == "month"


def test_rejection_answers_fast_enough_to_be_a_validation(alice_client):
    """Not a timing assertion: rejections never touch the queue or the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        alice_client.post("/api/exports/pdf", pdf_body(group_by="year"), format="json")
    assert not [q for q in queries.captured_queries if "exports_exportjob" in q["sql"]]
