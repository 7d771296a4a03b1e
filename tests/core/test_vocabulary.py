"""The class vocabulary is defined once; model choices and messages follow it."""

from core.vocabulary import CLASSIFICATIONS, DEER_CLASSES, OTHER_CLASSES, SEXES, unknown_class
from detections.models import Detection
from reid.models import Deer


def test_deer_classes_come_first_and_nothing_is_listed_twice():
    assert CLASSIFICATIONS[: len(DEER_CLASSES)] == DEER_CLASSES
    assert set(CLASSIFICATIONS) == set(DEER_CLASSES) | set(OTHER_CLASSES)
    assert len(set(CLASSIFICATIONS)) == len(CLASSIFICATIONS)


def test_model_choices_follow_the_vocabulary():
    assert [value for value, _ in Detection._meta.get_field("classification").choices] == list(CLASSIFICATIONS)
    assert [value for value, _ in Deer._meta.get_field("sex").choices] == list(SEXES)
    assert Deer.Sex.UNKNOWN == "unknown"


def test_unknown_class_message_names_every_class():
    assert unknown_class("elk") == (
        "'elk' is not a known class. Valid classes: buck, doe, fawn, unknown, cattle, pig, raccoon, coyote, "
        "turkey, animal, human, vehicle."
    )
