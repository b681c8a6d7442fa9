"""Model: a Layer that can be trained, summarised and looked into.

Three ways to make one, as in Keras::

    model = Sequential([Dense(30, activation="relu"), Dense(1)])      # a chain
    model = Model(inputs=input_, outputs=output)                        # a graph (Functional)
    class WideAndDeep(Model):                                           # a subclass
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = Dense(30, activation="relu")
        def call(self, inputs):
            return self.hidden(inputs)

``Model(inputs, outputs)`` returns a ``Functional``: ``Model.__new__`` picks that class
when it is given inputs and outputs. A subclass given them (``CustomModel(inputs,
outputs)``) is made a Functional subclass by ``Model.__init__``, as Keras 3 does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradiente import replica_context
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import Layer, _call_signature, map_shapes
from gradiente.layers.masks import has_mask, masks_like
from gradiente.layers.name_scope import layer_scope
from gradiente.layers.node import is_symbolic
from gradiente.models.trainer import Trainer
from gradiente.utils import naming
from gradiente.utils.nest import map_structure

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Sequence

_NOT_BUILT_HINT = (
    "Build it by calling it on data (model(x) or model.fit(...)), by calling "
    "model.build(input_shape) with the batch axis first, e.g. model.build((None, 8)), "
    "or by starting the model with keras.Input(shape) / giving its first layer an "
    "`input_shape=` argument."
)


class Model(Trainer, Layer):
    """Base of every model: a layer with ``compile``/``fit``/``evaluate``/``predict``,
    ``summary``, ``layers`` and ``get_layer``.

    Subclasses define ``call(self, inputs, training=None)``; their weights are the weights
    of the layers stored as attributes (also inside lists and dicts).
    """

    # Integer data (token ids) must reach an Embedding as integers: a model converts NumPy
    # data to Tensors but leaves the casting to its layers.
    keeps_integer_inputs = True

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from gradiente.models.functional import Functional

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        if _functional_arguments(args, kwargs):
            # A subclass given a graph (CustomModel(inputs, outputs)) becomes a Functional
            # subclass too, keeping its own methods (train_step, ...), as in Keras 3.
            from gradiente.models.functional import Functional, inject_functional

            if not isinstance(self, Functional):
                inject_functional(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__ received {len(args)} positional argument(s) and "
                f"keywords {sorted(kwargs)}: a model is built either from a graph, "
                "Model(inputs, outputs) (both given), or by a subclass that defines `call` and "
                "calls `super().__init__(**kwargs)` with only name/trainable/dtype."
            )
        self._layers = []  # first, so that weights are listed in layer order
        super().__init__(**kwargs)
        self.stop_training = False
        self.optimizer = None

    # --- calling ----------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        """Symbolic inputs record a node (the model used as a layer); arrays run eagerly."""
        if is_symbolic(inputs):
            return self._symbolic_call(inputs, *args, **kwargs)
        try:
            built = self.built
        except AttributeError:
            raise RuntimeError(
                f"{type(self).__name__} was used before `Model.__init__` ran: start your "
                "`__init__` with `super().__init__(**kwargs)`."
            ) from None
        inputs = self._convert_inputs(inputs)
        wants_training, wants_mask = _call_signature(type(self))
        if not wants_training:
            kwargs.pop("training", None)
        if not wants_mask:
            kwargs.pop("mask", None)
        elif kwargs.get("mask") is None:
            # As for a layer: a `call(..., mask=None)` receives its inputs' masks.
            mask = masks_like(inputs)
            if has_mask(mask):
                kwargs["mask"] = mask
        if self._added_losses:
            self._added_losses = []  # as a layer's call: losses the previous call added are stale
        if built:
            return self.call(inputs, *args, **kwargs)
        return self._first_call(inputs, args, kwargs)

    def _first_call(self, inputs, args, kwargs):
        shapes = map_structure(lambda t: None if t is None else tuple(t.shape), inputs)
        if type(self).build is not Model.build:  # a subclass that creates state in build()
            self._maybe_build(shapes)
        with layer_scope(self):  # layers built by the first call carry the model's path (Keras 3)
            outputs = self.call(inputs, *args, **kwargs)
        self._build_input_shape = shapes
        self.built = True
        return outputs

    def _convert_inputs(self, inputs):
        """NumPy data (arrays, lists, pandas) to Tensors; Tensors pass unchanged so that a
        GradientTape watching them sees the model's computation."""
        if isinstance(inputs, Tensor) or inputs is None:
            return inputs
        if isinstance(inputs, np.ndarray):
            if inputs.dtype.kind == "f" and inputs.dtype != self._dtype:
                inputs = inputs.astype(self._dtype)
            return Tensor(inputs)
        return super()._convert_inputs(inputs)

    def call(self, inputs, training=None, mask=None):
        """The model's computation on Tensors: subclasses must define it."""
        raise NotImplementedError(
            f"Model '{self.name}' ({type(self).__name__}) has no `call` method: a subclass of "
            "keras.Model must define `call(self, inputs)`, or build the model with "
            "keras.Model(inputs, outputs) or keras.Sequential([...])."
        )

    def build(self, input_shape):
        """Create the weights of a subclassed model by running it once on zeros of
        ``input_shape`` (unknown axes, such as the batch axis, taken as 1)."""
        if input_shape is None:
            raise ValueError(f"Model '{self.name}'.build() needs an input shape, e.g. (None, 8).")
        zeros = map_shapes(lambda s: np.zeros(tuple(1 if d is None else d for d in s), dtype=self._dtype),
                           _as_shapes(input_shape))
        self.built = True  # so that the call below does not try to build again
        try:
            self.call(self._convert_inputs(zeros), **self._call_kwargs(False, None))
        except BaseException:
            self.built = False
            raise
        self._build_input_shape = _as_shapes(input_shape)

    # --- structure --------------------------------------------------------------------
    @property
    def layers(self):
        """The model's layers: for a subclassed model, those stored as its attributes."""
        return self._sublayers()

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or the one at position ``index`` of ``model.layers``."""
        if name is not None and index is not None:
            raise ValueError(
                f"get_layer() of model '{self.name}': give either `name` or `index`, not both "
                f"(received name={name!r}, index={index!r})."
            )
        layers = self.layers
        if index is not None:
            if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
                raise TypeError(f"get_layer(): `index` must be an integer, received {index!r}.")
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer(): asked for the layer at index {index}, but model '{self.name}' "
                    f"has only {len(layers)} layer(s)."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"get_layer(): model '{self.name}' has no layer named {name!r}. "
                f"Its layers are: {[layer.name for layer in layers]}."
            )
        raise ValueError("get_layer() needs a layer `name=` or `index=`.")

    def summary(self, line_length: int | None = None, positions: Sequence[float] | None = None,
                print_fn: Callable[..., Any] | None = None, expand_nested: bool = False,
                show_trainable: bool = False) -> None:
        """Print the table of layers, output shapes and parameter counts (tf.keras 2 layout).

        ``print_fn`` (default ``print``) is called once per line.
        """
        from gradiente.models.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def _repr_html_(self):
        """The summary table, for a notebook's rich display of ``model``."""
        from gradiente.models.summary_html import summary_html

        return summary_html(self)

    def _not_built_message(self):
        return (f'Model "{self.name}" has not been built yet, so its layers and shapes are '
                "unknown. " + _NOT_BUILT_HINT)

    # --- saving (gradiente.saving does the work) ----------------------------------------
    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from ``get_config()``: a graph config (``layers``, ``input_layers``,
        ``output_layers``) gives a Functional, as ``keras.Model.from_config`` does."""
        from gradiente.models.functional import Functional

        if cls is Model and isinstance(config, dict) and {"layers", "input_layers", "output_layers"} <= set(config):
            return Functional.from_config(config, custom_objects=custom_objects)
        return cls(**config)

    def __reduce__(self):
        # Keras 3 pickles a model as its .keras archive; copy.deepcopy goes through here too.
        from gradiente.saving.pickling import reduce_model

        return reduce_model(self)

    def save(self, filepath: str | os.PathLike[str], overwrite: bool = True, include_optimizer: bool = True,
             keras_compatible: bool = False) -> None:
        """Write the whole model (``.keras``): architecture, weights, compile arguments and
        optimizer state, atomically. In a data-parallel run only process 0 writes.
        ``keras_compatible=True``: Keras 3's own archive (needs h5py), which Keras loads."""
        from gradiente.saving import save_model

        if not replica_context.is_writer():
            return  # the replicas are identical: one file, written once
        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                   keras_compatible=keras_compatible)

    def save_weights(self, filepath: str | os.PathLike[str], overwrite: bool = True) -> None:
        """Write ``self.weights`` to ``filepath`` (``.weights.npz``), atomically; in a
        data-parallel run only process 0 writes."""
        from gradiente.saving import save_weights

        if not replica_context.is_writer():
            return
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str | os.PathLike[str], skip_mismatch: bool = False) -> None:
        """Set the weights from ``save_weights``'s file (or a ``.keras`` file), by order."""
        from gradiente.saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        """The architecture as a JSON string (``keras.models.model_from_json`` reads it)."""
        from gradiente.saving import model_to_json

        return model_to_json(self, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
        """Write the inference graph for serving, as Keras 3's ``Model.export``. Only
        ``format="onnx"`` can be written (``opset_version=`` optional); Keras's default
        "tf_saved_model" and its other formats need TensorFlow or PyTorch and are refused."""
        from gradiente.export import export_model

        export_model(self, filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs)


def _functional_arguments(args, kwargs):
    """Whether a Model is being given a graph: (inputs, outputs) by position or by name."""
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _as_shapes(input_shape):
    """A shape given as a list (``[None, 8]``) becomes a tuple; lists of shapes stay lists."""
    if isinstance(input_shape, dict):
        return {k: _as_shapes(v) for k, v in input_shape.items()}
    if not isinstance(input_shape, (list, tuple)):
        raise ValueError(
            f"Expected an input shape with the batch axis first, such as (None, 8); received {input_shape!r}."
        )
    if all(d is None or isinstance(d, (int, np.integer)) for d in input_shape):
        return tuple(None if d is None else int(d) for d in input_shape)
    return [_as_shapes(s) for s in input_shape]


def default_model_name(base):
    """tf.keras 2 names: ``model``, ``model_1``, ... and ``sequential``, ``sequential_1``, ..."""
    return naming.uniquify(base)
