"""Weight initializers. Each is called as ``init(shape, dtype=None)`` and returns a NumPy
array; random ones draw from the library's seeded generator (``utils.set_random_seed``)
unless given a seed. Grouped as Keras groups them: ``constant_initializers`` (drawing
nothing) and ``random_initializers``.
"""
from gradiente import backend
from gradiente.initializers.constant_initializers import STFT, Constant, Identity, Ones, Zeros
from gradiente.initializers.initializer import Initializer, RandomInitializer
from gradiente.initializers.random_initializers import (
    GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal,
    RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, compute_fans,
)

_ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_normal": RandomNormal, "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal, "identity": Identity, "stft": STFT,
    # Keras's other accepted names (older class names and short forms).
    "normal": RandomNormal, "uniform": RandomUniform, "one": Ones, "zero": Zeros,
    "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal, "STFTInitializer": STFT,
}
_CLASSES = {cls.__name__: cls for cls in set(_ALIASES.values())}

zeros, ones, constant = Zeros, Ones, Constant
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
orthogonal, identity, variance_scaling, stft = Orthogonal, Identity, VarianceScaling, STFT


def get(identifier):
    """An initializer from a name, a serialized record, an instance, a class, a callable
    ``f(shape, dtype=None)``, or an array/Tensor (returned as the values, for that shape only)."""
    if identifier is None:
        return None
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if _is_array(identifier):
        return _from_values(identifier)
    if isinstance(identifier, Initializer) or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name")) or _ALIASES.get(identifier.get("class_name"))
        if cls is None:
            return _user_component(identifier)
        return cls.from_config(identifier.get("config") or {})
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            found = _user_component(identifier)
            if found is None:
                raise ValueError(
                    f"Could not interpret initializer identifier: {identifier!r}. "
                    f"Valid names: {', '.join(sorted(_ALIASES))}; a custom one must be registered "
                    "with @keras.saving.register_keras_serializable() or given in custom_objects."
                )
            return found
        return cls()
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def _is_array(value):
    import numpy as np

    from gradiente.autodiff.tensor import Tensor

    return isinstance(value, (np.ndarray, np.generic, Tensor))


def _from_values(values):
    import numpy as np

    data = np.asarray(getattr(values, "data", values))

    def initialize_fn(shape, dtype=None):
        if tuple(shape) != data.shape:
            raise ValueError(f"Expected `shape` to be {data.shape} for direct tensor as initializer. "
                             f"Received shape={tuple(shape)}")
        return data.astype(backend.standardize_dtype(dtype))

    return initialize_fn


def serialize(initializer):
    """Keras 3's record of an initializer: ``{"module", "class_name", "config",
    "registered_name"}`` (a user initializer or function under its registered name)."""
    from gradiente.saving.serialization_lib import serialize_keras_object

    if not (isinstance(initializer, Initializer) or callable(initializer)):
        raise ValueError(f"Cannot serialize the initializer {initializer!r:.80}: it is not an "
                         "Initializer nor a function.")
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """The initializer a name or ``serialize`` record describes."""
    if custom_objects:
        from gradiente.saving.registry import CustomObjectScope

        with CustomObjectScope(custom_objects):
            return get(config)
    return get(config)


def _user_component(identifier):
    from gradiente.saving.serialization_lib import user_component

    return user_component(identifier, "initializer")
