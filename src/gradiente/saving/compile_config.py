"""The arguments ``compile`` was given, as JSON, and ``compile`` called again from them.

On load, the saved arguments are checked for the forms ``compile_to_config`` writes before
anything is built from them: a ``metrics`` of 5 or a ``loss_weights`` of "x" is a damaged
file, reported here as ModelFormatError rather than as an AttributeError in ``fit``.
"""
import sys
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
    check_compile_config(config, path)
    args = {
        "optimizer": deserialize_compile_arg(config.get("optimizer"), "optimizers", custom_objects, path),
        "loss": deserialize_compile_arg(config.get("loss"), "losses", custom_objects, path),
        "loss_weights": deserialize_compile_arg(config.get("loss_weights"), "losses", custom_objects, path),
        "metrics": deserialize_compile_arg(config.get("metrics"), "metrics", custom_objects, path),
        "weighted_metrics": deserialize_compile_arg(config.get("weighted_metrics"), "metrics",
                                                     custom_objects, path),
        "run_eagerly": bool(config.get("run_eagerly")),
    }
    if args["optimizer"] is None:
        args["optimizer"] = "rmsprop"
    try:
        model.compile(**args)
    except (TypeError, ValueError, OverflowError) as err:
        raise ModelFormatError(path, f"compile() rejected the saved compile arguments: {err}") from err
    return model.optimizer


# --- checking a saved compile config ------------------------------------------------------
_FLOAT_MAX = sys.float_info.max


def _is_spec(value):
    """A loss, metric or optimizer as saved: a name, or a {"class_name", ...} record."""
    return isinstance(value, str) or (isinstance(value, dict) and isinstance(value.get("class_name"), str))


def _is_weight(value):
    # A weight becomes a float: an integer beyond float's range is as invalid as inf.
    return value is None or (type(value) in (int, float) and abs(value) <= _FLOAT_MAX)


def _per_output(value):
    """The values of a per-output dict as ``serialize_compile_arg`` writes one, else None."""
    if isinstance(value, dict) and set(value) == {"__per_output__"} and isinstance(value["__per_output__"], dict):
        return list(value["__per_output__"].values())
    return None


def _is_metric_group(value):
    """One output's metrics: none, one, or a list of them."""
    return value is None or _is_spec(value) or (
        isinstance(value, list) and all(v is None or _is_spec(v) for v in value))


def _is_loss(value):
    return value is None or _is_spec(value)


_CHECKS = {
    "optimizer": (lambda v: v is None or _is_spec(v),
                  "must be an optimizer name or an optimizer record"),
    "loss": (lambda v: _is_loss(v) or (isinstance(v, list) and all(map(_is_loss, v)))
             or (_per_output(v) is not None and all(map(_is_loss, _per_output(v)))),
             "must be a loss (a name or a record), or a list or per-output object of losses"),
    "loss_weights": (lambda v: _is_weight(v) or (isinstance(v, list) and all(map(_is_weight, v)))
                     or (_per_output(v) is not None and all(map(_is_weight, _per_output(v)))),
                     "must be a finite number, or a list or per-output object of them"),
    "metrics": (lambda v: v is None or (isinstance(v, list) and all(map(_is_metric_group, v)))
                or (_per_output(v) is not None and all(map(_is_metric_group, _per_output(v)))),
                "must be a list of metrics (names or records) or a per-output object of them"),
    "run_eagerly": (lambda v: v is None or isinstance(v, bool), "must be true or false"),
}
_CHECKS["weighted_metrics"] = _CHECKS["metrics"]


def check_compile_config(config, path):
    """Every argument in the forms ``compile_to_config`` writes (ModelFormatError, naming
    the argument and the value found, otherwise)."""
    if not isinstance(config, dict):
        raise ModelFormatError(path, "config.json: `compile_config` is not a JSON object.")
    for key, (valid, expected) in _CHECKS.items():
        value = config.get(key)
        if not valid(value):
            raise ModelFormatError(path, f"config.json: the saved compile argument `{key}` "
                                         f"{expected}; found {str(value)[:80]}.")
