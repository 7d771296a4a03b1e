"""The taxonomy of the class vocabulary: what each Herdbook class is, for people and for standards.

Every class carries a vernacular name, a scientific name, its rank and a taxon id in the GBIF
backbone (https://www.gbif.org/species/<key>), and the Camtrap DP observationType it stands for.
"deer, sex unknown" (`unknown`) is a white-tailed deer; "animal, not identified" (`animal`) is an
animal of no known taxon, so it carries none.
"""

from dataclasses import dataclass

from core.vocabulary import CLASSIFICATIONS, DEER_CLASSES

GBIF_SPECIES = "https://www.gbif.org/species/"


@dataclass(frozen=True)
class Taxon:
    name: str  # the Herdbook class
    vernacular_name: str
    scientific_name: str = ""
    rank: str = ""
    gbif_key: str = ""
    observation_type: str = "animal"  # Camtrap DP observationType

    @property
    def taxon_id(self):
        return GBIF_SPECIES + self.gbif_key if self.gbif_key else ""

    @property
    def is_deer(self):
        return self.name in DEER_CLASSES

    @property
    def identified(self):
        """True when the class names a taxon (a deer of any sex, or another species)."""
        return bool(self.scientific_name)


WHITE_TAILED_DEER = ("Odocoileus virginianus", "species", "2440965")

TAXA = {
    taxon.name: taxon
    for taxon in (
        Taxon("buck", "white-tailed deer, antlered male", *WHITE_TAILED_DEER),
        Taxon("doe", "white-tailed deer, adult female", *WHITE_TAILED_DEER),
        Taxon("fawn", "white-tailed deer, fawn", *WHITE_TAILED_DEER),
        Taxon("unknown", "white-tailed deer, sex unknown", *WHITE_TAILED_DEER),
        Taxon("cattle", "domestic cattle", "Bos taurus", "species", "2441022"),
        Taxon("pig", "wild pig", "Sus scrofa", "species", "7705930"),
        Taxon("raccoon", "raccoon", "Procyon lotor", "species", "5218786"),
        Taxon("coyote", "coyote", "Canis latrans", "species", "5219153"),
        Taxon("turkey", "wild turkey", "Meleagris gallopavo", "species", "9606290"),
        Taxon("animal", "animal, not identified"),
        Taxon("human", "human", "Homo sapiens", "species", "2436436", observation_type="human"),
        Taxon("vehicle", "vehicle", observation_type="vehicle"),
    )
}
assert tuple(TAXA) == CLASSIFICATIONS, "every class has its taxon, in vocabulary order"


def taxon(name):
    """The taxon of a Herdbook class (KeyError for a name outside the vocabulary)."""
    return TAXA[name]
