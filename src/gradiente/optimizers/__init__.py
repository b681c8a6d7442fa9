"""``gradiente.optimizers``: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl,
the learning-rate ``schedules``, and ``get`` / ``serialize`` / ``deserialize``."""
from gradiente import _lazy
from gradiente.optimizers import schedules
from gradiente.optimizers.optimizer import LearningRate, Optimizer

# typing.TYPE_CHECKING without importing typing; mypy reads this name as True.
TYPE_CHECKING = False

# Names load on first use (issue 18): compile(optimizer="sgd") loads sgd.py, not the nine
# others; ALL (every optimizer by lowercase name) is built when first read.
_EXPORTS = {
    "gradiente.optimizers.sgd": ("SGD",), "gradiente.optimizers.adam": ("Adam", "AdamW"),
    "gradiente.optimizers.rmsprop": ("RMSprop",), "gradiente.optimizers.adagrad": ("Adagrad",),
    "gradiente.optimizers.adadelta": ("Adadelta",), "gradiente.optimizers.adamax": ("Adamax",),
    "gradiente.optimizers.nadam": ("Nadam",), "gradiente.optimizers.lion": ("Lion",),
    "gradiente.optimizers.ftrl": ("Ftrl",),
}
_getattr, _dir, _exported, load_all = _lazy.exports(globals(), _EXPORTS)
_BY_LOWER = {name.lower(): name for name in _exported}  # "sgd" -> "SGD", in _EXPORTS' order


def _named(name):
    """The optimizer class whose lowercase name is ``name``, or None; loads only its module."""
    found = _BY_LOWER.get(name)
    return None if found is None else globals().get(found) or _getattr(found)


def __getattr__(name):
    if name == "ALL":
        globals()["ALL"] = {lower: _named(lower) for lower in _BY_LOWER}
        return globals()["ALL"]
    return _getattr(name)


def __dir__():
    return sorted(set(_dir()) | {"ALL"})


def get(identifier):
    """An optimizer from a name (``"adam"``, ``"SGD"``, ...), a config dict, a class or an
    instance (returned as is). Names make a new optimizer with Keras's defaults."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _named(identifier.lower())
        if cls is not None:
            return cls()
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier}. "
        f"Valid names: {', '.join(_BY_LOWER)} (or an Optimizer instance)."
    )


def serialize(optimizer):
    """``{"class_name": ..., "config": ...}``, as ``deserialize`` reads it back."""
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"Cannot serialize {optimizer!r}: it is not an Optimizer.")
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """An optimizer from ``serialize``'s output (or a bare name)."""
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name", "")
    cls = (custom_objects or {}).get(name) or _named(name.rsplit(".", 1)[-1].lower())
    if cls is None:
        raise ValueError(
            f"Could not interpret optimizer identifier: {name}. "
            f"Valid names: {', '.join(_BY_LOWER)} (pass others in custom_objects)."
        )
    return cls.from_config(config.get("config", {}), custom_objects=custom_objects)


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "LearningRate", "schedules", "get", "serialize", "deserialize"]

if TYPE_CHECKING:  # what a type checker (and an IDE) sees; nothing here runs
    from gradiente.optimizers.adadelta import Adadelta
    from gradiente.optimizers.adagrad import Adagrad
    from gradiente.optimizers.adam import Adam, AdamW
    from gradiente.optimizers.adamax import Adamax
    from gradiente.optimizers.ftrl import Ftrl
    from gradiente.optimizers.lion import Lion
    from gradiente.optimizers.nadam import Nadam
    from gradiente.optimizers.rmsprop import RMSprop
    from gradiente.optimizers.sgd import SGD
