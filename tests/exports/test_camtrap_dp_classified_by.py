"""classifiedBy and classificationProbability name the model that gave the label and its own score."""

from exports.camtrap_dp import MACHINE, machine_classification


def row(**fields):
    values = {"confidence": 0.91, "detector_model": "", "classifier_model": "", "classifier_score": None}
    return values | fields


def test_a_classifier_label_carries_the_classifier_and_its_score_not_the_detector_confidence():
    found = machine_classification(
        row(detector_model="MDv5a", classifier_model="SpeciesNet 4.0.1a", classifier_score=0.734)
    )
    assert found == ("SpeciesNet 4.0.1a", 0.734)


def test_a_detector_label_carries_the_detector_and_its_confidence():
    assert machine_classification(row(detector_model="MDv5a")) == ("MDv5a", 0.91)


def test_without_model_names_the_label_says_so():
    assert machine_classification(row()) == (MACHINE, 0.91)
