"""The arguments ``compile`` was given, as JSON, and ``compile`` called again from them."""
import warnings

from gradiente.saving.errors import ModelFormatError
from gradiente.saving.serialization import (
    NotSerializable, deserialize_compile_arg, serialize_compile_arg,
)


def compile_to_config(model):
    """``{"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly"}``,
    or None when the model is not compiled or an argument cannot be described (then a
    warning says which, and the loaded model needs ``compile`` again)."""
    state = getattr(model, "_compile_state", None)
    if state is None:
        return None
    try:
        return {
            "optimizer": serialize_compile_arg(state.optimizer),
            "loss": serialize_compile_arg(state.loss_spec),
            "loss_weights": serialize_compile_arg(state.loss_weights_spec),
            "metrics": serialize_compile_arg(state.metrics_spec),
            "weighted_metrics": serialize_compile_arg(state.weighted_metrics_spec),
            "run_eagerly": bool(state.run_eagerly),
        }
    except NotSerializable as err:
        warnings.warn(
            f"Model '{model.name}': the compile arguments were not saved ({err}). The weights "
            "and architecture are saved; call compile() again after loading.",
            UserWarning, stacklevel=4,
        )
        return None


def compile_from_config(model, config, custom_objects, path):
    """Call ``model.compile`` with the saved arguments; returns the optimizer."""
    if not isinstance(config, dict):
        raise ModelFormatError(path, "the compile config is not a JSON object.")
    args = {
        "optimizer": deserialize_compile_arg(config.get("optimizer"), "optimizers", custom_objects, path),
        "loss": deserialize_compile_arg(config.get("loss"), "losses", custom_objects, path),
        "loss_weights": deserialize_compile_arg(config.get("loss_weights"), "losses", custom_objects, path),
        "metrics": deserialize_compile_arg(config.get("metrics"), "metrics", custom_objects, path),
        "weighted_metrics": deserialize_compile_arg(config.get("weighted_metrics"), "metrics",
                                                     custom_objects, path),
        "run_eagerly": bool(config.get("run_eagerly", False)),
    }
    if args["optimizer"] is None:
        args["optimizer"] = "rmsprop"
    try:
        model.compile(**args)
    except (TypeError, ValueError) as err:
        raise ModelFormatError(path, f"compile() rejected the saved compile arguments: {err}") from err
    return model.optimizer
