"""A Functional model's config: the graph written as Keras writes it (each layer's config
with its inbound connections) and rebuilt from it.

``FunctionalConfig`` is a mixin of ``Functional`` (models/functional.py).
"""
from gradiente.layers.input_layer import InputLayer
from gradiente.layers.node import KerasTensor
from gradiente.utils.nest import flatten, map_structure


class FunctionalConfig:
    """``get_config`` / ``from_config`` of a graph of layer calls."""

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
