"""TimeDistributed (the wrapped layer's converter on (batch·time, ...), then split again)
and the random image augmentation layers, which are the identity at inference."""
from gradiente.export.onnx.graph import Value
from gradiente.export.onnx.registry import converts, find, unsupported
from gradiente.layers.preprocessing.image.random_brightness import RandomBrightness
from gradiente.layers.preprocessing.image.random_contrast import RandomContrast
from gradiente.layers.preprocessing.image.random_flip import RandomFlip
from gradiente.layers.preprocessing.image.random_rotation import RandomRotation
from gradiente.layers.preprocessing.image.random_translation import RandomTranslation
from gradiente.layers.preprocessing.image.random_zoom import RandomZoom
from gradiente.layers.wrappers import TimeDistributed


@converts(RandomFlip, RandomContrast, RandomBrightness, RandomRotation, RandomTranslation, RandomZoom)
def augmentation(g, layer, ins, outs):
    """Augmentations draw only in training (fit); predict, like this graph, passes images on."""
    return ins[0].name


@converts(TimeDistributed)
def time_distributed(g, layer, ins, outs):
    x, out = ins[0], outs[0]
    inner = layer.layer
    conv = find(inner)
    if conv is None or conv.kwargs:  # a converter reading call arguments needs its own node
        raise unsupported(layer, f"its wrapped layer '{inner.name}' ({type(inner).__name__}) has no ONNX "
                                 "converter usable per time step.")
    rest, rest_out = x.shape[2:], out.shape[2:]
    if None in rest or None in rest_out:
        raise unsupported(layer, f"the per-step shapes {rest} -> {rest_out} must be known to merge and "
                                 "split the batch and time axes.")
    merged = g.reshape(x.name, [-1] + list(rest))
    prefix = g.prefix
    g.prefix = f"{prefix}/{inner.name}"
    result = conv.fn(g, inner, [Value(merged, (None,) + rest, x.dtype)], [Value("", (None,) + rest_out, out.dtype)])
    g.prefix = prefix
    y = result if isinstance(result, str) else result[0]
    # (batch·time, ...') -> (batch, time, ...'): the two leading sizes read from the input.
    leading = g.op("Slice", [g.op("Shape", [x.name]), g.ints([0], "starts"), g.ints([2], "ends")])
    target = g.op("Concat", [leading, g.ints(list(rest_out), "shape")], axis=0)
    return g.op("Reshape", [y, target])
