"""Sequential: a plain stack of layers, each feeding the next.

Once the input shape is known (an ``Input`` first, a first layer given ``input_shape=``,
``build(input_shape)``, or the first call on data) the stack is built as a Functional graph,
one node per layer, and runs through Functional's precomputed plan.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiente.layers.input_layer import InputLayer
from gradiente.layers.layer import Layer
from gradiente.layers.name_scope import layer_scope
from gradiente.layers.node import KerasTensor
from gradiente.models.functional import Functional, deserialize_layer
from gradiente.models.model import Model, _NOT_BUILT_HINT, _as_shapes
from gradiente.utils.nest import flatten

if TYPE_CHECKING:
    from collections.abc import Sequence


class Sequential(Functional):
    """``Sequential([Flatten(input_shape=[28, 28]), Dense(300, activation="relu"), ...])``.

    ``layers`` lists the added layers (not the InputLayer); ``add`` and ``pop`` change the
    stack. Without an input shape the model is built on its first call.
    """

    def __init__(self, layers: Sequence[Layer | KerasTensor] | Layer | None = None, name: str | None = None,
                 trainable: bool = True, **kwargs: Any) -> None:
        # Functional.__init__ needs a graph; a Sequential may not have one yet.
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._input_layer = None
        self._auto_input = False   # True when made from the first layer's input_shape
        self._chain = None         # symbolic tensors [input, output of layer 1, ...]
        self._reset_graph()
        if layers is not None:
            if isinstance(layers, Layer) or not hasattr(layers, "__iter__"):
                layers = [layers]
            for layer in layers:
                self.add(layer)

    def _reset_graph(self):
        self.built = False
        self.inputs = None
        self.outputs = None
        self._plan = None
        self._nodes_in_order = []
        self._network_nodes = set()
        self._nodes_by_depth = {}
        self.input_names = []
        self.output_names = []

    @property
    def layers(self):
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    # --- changing the stack -------------------------------------------------------------
    def add(self, layer: Layer | KerasTensor) -> None:
        """Append ``layer`` (or start the model with an ``Input(...)`` tensor/InputLayer)."""
        if isinstance(layer, KerasTensor):
            origin = layer._keras_history[0] if layer._keras_history else None
            if not isinstance(origin, InputLayer):
                raise TypeError(
                    f"Sequential '{self.name}'.add() accepts layers and keras.Input(...) tensors; "
                    "the tensor given comes from a layer call. Use the Functional API for graphs."
                )
            layer = origin
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential '{self.name}'.add() expects a Layer instance, but received {layer!r} "
                f"of type {type(layer).__name__}."
                + (" Did you pass the class instead of an instance? Add parentheses: "
                   f"{layer.__name__}(...)." if isinstance(layer, type) else "")
            )
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError(
                    f"Sequential '{self.name}': an Input can only be the first layer, but the model "
                    f"already has layers {[l.name for l in self._layers]}."
                )
            self._layers.append(layer)
            self._input_layer = layer
            self._chain = [layer._inbound_nodes[0].outputs]
            return
        for existing in self._layers:
            if existing.name == layer.name:
                raise ValueError(
                    f"All layers added to a Sequential model should have unique names. Name "
                    f"'{layer.name}' is already the name of a layer in model '{self.name}'."
                )
        if self._chain is None and not self.layers and getattr(layer, "_batch_input_shape", None) is not None:
            self._make_input(layer._batch_input_shape, _input_dtype(layer), first=layer)
            self._auto_input = True
        if self._chain is not None:
            output = self._call_in_chain(layer, self._chain[-1])
            self._layers.append(layer)
            self._chain.append(output)
            self._init_graph(self._chain[0], self._chain[-1])
        else:
            self._layers.append(layer)

    def pop(self):
        """Remove the last layer."""
        if not self.layers:
            raise TypeError(f"Sequential '{self.name}'.pop(): there are no layers in the model.")
        layer = self._layers.pop()
        if self._chain is not None and len(self._chain) > 1:
            self._chain.pop()
            if len(self._chain) > 1:
                self._init_graph(self._chain[0], self._chain[-1])
                return layer
        self._reset_graph()
        if not self.layers and self._auto_input:
            self._layers, self._input_layer, self._chain, self._auto_input = [], None, None, False
        return layer

    def _make_input(self, batch_shape, dtype, first):
        layer = InputLayer(batch_shape=tuple(batch_shape), dtype=dtype, name=f"{first.name}_input")
        self._layers.insert(0, layer)
        self._input_layer = layer
        self._chain = [layer._inbound_nodes[0].outputs]

    def _call_in_chain(self, layer, tensor):
        with layer_scope(self):  # Keras 3 builds the layers under the model: sequential/dense/kernel
            output = layer(tensor)
        if not isinstance(output, KerasTensor):
            raise ValueError(
                f"All layers in a Sequential model should have a single output tensor, but layer "
                f"'{layer.name}' returns {len(flatten(output))}. For multi-output layers, use the "
                "Functional API: keras.Model(inputs, outputs)."
            )
        return output

    # --- building --------------------------------------------------------------------------
    def build(self, input_shape=None):
        """Build the graph for inputs of ``input_shape`` (batch axis first, e.g. (None, 8))."""
        if self.built:
            return
        if input_shape is None:
            if self._chain is not None and self.layers:
                self._build_chain()
                return
            raise ValueError(f"Sequential '{self.name}'.build() needs an `input_shape`, e.g. (None, 8).")
        shape = _as_shapes(input_shape)
        if not isinstance(shape, tuple):
            raise ValueError(
                f"Sequential '{self.name}' takes one input, but build() received the shapes {input_shape}."
            )
        if not self.layers:
            raise ValueError(f"Sequential '{self.name}' has no layers to build: add some first.")
        first = self.layers[0]
        self._build_chain(shape, _input_dtype(first))

    def _build_chain(self, batch_shape=None, dtype=None):
        """Call every layer on the symbolic input, making the InputLayer first when there is
        none yet; if a layer refuses the shape, that new InputLayer is removed again."""
        made_input = self._chain is None
        if made_input:
            self._make_input(batch_shape, dtype, first=self.layers[0])
        try:
            self._connect_layers()
        except BaseException:
            if made_input:
                self._layers.remove(self._input_layer)
                self._input_layer, self._chain = None, None
            raise

    def _connect_layers(self):
        layers = self.layers
        outputs = [self._chain[0]]
        for layer in layers:
            outputs.append(self._call_in_chain(layer, outputs[-1]))
        self._chain = outputs
        self._init_graph(outputs[0], outputs[-1])

    def _first_call(self, inputs, args, kwargs):
        if not self.layers:
            raise ValueError(f"Sequential '{self.name}' has no layers: add layers before calling it.")
        flat = flatten(Model._convert_inputs(self, inputs))
        if len(flat) != 1:
            raise ValueError(
                f"Sequential '{self.name}' takes one input, but it was called on {len(flat)}. "
                "Use the Functional API (keras.Model(inputs, outputs)) for several inputs."
            )
        first = self.layers[0]
        data = flat[0]
        dtype = data.dtype if first.keeps_integer_inputs and data.dtype.kind in "iu" else _input_dtype(first)
        if data.dtype.kind in "USO":  # strings into TextVectorization, say: a string Input
            dtype = "string"
        self._build_chain((None,) + tuple(data.shape[1:]), dtype)
        # The shape came from data, not from a declared Input: as in Keras, later calls may
        # differ in any axis but the rank (sequences of another length, say); the layers
        # still check what they need.
        self._input_checks = [(rank, ()) for rank, _ in self._input_checks]
        return self.call(inputs, *args, **kwargs)

    def call(self, inputs, training=None, mask=None):
        if not self.built:
            raise ValueError(f'Sequential "{self.name}" has not been built yet. ' + _NOT_BUILT_HINT)
        return super().call(inputs, training=training, mask=mask)

    def _not_built_message(self):
        if not self.layers:
            return f'Model "{self.name}" has no layers yet: add layers, then build it. ' + _NOT_BUILT_HINT
        return super()._not_built_message()

    # --- shapes and tensors ------------------------------------------------------------
    def _require_built(self, what):
        if not self.built:
            raise AttributeError(
                f"Sequential '{self.name}' has not been built yet, so it has no {what}. " + _NOT_BUILT_HINT
            )

    @property
    def input(self):
        self._require_built("input")
        return super().input

    @property
    def output(self):
        self._require_built("output")
        return super().output

    @property
    def input_shape(self):
        self._require_built("input_shape")
        return super().input_shape

    @property
    def output_shape(self):
        self._require_built("output_shape")
        return super().output_shape

    def compute_output_shape(self, input_shape):
        if not self.built:
            self.build(input_shape)
        return super().compute_output_shape(input_shape)

    # --- config -----------------------------------------------------------------------
    def get_config(self):
        """``{"name", "trainable", "layers": [{"module", "class_name", "config",
        "registered_name"}, ...]}``, InputLayer first if known."""
        from gradiente.saving.serialization_lib import layer_entry

        return {"name": self.name, "trainable": self.trainable,
                "layers": [layer_entry(layer) for layer in self._layers]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        model = cls(name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(deserialize_layer(layer_config, custom_objects))
        if config.get("trainable") is False:  # True must not unfreeze layers frozen one by one
            model.trainable = False
        return model


def _input_dtype(layer):
    """The dtype of the InputLayer a Sequential makes for its first layer."""
    if isinstance(layer, Functional) and layer.inputs:
        return layer.inputs[0].dtype
    if layer.keeps_integer_inputs and not isinstance(layer, Model):
        return "int32"
    return layer.dtype
