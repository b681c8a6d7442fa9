"""The one exception every unreadable or untrustworthy model file raises."""


class ModelFormatError(ValueError):
    """A file that is not a loadable gradiente model: truncated, corrupted, of another
    format, from a newer format version, or crafted to be unsafe.

    A ValueError, not an OSError: the file could be read, its *content* is wrong (the
    OS did its job). Keras raises ValueError for bad model files, so code written for
    Keras that catches ValueError keeps working; a missing file stays FileNotFoundError.
    """

    def __init__(self, path, reason):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"Cannot load '{self.path}': {reason}")
