"""Lambda: a Python function used as a layer (no weights)."""
import base64
import builtins
import inspect
import marshal
import sys
import types

import numpy as np

from gradiente.layers.layer import Layer


class Lambda(Layer):
    """``Lambda(lambda x: x ** 2)``: applies ``function(inputs, **arguments)``.

    Saving: a function registered with ``register_keras_serializable`` (or a built-in
    activation) is saved by name; any other function is saved as Python bytecode, which
    ``load_model`` refuses unless ``safe_mode=False`` (it would run code from the file).
    ``output_shape``: the output shape without the batch axis (a tuple, or a list of
    them for several outputs; the batch axis is that of the first input), or a function of
    the input shape(s) returning full shapes; by default it is found by running the
    function. A function that takes ``mask`` or ``training`` receives them, as in Keras.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, received {function!r}.")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):  # some builtins have no signature
            params = {}
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return _as_shapes(self._output_shape(input_shape), self.name)
        batch = _first_axis(input_shape)
        return _map_shapes(lambda shape: (batch,) + shape, _as_shapes(self._output_shape, self.name))

    def get_config(self):
        from gradiente.saving.serialization import NotSerializable, serialize_keras_object

        try:
            function = serialize_keras_object(self.function)
        except NotSerializable:
            function = _code_config(self.function, self.name)
        config = super().get_config()
        config.update(function=function, arguments=_plain(self.arguments, self.name),
                      output_shape=None if callable(self._output_shape) else
                      (list(self._output_shape) if self._output_shape is not None else None))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from gradiente.saving.model_config import lambda_refusal, unsafe_deserialization_allowed
        from gradiente.saving.serialization import _deserialize_function

        config = dict(config)
        function = config.pop("function")
        if isinstance(function, dict) and function.get("class_name") == "__lambda__":
            if not unsafe_deserialization_allowed():
                raise ValueError("Cannot rebuild: " + lambda_refusal(config.get("name")))
            function = _function_from_code(function.get("config", {}))
        elif isinstance(function, dict):
            function = _deserialize_function(function, custom_objects, "<Lambda config>")
        return cls(function, **config)


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in value)


def _as_shapes(value, name):
    """A shape as a tuple, or a list of shapes (several outputs) as a list of tuples."""
    if _is_shape(value):
        return tuple(None if d is None else int(d) for d in value)
    if isinstance(value, (tuple, list)) and value and all(_is_shape(v) for v in value):
        return [tuple(None if d is None else int(d) for d in v) for v in value]
    raise ValueError(
        f"Lambda layer '{name}': `output_shape` must be a shape such as (8,), a list of shapes "
        f"(one per output), or a function returning one; received {value!r}."
    )


def _map_shapes(fn, shapes):
    return [fn(s) for s in shapes] if isinstance(shapes, list) else fn(shapes)


def _first_axis(input_shape):
    """The batch size of the first input: the first entry of the first shape."""
    while isinstance(input_shape, (list, tuple, dict)) and input_shape and not _is_shape(input_shape):
        input_shape = input_shape[sorted(input_shape)[0]] if isinstance(input_shape, dict) else input_shape[0]
    return input_shape[0] if isinstance(input_shape, (list, tuple)) and input_shape else None


def _code_config(function, name):
    code = getattr(function, "__code__", None)
    if code is None or function.__closure__:
        raise ValueError(
            f"Lambda layer '{name}' cannot be saved: its function "
            f"{getattr(function, '__name__', function)!r} uses variables from an enclosing scope. "
            "Pass them with `arguments={...}`, or register the function with "
            "@keras.saving.register_keras_serializable()."
        )
    return {"class_name": "__lambda__", "config": {
        "code": base64.b64encode(marshal.dumps(code)).decode("ascii"),
        "defaults": _plain(function.__defaults__ or (), name),
        "python_version": list(sys.version_info[:2]),
    }}


def _function_from_code(config):
    if list(config.get("python_version", [])) != list(sys.version_info[:2]):
        raise ValueError(
            f"This Lambda's bytecode was written by Python {config.get('python_version')}; it cannot "
            f"run on Python {sys.version_info[0]}.{sys.version_info[1]}. Rebuild the layer in code."
        )
    import gradiente

    code = marshal.loads(base64.b64decode(config["code"]))
    scope = {"__builtins__": builtins, "keras": gradiente, "ops": gradiente.ops, "np": np,
             "numpy": np}
    return types.FunctionType(code, scope, None, tuple(config.get("defaults") or ()))


def _plain(value, name):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v, name) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, name) for k, v in value.items()}
    raise ValueError(f"Lambda layer '{name}': cannot save the value {value!r}; use numbers, "
                     "strings, lists or dicts in `arguments`.")
