"""Functional: a model defined by a graph of layer calls, ``Model(inputs, outputs)``.

At construction the graph is walked back from the outputs to the inputs once: the layers
are listed (Keras's order), and every layer call becomes a step of a precomputed plan that
reads its inputs from, and writes its outputs to, numbered slots. Running the model on data
is then one loop over the plan, with no graph work per call.
"""
import warnings

import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.layers.input_layer import InputLayer
from gradiente.layers.layer import Layer, _is_numeric_nested
from gradiente.layers.node import KerasTensor
from gradiente.models.model import Model, default_model_name
from gradiente.utils.nest import flatten, map_structure, pack_like


class Functional(Model):
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
        for layer, in_slot, template, args, kwargs, tensor_kwargs, out_slot, out_slots in self._plan:
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
        structure = self._output_structure
        if isinstance(structure, KerasTensor):
            return values[self._output_slots[0]]
        return pack_like(structure, [values[s] for s in self._output_slots])

    def _flatten_call_inputs(self, inputs):
        """The call's data as a flat list of Tensors, one per model input, in ``inputs`` order."""
        n = len(self.inputs)
        if n == 1 and isinstance(inputs, (np.ndarray, Tensor)):
            return [self._prepare_input(0, inputs)]
        if isinstance(inputs, dict):
            missing = [k for k in self._input_keys if k not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' was called on a dict without the key(s) {missing}: it "
                    f"expects the keys {self._input_keys}."
                )
            extra = sorted(set(inputs) - set(self._input_keys))
            if extra:
                warnings.warn(
                    f"Model '{self.name}' ignores the input key(s) {extra}: it expects {self._input_keys}.",
                    UserWarning, stacklevel=4,
                )
            flat = [inputs[k] for k in self._input_keys]
        elif isinstance(inputs, (list, tuple)) and inputs and not _is_numeric_nested(inputs):
            flat = flatten(inputs)
            if n == 1 and len(flat) != 1:
                raise self._count_error(len(flat))
        else:
            flat = [inputs]
        if len(flat) != n:
            raise self._count_error(len(flat))
        return [self._prepare_input(i, x) for i, x in enumerate(flat)]

    def _count_error(self, received):
        return ValueError(
            f"Model '{self.name}' expects {len(self.inputs)} input(s) ({', '.join(self.input_names)}), "
            f"but it was called on {received} input(s). Pass "
            + ("one array." if len(self.inputs) == 1 else
               f"a list of {len(self.inputs)} arrays in this order, or a dict keyed by input name.")
        )

    def _prepare_input(self, i, x):
        if not isinstance(x, Tensor):
            dtype = self.inputs[i].dtype
            arr = x if isinstance(x, np.ndarray) else np.asarray(getattr(x, "values", x))  # pandas: .values
            if arr.dtype == object:
                raise TypeError(
                    f"Model '{self.name}': input {i} ({self.input_names[i]}) must be a numeric "
                    f"array, received {type(x).__name__}."
                )
            # Integer data stays integer for a float Input (an Embedding wants it so);
            # float data takes the Input's dtype.
            if arr.dtype != dtype and (dtype.kind != "f" or arr.dtype.kind in "fb"):
                arr = arr.astype(dtype)
            x = Tensor(arr)
        shape = x.shape
        rank, fixed = self._input_checks[i]
        if len(shape) != rank or any(shape[axis] != size for axis, size in fixed):
            expected = self.inputs[i].shape
            hint = ""
            if len(shape) == rank - 1 and tuple(shape) == tuple(expected[1:]):
                hint = " It looks like one sample without the batch axis: use x[None, ...] (or x.reshape(1, ...))."
            elif len(shape) == rank - 1 and expected[-1] == 1:
                hint = " Add the feature axis: x.reshape(-1, 1)."
            elif len(shape) > rank == 2 and expected[1] == int(np.prod(shape[1:])):
                hint = (f" Each sample is an array of shape {tuple(shape[1:])}: add a Flatten layer first "
                        f"(keras.layers.Flatten(input_shape={list(shape[1:])})), or flatten the data "
                        "with x.reshape(len(x), -1).")
            raise ValueError(
                f"Model '{self.name}': input {i} ('{self.input_names[i]}') expects data of shape "
                f"{expected} (None: any size), but received shape {tuple(shape)}.{hint}"
            )
        return x

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

    # --- config ---------------------------------------------------------------------------
    def get_config(self):
        """The graph as Keras writes it: each layer's config with its inbound connections
        ``[layer_name, node_index, tensor_index, call_kwargs]``, and the model's input and
        output coordinates. Node indices count only the calls that belong to this model."""
        node_index = {}
        for layer in self._layers:
            kept = [n for n in layer._inbound_nodes if id(n) in self._network_nodes]
            for k, node in enumerate(kept):
                node_index[id(node)] = k

        def coordinates(t):
            layer, index, tensor_index = t._keras_history
            node = layer._inbound_nodes[index]
            if id(node) not in node_index:
                raise ValueError(
                    f"Model '{self.name}' cannot be serialized: tensor {t} comes from layer "
                    f"'{layer.name}', which is not part of the model (use keras.Input tensors as inputs)."
                )
            return [layer.name, node_index[id(node)], tensor_index]

        from gradiente.saving.serialization_lib import layer_entry

        layer_configs = []
        for layer in self._layers:
            inbound = []
            for node in layer._inbound_nodes:
                if id(node) in self._network_nodes and not node.is_input:
                    inbound.append(_serialize_node(node, coordinates, layer))
            layer_configs.append({**layer_entry(layer), "name": layer.name, "inbound_nodes": inbound})

        def wrap(structure):
            packed = map_structure(coordinates, structure)
            return [packed] if isinstance(structure, KerasTensor) else packed

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": wrap(self._input_structure),
            "output_layers": wrap(self._output_structure),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the graph from ``get_config()``: new layers (new weights), same wiring."""
        created = {}
        node_outputs = {}  # (layer name, node index in the config) -> that call's outputs
        pending = []
        for layer_config in config["layers"]:
            layer = deserialize_layer(layer_config, custom_objects)
            created[layer_config["name"]] = layer
            if isinstance(layer, InputLayer):
                node_outputs[(layer.name, 0)] = layer._inbound_nodes[0].outputs
            else:
                pending.append([layer, layer_config["inbound_nodes"], 0])

        def tensor(ref):
            name, index, tensor_index = ref[0], ref[1], ref[2]
            return flatten(node_outputs[(name, index)])[tensor_index]

        def ready(node_data):
            return all((ref[0], ref[1]) in node_outputs for ref in _refs(node_data))

        # A shared layer may be called on tensors of layers listed after it: repeat passes
        # until every call is made, each layer's calls in their recorded order.
        while pending:
            progressed = False
            for entry in pending:
                layer, nodes, k = entry
                while k < len(nodes) and ready(nodes[k]):
                    inputs, args, kwargs = _deserialize_node(nodes[k], tensor)
                    node_outputs[(layer.name, k)] = layer(inputs, *args, **kwargs)
                    k += 1
                    progressed = True
                entry[2] = k
            pending = [e for e in pending if e[2] < len(e[1])]
            if pending and not progressed:
                names = [e[0].name for e in pending]
                raise ValueError(f"Model config is inconsistent: cannot connect the layer(s) {names}.")

        inputs = _unwrap_refs(config["input_layers"], tensor)
        outputs = _unwrap_refs(config["output_layers"], tensor)
        model = cls(inputs=inputs, outputs=outputs, name=config.get("name"))
        if config.get("trainable") is False:  # True must not unfreeze layers frozen one by one
            model.trainable = False
        return model


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


# --- graph walking ----------------------------------------------------------------------
def _map_graph(inputs, outputs, model_name):
    """Nodes between ``inputs`` and ``outputs`` and the model's layers.

    Returns (nodes in an executable order, layers in Keras's order, {depth: nodes}). As in
    Keras, depth 0 is at the outputs; layers are listed deepest first, ties broken by the
    order in which the walk from the outputs met them.
    """
    input_ids = {id(t) for t in inputs}
    finished, order, layer_index = set(), [], {}

    def producer(t, consumer):
        """The node to visit for tensor ``t`` (None when there is nothing to visit)."""
        history = t._keras_history
        if history is None:
            raise ValueError(
                f"Model '{model_name}': tensor {t} was not made by a layer: build models from "
                "keras.Input(...) tensors and layer calls."
            )
        layer, node_index, _ = history
        node = layer._inbound_nodes[node_index]
        if id(node) in finished:
            return None
        if id(t) in input_ids:
            if not node.is_input:
                return None  # an intermediate tensor used as a model input: a source
        elif node.is_input:
            needed_by = f"layer '{consumer.name}' needs" if consumer is not None else "an output is"
            raise ValueError(
                f"Graph disconnected: model '{model_name}' cannot compute its outputs from its "
                f"inputs: {needed_by} the Input '{layer.name}' (shape {t.shape}), which is not "
                f"among the model's inputs {[i._keras_history[0].name for i in inputs]}. Add "
                f"'{layer.name}' to `inputs=` of keras.Model(...)."
            )
        layer_index.setdefault(id(layer), (len(layer_index), layer))
        return node

    for out in outputs:
        start = producer(out, None)
        if start is None:
            continue
        stack = [(start, iter(_node_dependencies(start)))]
        while stack:
            node, pending = stack[-1]
            for t in pending:
                child = producer(t, node.layer)
                if child is not None:
                    stack.append((child, iter(_node_dependencies(child))))
                    break
            else:
                stack.pop()
                if id(node) not in finished:
                    finished.add(id(node))
                    order.append(node)

    # Inputs no output depends on still belong to the model (Keras allows them).
    for t in inputs:
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if node.is_input and id(node) not in finished:
            finished.add(id(node))
            order.insert(0, node)
            layer_index.setdefault(id(layer), (-1, layer))

    node_depth, layer_depth = {}, {}
    for node in reversed(order):
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for t in _node_dependencies(node):
            parent = t.node
            if id(parent) in finished:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    nodes_by_depth = {}
    for node in order:
        nodes_by_depth.setdefault(node_depth[id(node)], []).append(node)
    ranked = sorted(layer_index.values(), key=lambda item: (-layer_depth[id(item[1])], item[0]))
    return order, [layer for _, layer in ranked], nodes_by_depth


def _node_dependencies(node):
    """Every KerasTensor a call used: its inputs, then tensors passed as arguments."""
    return node.input_tensors


class _Template:
    """A structure (tensor, list, dict) whose KerasTensor leaves are read from slots."""

    __slots__ = ("structure", "leaves")

    def __init__(self, structure, slot_of):
        self.structure = structure
        self.leaves = [(slot_of(x), None) if isinstance(x, KerasTensor) else (None, x) for x in flatten(structure)]

    def fill(self, values):
        return pack_like(self.structure, [c if s is None else values[s] for s, c in self.leaves])


# --- config helpers ----------------------------------------------------------------------
def _serialize_node(node, coordinates, layer):
    kwargs = {}
    for key, value in node.call_kwargs.items():
        kwargs[key] = map_structure(
            lambda v: {"__keras_tensor__": coordinates(v)} if isinstance(v, KerasTensor) else v, value
        )

    def ref(t):
        if not isinstance(t, KerasTensor):
            raise ValueError(
                f"Layer '{layer.name}' was called on a mix of tensors and constants ({t!r}); "
                "such a model cannot be serialized."
            )
        return coordinates(t) + [kwargs]

    data = map_structure(ref, node.call_inputs)
    return [data] if isinstance(node.call_inputs, KerasTensor) else data


def _is_ref(value):
    return (isinstance(value, list) and len(value) in (3, 4)
            and isinstance(value[0], str) and isinstance(value[1], int))


def _refs(data):
    if _is_ref(data):
        return [data]
    if isinstance(data, dict):
        items = list(data.values())
    else:
        items = list(data)
    out = []
    for item in items:
        out.extend(_refs(item))
    return out


def _rebuild(data, tensor):
    if _is_ref(data):
        return tensor(data)
    if isinstance(data, dict):
        return {k: _rebuild(v, tensor) for k, v in data.items()}
    return [_rebuild(v, tensor) for v in data]


def _deserialize_node(data, tensor):
    refs = _refs(data)
    kwargs = dict(refs[0][3]) if refs and len(refs[0]) == 4 else {}
    for key, value in kwargs.items():
        kwargs[key] = _restore_kwarg(value, tensor)
    args = tuple(kwargs.pop("_args", ()))
    if isinstance(data, list) and len(data) == 1 and _is_ref(data[0]):
        return tensor(data[0]), args, kwargs
    return _rebuild(data, tensor), args, kwargs


def _restore_kwarg(value, tensor):
    if isinstance(value, dict):
        if set(value) == {"__keras_tensor__"}:
            return tensor(value["__keras_tensor__"])
        return {k: _restore_kwarg(v, tensor) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_restore_kwarg(v, tensor) for v in value)
    return value


def _unwrap_refs(data, tensor):
    if isinstance(data, list) and len(data) == 1 and _is_ref(data[0]):
        return tensor(data[0])
    return _rebuild(data, tensor)


def deserialize_layer(config, custom_objects=None):
    """A layer (or model) from a config entry; gradiente.saving resolves the class."""
    from gradiente.saving.serialization_lib import deserialize_layer as rebuild

    return rebuild(config, custom_objects)


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
