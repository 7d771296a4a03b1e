"""The class vocabulary: what a detection can be. One definition for every app.

The deer classes double as the sexes of a deer profile (an `unknown` deer is one whose sex the
model could not tell). `animal` is an animal nobody identified (a low-confidence box, a classifier
label with no Herdbook class): it is not a deer and re-ID never matches it. Everything else is
another species or a false trigger. Each class's scientific name, rank and taxon id live in
`core.taxonomy`.
"""

DEER_CLASSES = ("buck", "doe", "fawn", "unknown")
OTHER_CLASSES = ("cattle", "pig", "raccoon", "coyote", "turkey", "animal", "human", "vehicle")
CLASSIFICATIONS = DEER_CLASSES + OTHER_CLASSES
SEXES = DEER_CLASSES
CLASS_LIST = ", ".join(CLASSIFICATIONS)


def unknown_class(value):
    """The message for a classification outside the vocabulary."""
    return f"'{value}' is not a known class. Valid classes: {CLASS_LIST}."
