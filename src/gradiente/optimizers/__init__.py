"""``gradiente.optimizers``: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl,
the learning-rate ``schedules``, and ``get`` / ``serialize`` / ``deserialize``."""
from gradiente.optimizers import schedules
from gradiente.optimizers.adadelta import Adadelta
from gradiente.optimizers.adagrad import Adagrad
from gradiente.optimizers.adam import Adam, AdamW
from gradiente.optimizers.adamax import Adamax
from gradiente.optimizers.ftrl import Ftrl
from gradiente.optimizers.lion import Lion
from gradiente.optimizers.nadam import Nadam
from gradiente.optimizers.optimizer import LearningRate, Optimizer
from gradiente.optimizers.rmsprop import RMSprop
from gradiente.optimizers.sgd import SGD

ALL = {cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta,
                                             Adamax, Nadam, Lion, Ftrl)}


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
        cls = ALL.get(identifier.lower())
        if cls is not None:
            return cls()
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier}. "
        f"Valid names: {', '.join(ALL)} (or an Optimizer instance)."
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
    cls = (custom_objects or {}).get(name) or ALL.get(name.rsplit(".", 1)[-1].lower())
    if cls is None:
        raise ValueError(
            f"Could not interpret optimizer identifier: {name}. "
            f"Valid names: {', '.join(ALL)} (pass others in custom_objects)."
        )
    return cls.from_config(config.get("config", {}), custom_objects=custom_objects)


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "LearningRate", "schedules", "get", "serialize", "deserialize"]
