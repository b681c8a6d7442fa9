"""OnnxGraph: the builder the converters write into.

It hands out unique value and node names (prefixed with the layer being converted), keeps
weights as initializers, declares the inputs and outputs with a dynamic ``batch`` axis, folds
a Transpose that undoes the previous one (channels_last convolutions back to back), drops
nodes no output needs, and makes the ModelProto for the chosen opset.
"""
import hashlib

import numpy as np

# The oldest opset whose operator definitions the converters are written for: Split with
# num_outputs and the Reduce* ops taking their axes as an input both appear in opset 18.
MIN_OPSET = 18
DEFAULT_OPSET = 18


class Value:
    """A tensor of the graph: its ONNX name, Keras shape (None = unknown, axis 0 the batch)
    and NumPy dtype."""

    __slots__ = ("name", "shape", "dtype")

    def __init__(self, name, shape, dtype):
        self.name, self.shape, self.dtype = name, tuple(shape), np.dtype(dtype)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"Value({self.name!r}, {self.shape}, {self.dtype})"


class OnnxGraph:
    """Nodes, initializers, inputs and outputs of one ONNX graph under construction."""

    def __init__(self, onnx, opset):
        self.onnx = onnx
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self.inputs = []
        self.outputs = []
        self.prefix = "graph"
        self.node = None  # the layer call being converted, and its KerasTensors' Values
        self.value_of = None
        self._used = set()
        self._consts = {}  # (dtype, shape, digest) -> initializer name
        self._transposed = {}  # output name of a Transpose -> (its input, its perm)

    # --- names ----------------------------------------------------------------------------
    def unique(self, base):
        """``base``, or ``base_1``, ``base_2``, ... if taken: every name is used once."""
        name, count = base, 1
        while name in self._used:
            name, count = f"{base}_{count}", count + 1
        self._used.add(name)
        return name

    def _scoped(self, what):
        return self.unique(f"{self.prefix}/{what}")

    # --- constants ------------------------------------------------------------------------
    def const(self, array, what="const", dtype=None):
        """An initializer holding ``array`` (copied); returns its name. Equal arrays share one
        initializer, so a layer called twice (or a nested model reused) stores its weights once."""
        array = np.ascontiguousarray(np.array(array, dtype=dtype) if dtype is not None else np.array(array))
        key = (array.dtype.str, array.shape, hashlib.blake2b(array.tobytes(), digest_size=16).digest())
        name = self._consts.get(key)
        if name is None:
            name = self._consts[key] = self._scoped(what)
            self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def ints(self, values, what="shape"):
        """A 1-D int64 initializer (shapes, axes, pads given as inputs)."""
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1), what)

    def scalar(self, value, dtype, what="scalar"):
        return self.const(np.asarray(value, dtype=dtype), what)

    # --- nodes ----------------------------------------------------------------------------
    def op(self, op_type, inputs, outputs=1, **attrs):
        """Append one node; returns its output name (a list of names when ``outputs`` > 1).
        An empty string in ``inputs`` is an omitted optional input, as ONNX spells it."""
        names = [self._scoped(f"{op_type}" if outputs == 1 else f"{op_type}_{i}") for i in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        node = self.onnx.helper.make_node(op_type, list(inputs), names, name=self._scoped(op_type + "_node"),
                                          **attrs)
        self.nodes.append(node)
        return names[0] if outputs == 1 else names

    def transpose(self, x, perm):
        """Transpose ``x`` by ``perm``; a transpose that undoes the one that made ``x`` gives
        back that one's input instead of a second node."""
        perm = [int(p) for p in perm]
        if perm == sorted(perm):
            return x
        previous = self._transposed.get(x)
        if previous is not None:
            source, first = previous
            if [first[p] for p in perm] == list(range(len(perm))):
                return source
        out = self.op("Transpose", [x], perm=perm)
        self._transposed[out] = (x, perm)
        return out

    def reshape(self, x, shape):
        """Reshape to ``shape``; 0 copies that axis (the dynamic batch), -1 infers one axis."""
        return self.op("Reshape", [x, self.ints(shape)])

    # --- inputs and outputs ---------------------------------------------------------------
    def _value_info(self, name, shape, dtype, sizes=True):
        """``sizes=False`` declares the rank and the batch axis only: ONNX's shape inference
        then fills in the other sizes from what the graph computes."""
        dims = ["batch" if i == 0 else (d if sizes else None) for i, d in enumerate(shape)]
        elem = self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        return self.onnx.helper.make_tensor_value_info(name, elem, dims)

    def add_input(self, name, shape, dtype):
        name = self.unique(name)
        self.inputs.append(self._value_info(name, shape, dtype))
        return name

    def add_output(self, value, name, shape, dtype):
        """Expose ``value`` as a graph output called ``name`` (through an Identity, so an
        output can also be an input or another output)."""
        # Output sizes come from ONNX's inference, not from the symbolic shapes, which can be
        # wrong (Keras's Activation keeps its input's shape even for glu, which halves an axis).
        if value == name and name not in {o.name for o in self.outputs}:
            self.outputs.append(self._value_info(name, shape, dtype, sizes=False))  # an input given back
            return name
        name = self.unique(name)
        self.nodes.append(self.onnx.helper.make_node("Identity", [value], [name],
                                                     name=self.unique(name + "/Identity_node")))
        self.outputs.append(self._value_info(name, shape, dtype, sizes=False))
        return name

    # --- the model ------------------------------------------------------------------------
    def _live_nodes(self):
        """Nodes some output depends on, in their original (topological) order."""
        needed = {o.name for o in self.outputs}
        keep = []
        for node in reversed(self.nodes):
            if any(o in needed for o in node.output):
                keep.append(node)
                needed.update(i for i in node.input if i)
        keep.reverse()
        return keep, needed

    def to_model(self, graph_name, doc=""):
        helper = self.onnx.helper
        nodes, needed = self._live_nodes()
        weights = [t for t in self.initializers if t.name in needed]
        graph = helper.make_graph(nodes, graph_name, self.inputs, self.outputs, initializer=weights)
        opsets = [helper.make_opsetid("", self.opset)]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="gradiente",
                                  ir_version=helper.find_min_ir_version_for(opsets), doc_string=doc)
        return model
