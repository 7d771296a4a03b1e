"""Request serializers of the export API (SPEC §3, validated by the rules of SPEC §5)."""

from rest_framework import serializers

from exports.camtrap_dp import locations_without_coordinates
from exports.selectors import detections_for_filter
from reports.api.serializers import PdfOverlapSerializer, census_window_errors, overlap_request
from reports.validation import (
    ClassificationListField,
    DateField,
    IdListField,
    PeriodSerializer,
    ReportQuerySerializer,
    StrictSerializer,
    date_rule_errors,
)

MAX_ZIP_DETECTIONS = 10_000
MAX_CAMTRAP_DP_DETECTIONS = None  # no cap: the package is streamed (a year of 1,000,000 detections)
REPORT_TYPES = ("seasonal_activity", "comparison", "census")
FILTER_FIELDS = ("start_date", "end_date", "location_ids", "classifications", "group_by")


def filter_total(data, maximum):
    """How many detections a validated filter selects; 400 when none or more than `maximum` (None: no cap)."""
    total = detections_for_filter(
        data["start_date"], data["end_date"], data.get("location_ids"), data.get("classifications")
    ).count()
    if total == 0:
        raise serializers.ValidationError(
            {"start_date": ["No detections match this filter; widen the dates or the filters."]}
        )
    if maximum is not None and total > maximum:
        raise serializers.ValidationError(
            {
                "start_date": [
                    f"This filter selects {total} detections; at most {maximum} can be exported. Narrow the dates or filters."
                ]
            }
        )
    return total


class PdfExportRequestSerializer(StrictSerializer):
    report_type = serializers.ChoiceField(
        choices=REPORT_TYPES,
        error_messages={
            "invalid_choice": "report_type must be one of: census, comparison, seasonal_activity (got '{input}').",
            "required": "report_type is required (seasonal_activity, comparison or census).",
        },
    )
    start_date = DateField()
    end_date = DateField()
    group_by = serializers.CharField(required=False, default="month", allow_blank=True)
    location_ids = IdListField(required=False, default=list, max_length=100)
    classifications = ClassificationListField(required=False, default=list)
    title = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    comparison_periods = PeriodSerializer(many=True, required=False, default=list)
    include_charts = serializers.BooleanField(required=False, default=True)
    include_tables = serializers.BooleanField(required=False, default=True)
    include_insights = serializers.BooleanField(required=False, default=True)
    # The activity-overlap groups (as chosen on the report page); buck against doe when absent.
    overlap = PdfOverlapSerializer(required=False)

    def rule_errors(self, values, errors):
        found = date_rule_errors(values.get("start_date"), values.get("end_date"), values.get("group_by", "month"))
        periods = values.get("comparison_periods")
        if values.get("report_type") == "comparison" and "comparison_periods" not in errors:
            if not 2 <= len(periods or []) <= 5:
                found.append(("comparison_periods", "A comparison report needs 2 to 5 comparison_periods."))
        elif values.get("report_type") != "comparison" and periods:
            found.append(("comparison_periods", "comparison_periods are only used with report_type comparison."))
        if values.get("overlap") is not None and values.get("report_type") not in (None, "seasonal_activity"):
            found.append(("overlap", "overlap is only used with report_type seasonal_activity."))
        if values.get("report_type") == "census" and not found:
            found += census_window_errors(values.get("start_date"), values.get("end_date"))
        return found

    def to_params(self):
        """The JSON-serialisable dict the PDF job and reports.pdf.render_report_pdf receive."""
        data = self.validated_data
        return {
            "report_type": data["report_type"],
            "start_date": data["start_date"].isoformat(),
            "end_date": data["end_date"].isoformat(),
            "group_by": data["group_by"],
            "location_ids": [str(value) for value in data["location_ids"]],
            "classifications": list(data["classifications"]),
            "title": data["title"],
            "comparison_periods": [
                {"label": p["label"], "start_date": p["start_date"].isoformat(), "end_date": p["end_date"].isoformat()}
                for p in data["comparison_periods"]
            ],
            "include_charts": data["include_charts"],
            "include_tables": data["include_tables"],
            "include_insights": data["include_insights"],
        } | ({"overlap": overlap_request(data["overlap"])} if data.get("overlap") else {})


class ZipExportRequestSerializer(StrictSerializer):
    """Either detection_ids (1..10,000 distinct UUIDs) or a filter obeying SPEC §5."""

    detection_ids = IdListField(required=False, min_length=1, max_length=MAX_ZIP_DETECTIONS)
    start_date = DateField(required=False)
    end_date = DateField(required=False)
    group_by = serializers.CharField(required=False)
    location_ids = IdListField(required=False, max_length=100)
    classifications = ClassificationListField(required=False)
    include_crops = serializers.BooleanField(required=False, default=True)
    include_images = serializers.BooleanField(required=False, default=False)
    include_metadata_csv = serializers.BooleanField(required=False, default=True)
    crop_size = serializers.IntegerField(
        required=False,
        default=300,
        min_value=128,
        max_value=1024,
        error_messages={
            "min_value": "crop_size must be between 128 and 1024 pixels.",
            "max_value": "crop_size must be between 128 and 1024 pixels.",
            "invalid": "crop_size must be a whole number of pixels between 128 and 1024.",
        },
    )

    def rule_errors(self, values, errors):
        given = set(self.initial_data) if hasattr(self, "initial_data") else set()
        uses_filter = any(name in given for name in FILTER_FIELDS)
        if "detection_ids" in given and uses_filter:
            return [("detection_ids", "Give either detection_ids or a filter (start_date, end_date, ...), not both.")]
        if "detection_ids" in given:
            return []
        if not uses_filter:
            return [("detection_ids", "Give detection_ids (1 to 10,000 ids) or a filter with start_date and end_date.")]
        found = []
        for name in ("start_date", "end_date"):
            if name not in given:
                found.append((name, f"{name} is required (YYYY-MM-DD)."))
        found += date_rule_errors(values.get("start_date"), values.get("end_date"), values.get("group_by", "month"))
        return found

    def validate(self, data):
        if "detection_ids" in data:
            data["total_detections"] = len(data["detection_ids"])
            return data
        data["total_detections"] = filter_total(data, MAX_ZIP_DETECTIONS)
        return data

    def to_params(self):
        data = self.validated_data
        params = {
            "include_crops": data["include_crops"],
            "include_images": data["include_images"],
            "include_metadata_csv": data["include_metadata_csv"],
            "crop_size": data["crop_size"],
        }
        if "detection_ids" in data:
            params["detection_ids"] = [str(value) for value in data["detection_ids"]]
        else:
            params.update(
                {
                    "start_date": data["start_date"].isoformat(),
                    "end_date": data["end_date"].isoformat(),
                    "group_by": data.get("group_by", "month"),
                    "location_ids": [str(value) for value in data.get("location_ids") or []],
                    "classifications": list(data.get("classifications") or []),
                }
            )
        return params


class MegaDetectorExportRequestSerializer(ReportQuerySerializer):
    """The filter of SPEC §5 selecting at least one detection: the images of the period and their
    detections as MegaDetector batch output (format 1.5)."""

    def validate(self, data):
        data["total_detections"] = filter_total(data, None)
        return data

    def to_params(self):
        data = self.validated_data
        return CamtrapDpExportRequestSerializer._params(data)


class TrainingExportRequestSerializer(MegaDetectorExportRequestSerializer):
    """The filter of SPEC §5 plus split_by (time | location): the reviewed detections as a YOLO dataset."""

    split_by = serializers.ChoiceField(
        choices=("time", "location"),
        required=False,
        default="time",
        error_messages={"invalid_choice": "split_by must be time or location (got '{input}')."},
    )

    def to_params(self):
        return {**super().to_params(), "split_by": self.validated_data["split_by"]}


class CamtrapDpExportRequestSerializer(ReportQuerySerializer):
    """The filter of SPEC §5 (start_date, end_date, group_by, location_ids, classifications; every
    rule in order, unknown fields rejected) selecting at least one detection, plus include_images.

    Pass context={"base_url": "https://host/"} so that media.csv can link images by absolute URL.
    """

    include_images = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        data["total_detections"] = filter_total(data, MAX_CAMTRAP_DP_DETECTIONS)
        missing = locations_without_coordinates(self._params(data))
        if missing:
            raise serializers.ValidationError(
                {
                    "location_ids": [
                        f"Camtrap DP needs coordinates for every camera site; {', '.join(missing[:5])} "
                        f"{'has' if len(missing) == 1 else 'have'} no latitude/longitude. Add them or leave "
                        "these locations out with location_ids."
                    ]
                }
            )
        return data

    @staticmethod
    def _params(data):
        return {
            "start_date": data["start_date"].isoformat(),
            "end_date": data["end_date"].isoformat(),
            "group_by": data.get("group_by") or "month",
            "location_ids": [str(value) for value in data.get("location_ids") or []],
            "classifications": list(data.get("classifications") or []),
        }

    def to_params(self):
        """The JSON-serialisable dict the job and exports.camtrap_dp.write_camtrap_dp receive."""
        data = self.validated_data
        return {
            **self._params(data),
            "include_images": data["include_images"],
            "base_url": self.context.get("base_url", ""),
        }
