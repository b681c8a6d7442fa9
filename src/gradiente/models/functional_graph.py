"""A Functional model's graph: the walk from the outputs back to the inputs that orders
the layer calls, and the templates that read a call's inputs from the plan's slots."""
from gradiente.layers.node import KerasTensor
from gradiente.utils.nest import flatten, pack_like


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
