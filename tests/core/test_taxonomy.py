"""Every class has its taxon; a deer of unknown sex and an unidentified animal are different things."""

from core.taxonomy import TAXA, taxon
from core.vocabulary import CLASSIFICATIONS, DEER_CLASSES


def test_every_class_has_a_taxon_in_vocabulary_order():
    assert tuple(TAXA) == CLASSIFICATIONS


def test_a_deer_of_unknown_sex_is_a_white_tailed_deer():
    deer = taxon("unknown")
    assert deer.is_deer and deer.identified
    assert (deer.scientific_name, deer.rank) == ("Odocoileus virginianus", "species")
    assert deer.taxon_id == "https://www.gbif.org/species/2440965"
    assert {taxon(name).scientific_name for name in DEER_CLASSES} == {"Odocoileus virginianus"}


def test_an_unidentified_animal_is_no_deer_and_names_no_taxon():
    animal = taxon("animal")
    assert not animal.is_deer and not animal.identified
    assert (animal.scientific_name, animal.taxon_id, animal.observation_type) == ("", "", "animal")
    assert animal.vernacular_name == "animal, not identified"


def test_people_and_vehicles_have_their_own_observation_types():
    assert taxon("human").observation_type == "human"
    assert taxon("vehicle").observation_type == "vehicle"
    assert not taxon("vehicle").identified


def test_every_identified_class_names_its_gbif_taxon():
    from core.taxonomy import TAXA

    missing = [t.name for t in TAXA.values() if t.identified and not t.gbif_key.isdigit()]
    assert missing == []
