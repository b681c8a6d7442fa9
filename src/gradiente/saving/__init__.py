"""``gradiente.saving``: ``.keras`` archives, weights files, JSON architectures, Keras 3's
object serialization and the registry of custom objects. Saving is atomic; loading never
unpickles, never evaluates strings and never imports modules named in a file."""
from gradiente.saving.api import (
    load_model, load_weights, model_from_json, model_to_json, save_model, save_weights,
)
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.model_config import model_from_config, model_to_config
from gradiente.saving.registry import (
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable,
)
from gradiente.saving.safe_mode import enable_unsafe_deserialization
from gradiente.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = [
    "save_model", "load_model", "save_weights", "load_weights", "model_to_json",
    "model_from_json", "model_to_config", "model_from_config", "ModelFormatError",
    "register_keras_serializable", "get_registered_name", "get_registered_object",
    "get_custom_objects", "custom_object_scope", "CustomObjectScope", "serialize_keras_object",
    "deserialize_keras_object", "enable_unsafe_deserialization",
]
