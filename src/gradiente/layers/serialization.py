"""``keras.layers.serialize`` / ``keras.layers.deserialize`` (the work is in gradiente.saving,
imported when called: saving sits above layers)."""


def serialize(layer):
    """The layer's record ``{"module", "class_name", "config", "registered_name"}`` (a built
    layer adds ``"build_config"``), as ``keras.saving.serialize_keras_object`` gives it."""
    from gradiente.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer from ``serialize``'s record; ``custom_objects`` maps names to user
    classes and functions that are not registered."""
    from gradiente.layers.layer import Layer
    from gradiente.saving.serialization_lib import deserialize_keras_object

    layer = deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(f"keras.layers.deserialize was given a config that does not describe a "
                         f"layer (it gave {type(layer).__name__}): {config!r:.120}")
    return layer
