"""Layer's shapes: structures of shape tuples, and the input/output (shapes) of a layer's
first call in a functional graph.

``LayerGraphShapes`` is a mixin of ``Layer`` (layers/layer.py).
"""
import numpy as np

from gradiente.utils.nest import map_structure


class LayerGraphShapes:
    """``input`` / ``output`` / ``input_shape`` / ``output_shape``, from the layer's first
    node (or, for the shapes, what it was built with)."""

    def _single_node_attr(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer '{self.name}' has never been called on a symbolic input, so it has "
                f"no defined {attr}."
            )
        node = self._inbound_nodes[0]
        tensors = node.call_inputs if attr == "input" else node.outputs
        return tensors

    @property
    def input(self):
        return self._single_node_attr("input")

    @property
    def output(self):
        return self._single_node_attr("output")

    @property
    def input_shape(self):
        if self._inbound_nodes:
            return map_structure(lambda t: t.shape, self._inbound_nodes[0].call_inputs)
        if self._build_input_shape is not None:
            return self._build_input_shape
        if self._batch_input_shape is not None:
            return self._batch_input_shape
        raise AttributeError(f"The layer '{self.name}' has not been built yet, so it has no input_shape.")

    @property
    def output_shape(self):
        if self._inbound_nodes:
            return map_structure(lambda t: t.shape, self._inbound_nodes[0].outputs)
        if self._build_input_shape is not None:
            return self.compute_output_shape(self._build_input_shape)
        raise AttributeError(f"The layer '{self.name}' has not been built yet, so it has no output_shape.")


def is_shape(value):
    return isinstance(value, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in value)


def map_shapes(fn, shapes):
    """Apply ``fn`` to each shape tuple in a structure of shapes (tuple, list or dict)."""
    if is_shape(shapes):
        return fn(shapes)
    if isinstance(shapes, dict):
        return {k: map_shapes(fn, v) for k, v in shapes.items()}
    return [map_shapes(fn, s) for s in shapes]


def _shapes_of(inputs):
    return map_structure(lambda t: None if t is None else tuple(t.shape), inputs)
