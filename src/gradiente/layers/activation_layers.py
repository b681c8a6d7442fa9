"""Activations as layers: Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax.

Each maps (batch, ...) -> (batch, ...) elementwise (Softmax: along ``axis``) and passes
masks through. Only PReLU has weights: a learned slope ``alpha`` for negative inputs.
"""
import warnings

import numpy as np

from gradiente import activations, constraints, initializers, ops, regularizers
from gradiente.autodiff.trace import host_array
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer
from gradiente.ops.primitive import primitive


class _Elementwise(Layer):
    """Shape-preserving layers that carry masks through unchanged."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    supports_masking = True
    _builds_at_init = True  # no weights (PReLU defines build, so it is built on first call)

    def compute_output_shape(self, input_shape):
        return input_shape


class Activation(_Elementwise):
    """Applies ``activation`` (a name or a callable). (batch, ...) -> (batch, ...)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


def _non_negative(layer, name, value):
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or value < 0:
        raise ValueError(
            f"{layer}: `{name}` must be a non-negative number, received {name}={value!r}."
        )
    return float(value)


class ReLU(_Elementwise):
    """max(x, 0), with Keras's options::

        f(x) = max_value                       if x >= max_value
        f(x) = x                               if threshold < x < max_value
        f(x) = negative_slope * (x - threshold) otherwise
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else _non_negative("ReLU", "max_value", max_value)
        self.negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _non_negative("ReLU", "threshold", threshold)

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope, threshold=self.threshold)
        return config


class LeakyReLU(_Elementwise):
    """x for x > 0, ``negative_slope`` · x otherwise (default 0.3, as Keras's layer).

    The tf.keras 2 argument ``alpha=`` is still accepted, with a deprecation warning.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", UserWarning, stacklevel=2)
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _non_negative("LeakyReLU", "negative_slope", negative_slope)

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class ELU(_Elementwise):
    """x for x > 0, alpha · (e^x − 1) otherwise."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


# One record on the tape instead of relu(x) - alpha * relu(-x) (four).
@primitive(name="prelu")
def _prelu(x, alpha):
    return np.where(x > 0, x, alpha * x)


@_prelu.defvjp
def _(g, ans, needs, x, alpha):
    negative = x <= 0
    gx = np.where(negative, g * alpha, g) if needs[0] else None
    galpha = np.where(negative, g * x, 0) if needs[1] else None  # the engine sums it to alpha's shape
    return gx, galpha


class PReLU(_Elementwise):
    """Leaky ReLU with a learned slope: x for x > 0, alpha · x otherwise.

    ``alpha`` has the input's non-batch shape, except along ``shared_axes`` (1-based over
    the full shape, so ``shared_axes=[1, 2]`` shares one slope per channel of an image).
    Params: the product of the non-shared non-batch sizes.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(a) for a in shared_axes]
        else:
            self.shared_axes = [int(shared_axes)]

    def build(self, input_shape):
        rank = len(input_shape)
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis < rank:
                raise ValueError(
                    f"PReLU layer '{self.name}': shared_axes={self.shared_axes} refers to axis {axis}, "
                    f"but its input of shape {tuple(input_shape)} has non-batch axes 1..{rank - 1} "
                    "(axis 0 is the batch and cannot be shared)."
                )
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f"PReLU layer '{self.name}' needs every non-shared axis of its input to be known, but "
                f"received input shape {tuple(input_shape)}. Share the unknown axes with shared_axes=..."
            )
        self.alpha = self.add_weight("alpha", tuple(param_shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        fixed = {i: d for i, d in enumerate(input_shape) if i > 0 and i not in set(self.shared_axes or ())}
        self.input_spec = InputSpec(
            ndim=rank, axes=fixed, layout="(batch, " + ", ".join(str(d) for d in input_shape[1:]) + ")",
            hint=f"It was built for inputs of shape {tuple(input_shape)}: its alpha has shape "
                 f"{tuple(param_shape)}, one slope per non-shared element.",
        )
        self.built = True

    def call(self, inputs):
        return _prelu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config.update(
            alpha_initializer=initializers.serialize(self.alpha_initializer),
            alpha_regularizer=None if self.alpha_regularizer is None else regularizers.serialize(self.alpha_regularizer),
            alpha_constraint=None if self.alpha_constraint is None else {
                "class_name": type(self.alpha_constraint).__name__, "config": self.alpha_constraint.get_config()},
            shared_axes=self.shared_axes,
        )
        return config


class Softmax(_Elementwise):
    """exp(x) / sum(exp(x)) along ``axis`` (an int or a tuple of ints).

    With a mask (True = keep), masked positions get a large negative logit first, so they
    receive (almost) zero probability; a (batch, time) mask on a rank-3 input masks whole rows.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, inputs, mask=None):
        keep = None
        if mask is not None:
            keep = self._keep(host_array(mask, "Softmax's mask"), inputs.shape)
            # -1e9 fits float32 and float64; float16 needs a smaller stand-in for -inf.
            large = -3e4 if inputs.dtype == np.float16 else -1e9
            inputs = ops.add(inputs, np.where(keep, 0.0, large).astype(inputs.dtype))
        if isinstance(self.axis, tuple):
            out = ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=self.axis, keepdims=True)))
        else:
            out = ops.softmax(inputs, axis=self.axis)
        if keep is not None:
            # Masked positions are exactly 0, even where a whole row is masked (Keras 3).
            out = ops.where(keep, out, np.zeros((), dtype=out.dtype))
        return out

    def _keep(self, keep, shape):
        """The mask broadcast against inputs of ``shape``: aligned from the last axis as Keras
        aligns it; failing that, a (batch, time) mask on (batch, time, ...) inputs."""
        if keep.dtype != np.bool_:
            keep = keep > 0.5  # Keras keeps entries above one half of a numeric mask
        try:
            np.broadcast_shapes(keep.shape, tuple(shape))
            return keep
        except ValueError:
            pass
        if keep.ndim < len(shape) and keep.shape == tuple(shape[:keep.ndim]):
            return keep.reshape(keep.shape + (1,) * (len(shape) - keep.ndim))
        raise ValueError(
            f"Softmax layer '{self.name}': the mask of shape {keep.shape} does not broadcast to the "
            f"inputs of shape {tuple(shape)}: each mask axis must be 1 or match the input's, counted "
            "from the last axis (or the mask covers the leading axes)."
        )

    def get_config(self):
        config = super().get_config()
        config["axis"] = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return config
