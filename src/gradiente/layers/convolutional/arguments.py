"""Argument checks of the convolution layers, shared with pooling and spatial layers:
kernel sizes and strides, padding, data_format, and the input layout in words."""
from gradiente import backend

_SPATIAL = {1: ("steps",), 2: ("rows", "cols"), 3: ("depth", "rows", "cols")}


def normalize_tuple(value, rank, arg, layer, allow_zero=False):
    """An int or a sequence of ``rank`` ints -> a tuple; anything else is rejected."""
    items = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    least = 0 if allow_zero else 1
    if len(items) != rank or not all(isinstance(v, int) and not isinstance(v, bool) and v >= least
                                      for v in items):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"{layer}: `{arg}` must be a {kind} integer or a tuple of {rank} {kind} integers, "
            f"received {arg}={value!r}."
        )
    return items


def normalize_padding(value, layer, allowed=("valid", "same")):
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(
            f"{layer}: `padding` must be one of {', '.join(repr(a) for a in allowed)}, "
            f"received padding={value!r}."
        )
    return padding


def normalize_data_format(value, layer):
    fmt = backend.image_data_format() if value is None else value
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer}: `data_format` must be 'channels_last' or 'channels_first', "
            f"received data_format={value!r}."
        )
    return fmt


def layout(rank, data_format):
    """The input layout in words, e.g. '(batch, rows, cols, channels)'."""
    names = _SPATIAL[rank]
    axes = ("channels",) + names if data_format == "channels_first" else names + ("channels",)
    return "(batch, " + ", ".join(axes) + ")"


def _positive_int(value, arg, layer):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: `{arg}` must be a positive integer, received {arg}={value!r}.")
    return value
