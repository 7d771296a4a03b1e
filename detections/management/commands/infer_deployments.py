"""Store inferred deployments (inferred=True) for locations that have images and no deployment."""

from django.core.management.base import BaseCommand

from detections.deployments import deployments_infer


class Command(BaseCommand):
    help = (
        "Create a deployment flagged 'inferred' for every location with images but no deployment: from 00:00 of "
        "its first image's local day to 24:00 of its last image's local day. Locations with deployments are untouched."
    )

    def handle(self, *args, **options):
        made = deployments_infer()
        for deployment in made:
            self.stdout.write(f"inferred {deployment.location_id}: {deployment.setup_at} .. {deployment.pickup_at}")
        self.stdout.write(self.style.SUCCESS(f"{len(made)} deployment(s) inferred."))
