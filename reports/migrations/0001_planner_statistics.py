from django.db import migrations


def create(apps, schema_editor):
    from reports.planner import create_report_statistics

    create_report_statistics(schema_editor.connection)


def drop(apps, schema_editor):
    from reports.planner import drop_report_statistics

    drop_report_statistics(schema_editor.connection)


class Migration(migrations.Migration):
    """PostgreSQL planner statistics for the report aggregations (see reports/planner.py)."""

    dependencies = [("detections", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
