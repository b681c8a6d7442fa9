"""Reading a hook's ``logs`` safely."""


def logs_dict(logs):
    """A plain dict copy of ``logs`` (``None`` gives ``{}``).

    Read through ``items()``: the training loop may pass a lazily filled dict subclass whose
    length and iteration say "empty" until ``items()``/``get`` asks for the values.
    """
    return {} if logs is None else dict(logs.items())
