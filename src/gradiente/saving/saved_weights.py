"""Which arrays a model file holds for a model's weights, as Keras's per-layer
``save_own_variables`` / ``load_own_variables`` decide.

Most layers store each weight as it is. A layer may instead give a derived value in a
weight's place, or leave a weight out, through ``_saved_weight_value(variable)`` (an array,
or None to leave it out), and fix up after loading through ``_after_weights_loaded()``:
Dense with LoRA stores its merged kernel and not its factors, which loading zeroes, so a
file moves between LoRA and plain models as in Keras.
"""


def saved_weights(model):
    """``[(variable, array to store)]`` in ``model.weights`` order, left-out weights skipped."""
    out = []
    for v in model.weights:
        hook = getattr(getattr(v, "_layer", None), "_saved_weight_value", None)
        value = v.data if hook is None else hook(v)
        if value is not None:
            out.append((v, value))
    return out


def loaded_weights(model):
    """The variables a file's arrays fill, in order (those ``saved_weights`` stores)."""
    out = []
    for v in model.weights:
        hook = getattr(getattr(v, "_layer", None), "_saved_weight_value", None)
        if hook is None or hook(v) is not None:
            out.append(v)
    return out


def after_loading(model):
    """Let each layer finish after its weights were set from a file."""
    for layer in model._flatten_layers():
        hook = getattr(layer, "_after_weights_loaded", None)
        if hook is not None:
            hook()
