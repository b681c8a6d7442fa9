"""``keras.config``: the global settings, under the names Keras 3 gives them."""
from gradiente.backend import (
    backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format,
    set_stop_on_nonfinite_loss, stop_on_nonfinite_loss,
)

__all__ = ["backend", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx",
           "set_image_data_format", "enable_unsafe_deserialization", "stop_on_nonfinite_loss",
           "set_stop_on_nonfinite_loss"]


def enable_unsafe_deserialization():
    """Allow ``load_model`` to rebuild Lambda layers from saved bytecode (trusted files only)."""
    from gradiente.saving import enable_unsafe_deserialization as enable

    enable()
