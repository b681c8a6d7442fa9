"""Activation functions by name, as ``Dense(..., activation="relu")`` looks them up.

The lecture's set: linear (identity), heaviside (step), sign, sigmoid (logistic), tanh,
relu, leaky_relu, elu, selu, gelu, softmax; plus the rest of Keras 3's: relu6, softplus,
softsign, silu/swish, hard_sigmoid, hard_silu, exponential, log_softmax, mish, log_sigmoid,
celu, glu, hard_tanh, hard_shrink, soft_shrink, tanh_shrink, threshold, sparse_plus,
sparse_sigmoid, squareplus, sparsemax.

heaviside and sign are not in Keras. Their derivative is zero wherever it exists, so a
network using them gets zero gradients: gradient descent cannot train it. They are here
to show exactly that.
"""
from gradiente import ops


def linear(x):
    """The identity: f(x) = x, f'(x) = 1."""
    return ops.convert_to_tensor(x)


def heaviside(x):
    """The step function: 0 for x < 0, 1 for x >= 0. f'(x) = 0 (undefined at 0)."""
    return ops.heaviside(x, 1.0)


def sign(x):
    """-1, 0 or 1. f'(x) = 0 (undefined at 0)."""
    return ops.sign(x)


def sigmoid(x):
    """The logistic function 1 / (1 + e^-x); saturates (f' -> 0) far from 0."""
    return ops.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent, in (-1, 1); saturates far from 0."""
    return ops.tanh(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0); f'(x) = 0 for x < 0 (and, by convention, at 0).

    The Keras options: a slope below ``threshold``, and a ceiling ``max_value``.
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.convert_to_tensor(x)
    if threshold != 0.0:
        out = ops.where(ops.greater(x, threshold), x, ops.multiply(negative_slope, ops.subtract(x, threshold)))
    elif negative_slope != 0.0:
        out = ops.leaky_relu(x, negative_slope=negative_slope)
    else:
        out = ops.relu(x)
    if max_value is not None:
        out = ops.minimum(out, max_value)
    return out


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, ``negative_slope`` · x otherwise: never a zero gradient."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def relu6(x):
    return ops.relu6(x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(e^x − 1) otherwise: smooth, negative outputs."""
    return ops.elu(x, alpha=alpha)


def selu(x):
    """Scaled ELU (scale 1.0507, alpha 1.6733): self-normalising with lecun_normal weights."""
    return ops.selu(x)


def gelu(x, approximate=False):
    """x·Φ(x), the Gaussian error linear unit (exact erf form unless ``approximate``)."""
    return ops.gelu(x, approximate=approximate)


def softmax(x, axis=-1):
    """Normalised exponentials along ``axis``: a probability distribution."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis=axis)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return ops.softsign(x)


def silu(x):
    """x · sigmoid(x) (also called swish)."""
    return ops.silu(x)


swish = silu


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return ops.hard_sigmoid(x)


def hard_silu(x):
    return ops.hard_silu(x)


hard_swish = hard_silu


def exponential(x):
    return ops.exp(x)


def mish(x):
    return ops.mish(x)


def log_sigmoid(x):
    return ops.log_sigmoid(x)


def celu(x, alpha=1.0):
    """x for x >= 0, alpha·(e^(x/alpha) − 1) below: like elu, but with slope 1 at 0 for any alpha."""
    return ops.celu(x, alpha=alpha)


def glu(x, axis=-1):
    """Gated linear unit: a · sigmoid(b), x split into halves a, b along ``axis`` (halves its size)."""
    return ops.glu(x, axis=axis)


def hard_tanh(x):
    """x clipped to [−1, 1]; f' = 0 outside."""
    return ops.hard_tanh(x)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0 (jumps at ±threshold)."""
    return ops.hard_shrink(x, threshold=threshold)


def soft_shrink(x, threshold=0.5):
    """x moved toward 0 by ``threshold``, and 0 within it."""
    return ops.soft_shrink(x, threshold=threshold)


def tanh_shrink(x):
    """x − tanh(x)."""
    return ops.tanh_shrink(x)


def threshold(x, threshold, default_value):
    """x where x > threshold, else ``default_value``."""
    return ops.threshold(x, threshold, default_value)


def sparse_plus(x):
    """0 for x <= −1, (x + 1)²/4 in between, x for x >= 1."""
    return ops.sparse_plus(x)


def sparse_sigmoid(x):
    """0 for x <= −1, (x + 1)/2 in between, 1 for x >= 1."""
    return ops.sparse_sigmoid(x)


def squareplus(x, b=4):
    """(x + sqrt(x² + b)) / 2: a smooth relu."""
    return ops.squareplus(x, b=b)


def sparsemax(x, axis=-1):
    """Like softmax, a probability distribution along ``axis``, but with exact zeros."""
    return ops.sparsemax(x, axis=axis)


ALL = {
    f.__name__: f
    for f in (linear, heaviside, sign, sigmoid, tanh, relu, leaky_relu, relu6, elu, selu, gelu,
              softmax, log_softmax, softplus, softsign, silu, hard_sigmoid, hard_silu,
              exponential, mish, log_sigmoid, celu, glu, hard_tanh, hard_shrink, soft_shrink,
              tanh_shrink, threshold, sparse_plus, sparse_sigmoid, squareplus, sparsemax)
}
_ALIASES = {"swish": silu, "hard_swish": hard_silu, "step": heaviside, "logistic": sigmoid,
            "identity": linear}


def get(identifier):
    """An activation function from a name, a serialized record, a callable, or ``None``
    (linear). A name that is not built in may name a registered function or one of an
    active custom object scope."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = ALL.get(identifier) or _ALIASES.get(identifier) or _user_object(identifier)
        if fn is None:
            raise ValueError(
                f"Could not interpret activation function identifier: {identifier!r}. "
                f"Valid names: {', '.join(sorted(ALL))} (aliases: {', '.join(sorted(_ALIASES))}); "
                "a custom function must be registered with "
                "@keras.saving.register_keras_serializable() or given in custom_objects."
            )
        return fn
    if isinstance(identifier, dict):
        from gradiente.saving.serialization_lib import deserialize_keras_object

        legacy = identifier.get("class_name")  # {"class_name": "relu", "config": {...}}
        if legacy in ALL or legacy in _ALIASES:
            return get(legacy)
        fn = deserialize_keras_object(identifier)
        if callable(fn):
            return fn
        raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def _user_object(name):
    from gradiente.saving import registry

    return registry.lookup(name.rpartition(">")[2], name if ">" in name else None)


def serialize(activation):
    """The name of a built-in activation (``"relu"``); for any other function, Keras 3's
    record ``{"module": "builtins", "class_name": "function", "config": <registered name>,
    "registered_name": "function"}`` (loading it back needs the function registered or
    passed as a custom object); for an object with ``get_config`` (a layer), its record."""
    from gradiente.saving import registry
    from gradiente.saving.serialization_lib import serialize_keras_object

    name = getattr(activation, "__name__", None)
    if name is not None and (name in ALL or name in _ALIASES):
        return name
    if name is not None:  # a lambda too: the record names it, and loading it says why it fails
        return {"module": "builtins", "class_name": "function",
                "config": registry.get_registered_name(activation), "registered_name": "function"}
    if not hasattr(activation, "get_config"):
        raise ValueError(f"Cannot serialize activation {activation!r}: it has no name and no get_config().")
    return serialize_keras_object(activation)


def deserialize(config, custom_objects=None):
    """The activation a name or ``serialize`` record describes."""
    if custom_objects:
        from gradiente.saving.registry import CustomObjectScope

        with CustomObjectScope(custom_objects):
            return get(config)
    return get(config)


def plot(names=None, derivative=True, x_range=(-5, 5), path=None):
    """Each activation beside its autodiff derivative, kinks and jumps marked (needs
    matplotlib): saves a PNG to ``path`` and returns it, or returns the Figure."""
    from gradiente.visualization.activations_plot import plot_activations

    return plot_activations(names, derivative=derivative, x_range=x_range, path=path)
