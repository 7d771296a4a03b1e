"""What a pipeline import refuses with a reason (nothing has been written); the import job reads
these as expected failures and shows their message."""


class FormatError(ValueError):
    """The results file cannot be imported; nothing has been written."""


class LabelMapError(ValueError):
    """A label map file that cannot be used."""
