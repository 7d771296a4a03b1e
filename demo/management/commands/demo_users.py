from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

DEMO_USERS = [
    # username, password, role, staff
    ("demo", "herdbook-demo", "manager", True),
    ("reviewer", "herdbook-reviewer", "reviewer", False),
    ("viewer", "herdbook-viewer", "viewer", False),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo logins: demo (manager, staff), reviewer and viewer. For local demos only."

    def handle(self, *args, **options):
        for username, password, role, staff in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = staff
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            self.stdout.write(f"{'Created' if created else 'Reset'} {username} ({role})")
