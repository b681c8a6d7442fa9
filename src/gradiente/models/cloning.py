"""``clone_model``: the same architecture with new layers and freshly initialised weights."""
from gradiente.layers.input_layer import InputLayer
from gradiente.layers.node import KerasTensor
from gradiente.models.functional import Functional
from gradiente.utils.nest import flatten, map_structure


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model wired like ``model`` (a Sequential or Functional one), with new layers.

    Each layer is recreated by ``clone_function(layer)`` (default: from its config, so the
    same name and new weights, as Keras does); a layer called several times is cloned once,
    so sharing is kept. Copy weights with ``clone.set_weights(model.get_weights())``.
    ``input_tensors``: Input tensors to build the clone on (default: new ones like the model's).
    """
    from gradiente.models.sequential import Sequential

    if not isinstance(model, Functional):
        raise ValueError(
            f"clone_model() needs a Sequential or Functional model, but '{model.name}' is a "
            f"subclassed model ({type(model).__name__}): create a new instance of its class instead."
        )
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential):
        clone = Sequential(name=model.name)
        if input_tensors is not None:
            clone.add(flatten(input_tensors)[0])
        for layer in model._layers:
            if isinstance(layer, InputLayer):
                if input_tensors is None:
                    clone.add(_clone_layer(layer))
            else:
                clone.add(clone_function(layer))
        return clone
    if not model.built:
        raise ValueError(f"clone_model(): model '{model.name}' is not built yet.")
    clones = {}
    tensors = {}
    given = flatten(input_tensors) if input_tensors is not None else None
    if given is not None and len(given) != len(model.inputs):
        raise ValueError(
            f"clone_model(): model '{model.name}' has {len(model.inputs)} input(s), but "
            f"{len(given)} input tensor(s) were given."
        )
    for i, t in enumerate(model.inputs):
        if given is not None:
            tensors[id(t)] = given[i]
        else:
            tensors[id(t)] = _clone_layer(t._keras_history[0])._inbound_nodes[0].outputs

    def new(x):
        return tensors[id(x)] if isinstance(x, KerasTensor) else x

    for node in model._nodes_in_order:
        if node.is_input and isinstance(node.layer, InputLayer):
            continue
        layer = clones.get(id(node.layer))
        if layer is None:
            layer = clones[id(node.layer)] = clone_function(node.layer)
        kwargs = {k: map_structure(new, v) for k, v in node.call_kwargs.items()}
        args = kwargs.pop("_args", ())
        outputs = layer(map_structure(new, node.call_inputs), *args, **kwargs)
        for old, fresh in zip(node.output_tensors, flatten(outputs)):
            tensors[id(old)] = fresh
    return Functional(
        inputs=map_structure(new, model._input_structure),
        outputs=map_structure(new, model._output_structure),
        name=model.name,
    )


def _clone_layer(layer):
    if isinstance(layer, Functional):
        return clone_model(layer)
    return type(layer).from_config(layer.get_config())
