"""The Layer base class: built on first call, weights via ``add_weight``, config round-trip.

A subclass follows Keras's contract::

    class Scale(Layer):
        def build(self, input_shape):          # create weights once the shape is known
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        def call(self, inputs):                # the maths, on Tensors
            return inputs * self.w
        def get_config(self):
            return super().get_config()

Sublayers and Variables stored as attributes (also in lists and dicts) are found by
scanning the instance, on demand: no ``__setattr__`` hooks.
"""
import inspect
import warnings

import numpy as np

from gradiente import backend, initializers, ops
from gradiente.autodiff.tensor import Tensor, Variable
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.node import KerasTensor, Node, is_symbolic
from gradiente.utils import naming
from gradiente.utils.nest import flatten, map_structure

# Attributes that point at other layers without owning them.
_NOT_OWNED = frozenset({"_inbound_nodes", "_outbound_nodes", "_parent"})
_BASE_KWARGS = ("input_shape", "input_dim", "batch_size", "batch_input_shape", "input_length")


def _call_signature(cls):
    """Which optional arguments ``cls.call`` accepts, computed once per class."""
    cached = cls.__dict__.get("_call_args_cache")
    if cached is None:
        params = inspect.signature(cls.call).parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        cached = ("training" in params or var_kw, "mask" in params or var_kw)
        cls._call_args_cache = cached
    return cached


class Layer:
    """Base of every layer and model.

    Args: ``trainable``, ``name``, ``dtype`` (float dtype of weights and computation),
    ``activity_regularizer``; and, for a model's first layer, ``input_shape`` /
    ``input_dim`` / ``batch_size``.
    """

    supports_masking = False
    # True when ``call`` computes only through gradiente.ops on its inputs and weights (no
    # randomness drawn in Python, no state updated in place): fit may then record one
    # step and replay it (models.compiled_step). Layers must opt in.
    traceable = False

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None, **kwargs):
        unknown = set(kwargs) - set(_BASE_KWARGS)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unrecognized keyword argument(s) {sorted(unknown)}."
            )
        self.name = name or naming.auto_name(type(self).__name__)
        self._dtype = backend.standardize_dtype(dtype.name if hasattr(dtype, "name") else dtype)
        self._trainable = bool(trainable)
        self.built = False
        self.input_spec = None
        self._own_weights = []
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._activity_losses = []
        self._added_losses = []
        self._build_input_shape = None
        from gradiente import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._batch_input_shape = self._declared_input_shape(kwargs)

    @staticmethod
    def _declared_input_shape(kwargs):
        if kwargs.get("batch_input_shape") is not None:
            return tuple(kwargs["batch_input_shape"])
        shape = kwargs.get("input_shape")
        if shape is None and kwargs.get("input_dim") is not None:
            shape = (kwargs["input_dim"],)
            if kwargs.get("input_length") is not None:
                shape = (kwargs["input_length"],)
        if shape is None:
            return None
        if isinstance(shape, (int, np.integer)):
            shape = (int(shape),)
        return (kwargs.get("batch_size"),) + tuple(shape)

    # --- dtype and trainability -------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype.name

    @property
    def compute_dtype(self):
        return self._dtype.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value

    # --- weights ----------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None):
        """Create a Variable owned by this layer; its path is ``"<layer>/<name>"``."""
        from gradiente import constraints, regularizers

        shape = () if shape is None else tuple(int(d) for d in shape)
        dt = backend.standardize_dtype(dtype) if dtype is not None else self._dtype
        if initializer is None:
            initializer = "glorot_uniform" if dt.kind == "f" else "zeros"
        init = initializers.get(initializer)
        value = np.asarray(init(shape, dtype=dt.name), dtype=dt)
        if value.shape != shape:
            value = np.broadcast_to(value, shape).copy()
        var = Variable(value, trainable=trainable, name=name or f"variable_{len(self._own_weights)}")
        var.path = f"{self.name}/{var.name}"
        var._layer = self
        var.regularizer = regularizers.get(regularizer)
        var.constraint = constraints.get(constraint)
        self._own_weights.append(var)
        return var

    def _sublayers(self):
        """Directly owned layers, in attribute order (lists and dicts are searched too)."""
        found, seen = [], {id(self)}

        def visit(value):
            if isinstance(value, Layer):
                if id(value) not in seen:
                    seen.add(id(value))
                    found.append(value)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item)
            elif isinstance(value, dict):
                for item in value.values():
                    visit(item)

        for key, value in vars(self).items():
            if key not in _NOT_OWNED:
                visit(value)
        return found

    def _flatten_layers(self, include_self=True):
        """This layer and all layers below it, each once, depth first."""
        out, seen = [], set()
        stack = [self] if include_self else list(reversed(self._sublayers()))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._sublayers()))
        return out

    def _attribute_variables(self):
        own = {id(v) for v in self._own_weights}
        return [value for key, value in vars(self).items()
                if isinstance(value, Variable) and id(value) not in own and key not in _NOT_OWNED]

    @property
    def weights(self):
        """All weights: this layer's own first, then its sublayers', each once."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            for v in layer._own_weights + layer._attribute_variables():
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out, seen = [], set()
        for layer in self._flatten_layers():
            if not layer._trainable:
                continue
            for v in layer._own_weights + layer._attribute_variables():
                if v.trainable and id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """The weights' values as NumPy arrays (copies), in ``weights`` order."""
        return [v.data.copy() for v in self.weights]

    def set_weights(self, weights):
        """Set every weight from a list of arrays, in ``weights`` order; shapes are checked."""
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f"Layer '{self.name}' expects {len(params)} weight arrays "
                f"({', '.join(v.path for v in params) or 'none'}), but received {len(weights)}."
            )
        arrays = []
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if w.shape != v.shape:
                raise ValueError(
                    f"Layer '{self.name}': weight '{v.path}' has shape {v.shape}, "
                    f"but the value given has shape {w.shape}."
                )
            arrays.append(w)
        for v, w in zip(params, arrays):
            v.assign(w)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(v.size for v in self.weights))

    # --- losses -----------------------------------------------------------------------
    def add_loss(self, loss):
        """Add a scalar loss (e.g. a penalty) for training to minimise."""
        self._added_losses.append(loss)

    @property
    def losses(self):
        """Regularization penalties of the weights (recomputed now, so a tape sees them),
        plus activity penalties and added losses of the latest call."""
        from gradiente import ops

        out = []
        trainable = {id(v) for v in self.trainable_weights}
        for layer in self._flatten_layers():
            for v in layer._own_weights + layer._attribute_variables():
                if v.regularizer is not None and id(v) in trainable:
                    out.append(v.regularizer(v))
            out.extend(layer._activity_losses)
            out.extend(layer._added_losses)
        return [ops.convert_to_tensor(x) for x in out]

    # --- building ---------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (batch axis included)."""
        self.built = True

    def _maybe_build(self, input_shape):
        if not self.built:
            self._build_input_shape = input_shape
            self.build(input_shape)
            self.built = True

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape``; by default found by running the layer on zeros."""
        return self._dry_run(map_shapes(lambda s: KerasTensor(s, self._dtype), input_shape))

    def _dry_run(self, inputs):
        """Output shape(s) found by calling the layer on zeros shaped like ``inputs``
        (KerasTensors). Unknown axes are filled with 2, then 3: axes whose output size
        changes between the runs are unknown in the output too."""
        results = []
        for fill in (2, 3):
            dummy = map_structure(
                lambda t: Tensor(np.zeros(tuple(fill if d is None else d for d in t.shape), dtype=t.dtype)),
                inputs,
            )
            out = self.call(dummy, **self._call_kwargs(False, None))
            results.append((isinstance(out, Tensor), [tuple(o.shape) for o in flatten(out)]))
        (single, first), (_, second) = results
        merged = [tuple(a if a == b else None for a, b in zip(s1, s2)) for s1, s2 in zip(first, second)]
        return merged[0] if single else merged

    def _call_kwargs(self, training, mask):
        wants_training, wants_mask = _call_signature(type(self))
        kwargs = {}
        if wants_training:
            kwargs["training"] = training
        if wants_mask and mask is not None:
            kwargs["mask"] = mask
        return kwargs

    # --- calling ----------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        # The common case first: one Tensor, already of this layer's dtype.
        if type(inputs) is Tensor:
            if inputs.data.dtype != self._dtype:
                inputs = self._convert_inputs(inputs)
        elif is_symbolic(inputs):
            return self._symbolic_call(inputs, *args, **kwargs)
        else:
            inputs = self._convert_inputs(inputs)
        spec = self.input_spec
        if spec is not None:
            if type(inputs) is Tensor and type(spec) is InputSpec:
                spec.check(self, inputs.data.shape)
            else:
                self._check_input_spec(inputs)
        if not self.built:
            self._maybe_build(_shapes_of(inputs))
        wants_training, wants_mask = _call_signature(type(self))
        if not wants_training and "training" in kwargs:
            del kwargs["training"]
        mask = kwargs.get("mask") if wants_mask else kwargs.pop("mask", None)
        if mask is None:
            mask = _mask_of(inputs)
            if mask is not None and wants_mask:
                kwargs["mask"] = mask
        if self._added_losses:
            self._added_losses = []  # losses added by the previous call are stale
        outputs = self.call(inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            self._activity_losses = [self.activity_regularizer(o) for o in flatten(outputs) if isinstance(o, Tensor)]
        # Most layers neither make nor pass on masks: skip the bookkeeping for them.
        if mask is not None or type(self).compute_mask is not Layer.compute_mask:
            self._set_output_mask(inputs, outputs, mask)
        return outputs

    # Layers that look things up by index (Embedding) keep integer inputs; others compute in
    # their float dtype, so an int array fed to Dense does not silently become float64.
    keeps_integer_inputs = False

    def _convert_inputs(self, inputs):
        if isinstance(inputs, Tensor):
            data = inputs.data
            if data.dtype != self._dtype and self._should_cast(data.dtype):
                cast = ops.cast(inputs, self._dtype)  # an op, so a tape sees through the cast
                cast._keras_mask = inputs._keras_mask
                return cast
            return inputs
        if isinstance(inputs, np.ndarray):
            return Tensor(inputs.astype(self._dtype) if self._should_cast(inputs.dtype) and inputs.dtype != self._dtype else inputs)
        if inputs is None:
            return None
        if isinstance(inputs, dict):
            return {k: self._convert_inputs(v) for k, v in inputs.items()}
        if isinstance(inputs, (list, tuple)) and inputs and not _is_numeric_nested(inputs):
            return [self._convert_inputs(i) for i in inputs]
        arr = np.asarray(getattr(inputs, "values", inputs))  # pandas objects have .values
        if arr.dtype == object:
            raise TypeError(f"Layer '{self.name}' cannot take inputs of type {type(inputs).__name__}.")
        return self._convert_inputs(arr)

    def _should_cast(self, dtype):
        return dtype.kind in "fb" or (dtype.kind in "iu" and not self.keeps_integer_inputs)

    def _check_input_spec(self, inputs):
        specs = self.input_spec if isinstance(self.input_spec, (list, tuple)) else [self.input_spec]
        tensors = [t for t in flatten(inputs) if t is not None]
        for i, (spec, t) in enumerate(zip(specs, tensors)):
            if spec is not None:
                spec.check(self, tuple(t.shape), i)

    def _set_output_mask(self, inputs, outputs, mask):
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is not None:
            for o in flatten(outputs):
                if isinstance(o, Tensor):
                    o._keras_mask = out_mask

    def compute_mask(self, inputs, mask=None):
        """The mask of the output: passed through by layers that support masking."""
        if not self.supports_masking:
            return None
        return mask

    def call(self, inputs, *args, **kwargs):
        """The layer's computation on Tensors. The base layer is the identity."""
        return inputs

    def _symbolic_call(self, inputs, *args, **kwargs):
        shapes = map_structure(lambda t: t.shape, inputs)
        in_specs = [t for t in flatten(inputs) if isinstance(t, KerasTensor)]
        if self.input_spec is not None:
            specs = self.input_spec if isinstance(self.input_spec, (list, tuple)) else [self.input_spec]
            for i, (spec, t) in enumerate(zip(specs, in_specs)):
                if spec is not None:
                    spec.check(self, t.shape, i)
        if not self.built:
            self._maybe_build(shapes)
            if self.input_spec is not None:
                self._check_symbolic_spec(in_specs)
        if type(self).compute_output_shape is Layer.compute_output_shape:
            out_shape = self._dry_run(inputs)
        else:
            out_shape = self.compute_output_shape(shapes)
        out_dtype = self._output_dtype(in_specs)
        outputs = _symbolic_outputs(out_shape, out_dtype)
        call_kwargs = dict(kwargs)
        if args:
            call_kwargs["_args"] = args
        node = Node(self, inputs, call_kwargs, outputs)
        index = len(self._inbound_nodes)
        self._inbound_nodes.append(node)
        for parent in {id(t._keras_history[0]): t._keras_history[0] for t in in_specs if t._keras_history}.values():
            parent._outbound_nodes.append(node)
        for i, t in enumerate(flatten(outputs)):
            t._keras_history = (self, index, i)
        return outputs

    def _check_symbolic_spec(self, in_specs):
        specs = self.input_spec if isinstance(self.input_spec, (list, tuple)) else [self.input_spec]
        for i, (spec, t) in enumerate(zip(specs, in_specs)):
            if spec is not None:
                spec.check(self, t.shape, i)

    def _output_dtype(self, in_specs):
        return self._dtype

    # --- shapes from the graph ----------------------------------------------------------
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

    # --- config -----------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments that recreate this layer (without its weights)."""
        config = {"name": self.name, "trainable": self._trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# --- helpers ------------------------------------------------------------------------------
def _symbolic_outputs(shape, dtype):
    """KerasTensors for an output shape: a tuple, or a (nested) list of them."""
    if isinstance(shape, list):
        return [_symbolic_outputs(s, dtype) for s in shape]
    return KerasTensor(shape, dtype)


def _is_numeric_nested(value):
    """True for nested Python lists of numbers (one array), not lists of arrays."""
    first = value[0]
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, (int, float, np.number, bool))


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


def _mask_of(inputs):
    if type(inputs) is Tensor:
        return inputs._keras_mask
    for t in flatten(inputs):
        if isinstance(t, Tensor) and t._keras_mask is not None:
            return t._keras_mask
    return None


def warn_input_shape_argument(layer):
    warnings.warn(
        f"Do not pass an `input_shape`/`input_dim` argument to a layer ({layer.name}). When using "
        "Sequential models, prefer using an `Input(shape)` object as the first layer in the model instead.",
        UserWarning,
        stacklevel=3,
    )
