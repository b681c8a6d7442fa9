"""Functional: a model defined by a graph of layer calls, ``Model(inputs, outputs)``.

At construction the graph is walked back from the outputs to the inputs once: the layers
are listed (Keras's order), and every layer call becomes a step of a precomputed plan that
reads its inputs from, and writes its outputs to, numbered slots. Running the model on data
is then one loop over the plan, with no graph work per call.

Beside this file: ``functional_graph`` (walking the graph, slot templates),
``functional_inputs`` (preparing the call's data) and ``functional_config`` (get_config /
from_config); the last two are mixins of Functional.
"""
import numpy as np

from gradiente.layers.input_layer import InputLayer
from gradiente.layers.layer import Layer
from gradiente.layers.node import KerasTensor
from gradiente.models.functional_config import FunctionalConfig, deserialize_layer
from gradiente.models.functional_graph import _map_graph, _Template
from gradiente.models.functional_inputs import FunctionalInputs
from gradiente.models.model import Model, default_model_name
from gradiente.utils.nest import flatten, map_structure, pack_like

# sequential.py imports deserialize_layer from here.
__all__ = ["Functional", "deserialize_layer", "inject_functional"]


class Functional(FunctionalConfig, FunctionalInputs, Model):
    """A model built from symbolic tensors: ``Model(inputs=input_, outputs=output)``.

    ``inputs``/``outputs``: one KerasTensor, a list of them, or a dict of them. A list of
    one is taken as the tensor itself (as tf.keras 2 does), so the model then takes and
    returns single arrays.
    """
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if name is None:
            # keras.Model(...) models are model, model_1, ...; a subclass is named after itself.
            name = default_model_name("model") if type(self) is Functional else None
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)

    # --- construction -----------------------------------------------------------------
    def _init_graph(self, inputs, outputs):
        inputs, outputs = _unwrap_single(inputs), _unwrap_single(outputs)
        _check_symbolic(inputs, "inputs", self.name)
        _check_symbolic(outputs, "outputs", self.name)
        self._input_structure = inputs
        self._output_structure = outputs
        self.inputs = flatten(inputs)
        self.outputs = flatten(outputs)
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError(f"Model '{self.name}': the same tensor appears twice in `inputs`.")

        order, layers, nodes_by_depth = _map_graph(self.inputs, self.outputs, self.name)
        names = [layer.name for layer in layers]
        if len(set(names)) != len(names):
            name = next(n for n in names if names.count(n) > 1)
            raise ValueError(
                f"Model '{self.name}': the name {name!r} is used by {names.count(name)} layers. "
                "All layer names in a model must be unique: pass a different `name=` to one of them."
            )
        self._layers = layers
        self._nodes_in_order = order
        self._network_nodes = {id(node) for node in order}
        self._nodes_by_depth = nodes_by_depth
        self._input_layers = [t._keras_history[0] for t in self.inputs]
        self.input_names = [t._keras_history[0].name for t in self.inputs]
        self.output_names = self._make_output_names()
        self._input_keys = sorted(inputs) if isinstance(inputs, dict) else self.input_names
        # Per-input checks done on every call: rank and the sizes the Input fixed.
        self._input_checks = [
            (len(t.shape), tuple((axis, size) for axis, size in enumerate(t.shape) if axis and size is not None))
            for t in self.inputs
        ]
        self._compile_plan(order)
        self._build_input_shape = map_structure(lambda t: t.shape, inputs)
        self._batch_input_shape = self.inputs[0].shape if len(self.inputs) == 1 else None
        self.built = True

    def _make_output_names(self):
        if isinstance(self._output_structure, dict):
            return sorted(self._output_structure)
        names = []
        for t in self.outputs:
            base = t._keras_history[0].name
            name, count = base, 1
            while name in names:  # a layer giving two outputs: dense, dense_1
                name, count = f"{base}_{count}", count + 1
            names.append(name)
        return names

    def _compile_plan(self, order):
        """One step per layer call: (layer, input slot or None, input template, args,
        kwargs, whether kwargs hold tensors, output slot, output slots)."""
        slots = {id(t): i for i, t in enumerate(self.inputs)}
        plan = []

        def slot_of(t):
            return slots[id(t)]

        for node in order:
            if node.is_input and isinstance(node.layer, InputLayer):
                continue
            call_inputs = node.call_inputs
            if isinstance(call_inputs, KerasTensor):
                in_slot, template = slot_of(call_inputs), None
            else:
                in_slot, template = None, _Template(call_inputs, slot_of)
            kwargs = dict(node.call_kwargs)
            args = tuple(kwargs.pop("_args", ()))
            tensor_kwargs = any(isinstance(v, KerasTensor) for v in flatten([args, kwargs]))
            if tensor_kwargs:
                args, kwargs = _Template(args, slot_of), _Template(kwargs, slot_of)
            out_slots = []
            for t in node.output_tensors:
                slots[id(t)] = len(slots)
                out_slots.append(slots[id(t)])
            single = isinstance(node.outputs, KerasTensor)
            plan.append((node.layer, in_slot, template, args, kwargs, tensor_kwargs,
                         out_slots[0] if single else None, None if single else out_slots))
        self._plan = plan
        self._n_slots = len(slots)
        self._output_slots = [slots[id(t)] for t in self.outputs]

    # --- running on data --------------------------------------------------------------
    def _convert_inputs(self, inputs):
        # Each input is converted to its own Input's dtype in ``call``.
        return inputs

    def call(self, inputs, training=None, mask=None):
        """Run the graph on real data: ``inputs`` as the model was defined (an array, a list
        or a dict of arrays/Tensors). Returns Tensors in the structure of ``outputs``."""
        flat = self._flatten_call_inputs(inputs)
        if mask is not None:
            for t, m in zip(flat, flatten(mask) if isinstance(mask, (list, tuple, dict)) else [mask]):
                if m is not None:
                    t._keras_mask = m
        return self._run(flat, training)

    def _run(self, flat_inputs, training):
        values = [None] * self._n_slots
        values[:len(flat_inputs)] = flat_inputs
        self._run_steps(values, self._plan, training)
        return self._pack_outputs(values)

    def _run_steps(self, values, plan, training):
        """Run ``plan`` (the model's plan or a part of it) on the slot ``values``, in place:
        fit runs a data-preprocessing prefix apart from the rest (``models.input_pipeline``)."""
        for layer, in_slot, template, args, kwargs, tensor_kwargs, out_slot, out_slots in plan:
            x = values[in_slot] if template is None else template.fill(values)
            if tensor_kwargs:
                args, kwargs = args.fill(values), kwargs.fill(values)
            if not kwargs and not args:  # the usual node: one input, no call arguments
                y = layer(x) if training is None else layer(x, training=training)
            else:
                if training is not None and "training" not in kwargs:
                    kwargs = {**kwargs, "training": training}
                y = layer(x, *args, **kwargs)
            if out_slots is None:
                values[out_slot] = y
            else:
                results = flatten(y)
                if len(results) != len(out_slots):
                    raise ValueError(
                        f"Layer '{layer.name}' returned {len(results)} outputs in model '{self.name}', "
                        f"but gave {len(out_slots)} when the model was built."
                    )
                for slot, value in zip(out_slots, results):
                    values[slot] = value

    def _pack_outputs(self, values):
        structure = self._output_structure
        if isinstance(structure, KerasTensor):
            return values[self._output_slots[0]]
        return pack_like(structure, [values[s] for s in self._output_slots])

    # --- used as a layer ----------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        shapes = _flatten_shapes(input_shape)
        if len(shapes) == len(self.inputs) and all(
            _compatible(s, t.shape) for s, t in zip(shapes, self.inputs)
        ):
            batch = {shape[0] for shape in shapes if shape}
            batch = batch.pop() if len(batch) == 1 else None
            out = [(batch,) + t.shape[1:] if t.shape and t.shape[0] is None else t.shape for t in self.outputs]
            return out[0] if len(out) == 1 else out
        return super().compute_output_shape(input_shape)

    def _symbolic_call(self, inputs, *args, **kwargs):
        outputs = super()._symbolic_call(inputs, *args, **kwargs)
        if isinstance(self._output_structure, (KerasTensor, list)):
            return outputs
        return pack_like(self._output_structure, flatten(outputs))

    def build(self, input_shape=None):
        """A Functional model is built when it is made; nothing to do."""
        self.built = True

    @property
    def layers(self):
        """All layers of the graph (InputLayers included), inputs first."""
        return list(self._layers)

    @property
    def input(self):
        return self._input_structure

    @property
    def output(self):
        return self._output_structure

    @property
    def input_shape(self):
        return map_structure(lambda t: t.shape, self._input_structure)

    @property
    def output_shape(self):
        return map_structure(lambda t: t.shape, self._output_structure)


def inject_functional(cls):
    """Put Functional in place of Model among the bases of the Model subclass ``cls`` (and
    of its Model ancestors), as Keras 3 does when a subclass is given inputs and outputs:
    the class then has both its own methods and the graph's."""
    if cls is Model:
        return Functional
    if not (isinstance(cls, type) and issubclass(cls, Model)) or issubclass(cls, Functional):
        return cls
    cls.__bases__ = tuple(inject_functional(base) for base in cls.__bases__)
    for key in [k for k in vars(cls) if k == "_call_args_cache" or k.endswith("_params_cache")]:
        delattr(cls, key)  # signatures cached from Model's methods no longer apply
    return cls


# --- small helpers -------------------------------------------------------------------------
def _unwrap_single(structure):
    if isinstance(structure, (list, tuple)) and len(structure) == 1 and isinstance(structure[0], KerasTensor):
        return structure[0]
    if isinstance(structure, tuple):
        return list(structure)
    return structure


def _check_symbolic(structure, what, model_name):
    leaves = flatten(structure)
    if not leaves:
        raise ValueError(f"Model '{model_name}': `{what}` is empty.")
    for i, t in enumerate(leaves):
        if isinstance(t, KerasTensor):
            continue
        if isinstance(t, Layer):
            hint = (f" It is the layer '{t.name}' itself: call it on a tensor first, "
                    f"e.g. {type(t).__name__}(...)(x).")
        else:
            hint = " Use tensors from keras.Input(...) and the layers called on them."
        raise TypeError(
            f"Model '{model_name}': `{what}` must be symbolic tensors, but element {i} is a "
            f"{type(t).__name__}.{hint}"
        )


def _is_shape(value):
    return isinstance(value, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in value)


def _flatten_shapes(shapes):
    """Shape tuples of a structure of shapes (``flatten`` would split the tuples)."""
    if _is_shape(shapes):
        return [shapes]
    if isinstance(shapes, dict):
        return [s for key in sorted(shapes) for s in _flatten_shapes(shapes[key])]
    return [s for item in shapes for s in _flatten_shapes(item)]


def _compatible(shape, expected):
    return len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape, expected))
