"""Create the viewer, reviewer and manager groups with model permissions that match their role."""

from django.db import migrations

VIEW = ["view"]
ROLE_PERMISSIONS = {
    "viewer": {
        "detections": {"location": VIEW, "image": VIEW, "detection": VIEW, "detectioncorrection": VIEW},
        "reid": {"deer": VIEW, "reidrun": VIEW, "similarityscore": VIEW},
        "exports": {"exportjob": VIEW + ["add"]},
    },
    "reviewer": {
        "detections": {
            "location": VIEW,
            "image": VIEW,
            "detection": VIEW + ["change"],
            "detectioncorrection": VIEW + ["add"],
        },
        "reid": {"deer": VIEW + ["change", "add"], "reidrun": VIEW, "similarityscore": VIEW},
        "exports": {"exportjob": VIEW + ["add"]},
    },
    "manager": {
        "detections": {
            "location": VIEW + ["add", "change", "delete"],
            "image": VIEW + ["add", "change", "delete"],
            "detection": VIEW + ["add", "change", "delete"],
            "detectioncorrection": VIEW + ["add"],
        },
        "reid": {
            "deer": VIEW + ["add", "change", "delete"],
            "reidrun": VIEW + ["add", "change"],
            "similarityscore": VIEW,
        },
        "exports": {"exportjob": VIEW + ["add", "delete"]},
    },
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, apps_perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [
            (app_label, f"{action}_{model}")
            for app_label, models in apps_perms.items()
            for model, actions in models.items()
            for action in actions
        ]
        for app_label, codename in codenames:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("detections", "0002_initial"),
        ("reid", "0001_initial"),
        ("exports", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
