"""manage.py import_speciesnet predictions.json [--location NAME] ...

Registers the images of a SpeciesNet run (``run_model.py --predictions_json``; files already under
IMAGE_ROOT) with their boxes and the ensemble's species, like import_megadetector.
"""

from detections import results_file, speciesnet
from detections.management.commands import import_megadetector


class Command(import_megadetector.Command):
    help = "Import SpeciesNet predictions.json (full ensemble or detector only) for images already under IMAGE_ROOT."
    what = "SpeciesNet"

    def reader(self, options, label_map):
        document = results_file.open_results(options["results"], "predictions", self.what)
        settings = {"label_map": label_map, **self.settings(options)}
        return lambda conversion: speciesnet.items(document(), conversion, **settings)
