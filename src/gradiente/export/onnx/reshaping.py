"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, ZeroPadding1D/2D/3D,
Cropping1D/2D/3D, UpSampling1D/2D/3D. Reshapes write 0 for the batch axis (ONNX: copy that
axis), so the batch stays dynamic."""
import numpy as np

from gradiente.export.onnx.registry import converts, unsupported
from gradiente.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from gradiente.layers.spatial import Cropping, UpSampling, ZeroPadding, _linear_weights

_INT64_MAX = np.iinfo(np.int64).max


@converts(Flatten, masks=True)
def flatten(g, layer, ins, outs):
    x = ins[0]
    name = x.name
    if layer.data_format == "channels_first" and x.ndim > 2:
        # The channel axis goes last first, so the order matches the channels_last image's.
        name = g.transpose(name, [0] + list(range(2, x.ndim)) + [1])
    return g.reshape(name, [0, -1])


@converts(Reshape, masks=True)
def reshape(g, layer, ins, outs):
    x = ins[0]
    target = layer._resolve(x.shape)
    if any(d is None for d in target):
        target = layer.target_shape  # its -1 is inferred at run time
    return g.reshape(x.name, [0] + list(target))


@converts(Permute, masks=True)
def permute(g, layer, ins, outs):
    return g.transpose(ins[0].name, [0] + list(layer.dims))


@converts(RepeatVector, masks=True)
def repeat_vector(g, layer, ins, outs):
    # (batch, n) -> (batch, 1, n), broadcast to (batch, times, n).
    expanded = g.op("Unsqueeze", [ins[0].name, g.ints([1], "axes")])
    return g.op("Expand", [expanded, g.ints([1, layer.n, 1], "shape")])


@converts(ZeroPadding, masks=True)
def zero_padding(g, layer, ins, outs):
    x = ins[0]
    befores, afters = [0] * x.ndim, [0] * x.ndim
    for axis, (lo, hi) in zip(layer._axes, layer.padding):
        befores[axis], afters[axis] = lo, hi
    return g.op("Pad", [x.name, g.ints(befores + afters, "pads")], mode="constant")


@converts(Cropping, masks=True)
def cropping(g, layer, ins, outs):
    x = ins[0]
    starts = [lo for lo, _ in layer.cropping]
    ends = [-hi if hi else _INT64_MAX for _, hi in layer.cropping]
    return g.op("Slice", [x.name, g.ints(starts, "starts"), g.ints(ends, "ends"), g.ints(layer._axes, "axes")])


@converts(UpSampling, masks=True)
def up_sampling(g, layer, ins, outs):
    x = ins[0]
    if layer.interpolation == "bilinear":
        return _bilinear(g, layer, x)
    # Nearest with integer factors: output i reads input floor(i / size), a plain repeat.
    scales = [1.0] * x.ndim
    for axis, s in zip(layer._axes, layer.size):
        scales[axis] = float(s)
    return g.op("Resize", [x.name, "", g.const(np.asarray(scales, np.float32), "scales")], mode="nearest",
                coordinate_transformation_mode="asymmetric", nearest_mode="floor")


def _bilinear(g, layer, x):
    """The layer's own interpolation matrices, one Einsum per spatial axis (half-pixel
    centres, edges clamped, as tf.image.resize)."""
    letters = "abcdefgh"[: x.ndim]
    out = x.name
    for axis, s in zip(layer._axes, layer.size):
        n = x.shape[axis]
        if n is None:
            raise unsupported(layer, f"bilinear upsampling needs axis {axis} of its input {x.shape} to have "
                                     "a known size when the graph is written.")
        weights = g.const(_linear_weights(n, s, np.float32), "interpolation")
        dst = letters[:axis] + "z" + letters[axis + 1:]
        out = g.op("Einsum", [weights, out], equation=f"z{letters[axis]},{letters}->{dst}")
    return out
