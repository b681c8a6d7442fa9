"""Building an object from its config: ``cls.from_config(config)``, with a fallback for
custom layers whose ``__init__`` cannot take the base layer arguments."""
import inspect

_BASE_KEYS = ("name", "trainable", "dtype")


def instantiate(cls, config, custom_objects=None):
    """``cls.from_config(config)`` (given ``custom_objects`` when it takes them).

    A layer that keeps Layer's own ``from_config`` but whose ``__init__`` takes no
    ``**kwargs`` gets the base keys it cannot accept (name, trainable, dtype) set after
    construction instead of a TypeError (Keras raises one here).
    """
    from gradiente.layers.layer import Layer

    if getattr(cls.from_config, "__func__", None) is Layer.from_config.__func__:
        return _construct_layer(cls, config)
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


def _construct_layer(cls, config):
    from gradiente import backend

    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return cls(**config)
    base = {k: config[k] for k in _BASE_KEYS if k in config and k not in params}
    layer = cls(**{k: v for k, v in config.items() if k not in base})
    if isinstance(base.get("name"), str):
        layer.name = base["name"]
    if "trainable" in base:
        layer.trainable = bool(base["trainable"])
    if base.get("dtype") is not None and not layer.built:
        # Not built yet: weights created later take this dtype.
        layer._dtype = backend.standardize_dtype(base["dtype"])
    return layer
