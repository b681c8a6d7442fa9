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

This file holds construction, tracking, building, calling, masks and config. Mixins hold
the rest, one concept each: ``layer_weights`` (add_weight and the weight lists),
``layer_losses``, ``layer_inputs`` (converting and checking call inputs), ``layer_shapes``
(shape structures, the input/output of a layer's graph node).
"""
import functools
import warnings

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor, Variable
from gradiente.layers import call_spec, masks, symbolic
from gradiente.layers.name_scope import layer_scope
from gradiente.layers.call_spec import call_signature as _call_signature
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer_inputs import LayerInputs, _is_numeric_nested
from gradiente.layers.layer_losses import LayerLosses
from gradiente.layers.layer_shapes import LayerGraphShapes, _shapes_of, is_shape, map_shapes
from gradiente.layers.layer_weights import LayerWeights
from gradiente.layers.node import KerasTensor, is_symbolic
from gradiente.utils import naming
from gradiente.utils.nest import flatten

# What other modules import from here, wherever it is defined now.
__all__ = ["Layer", "_call_signature", "_is_numeric_nested", "is_shape", "map_shapes",
           "warn_input_shape_argument"]

# Attributes that point at other layers without owning them.
_NOT_OWNED = frozenset({"_inbound_nodes", "_outbound_nodes", "_parent"})
_BASE_KWARGS = ("input_shape", "input_dim", "batch_size", "batch_input_shape", "input_length")
_MISSING = object()  # no positional inputs: ``layer(query=a, value=b)``


def _marking_built(build):
    """``build`` that also marks the layer built, as Keras 3 wraps every ``build``: a layer
    built by hand (``layer.build(shape)``, a parent's ``build`` building its sublayers, a
    loader restoring a build) is not built a second time, with duplicate weights, when
    first called."""
    @functools.wraps(build)
    def wrapped(self, *args, **kwargs):
        with layer_scope(self):  # sublayers built here carry this layer's path (Keras's)
            result = build(self, *args, **kwargs)
        self.built = True
        if getattr(self, "_build_input_shape", None) is None:
            shapes = args or tuple(kwargs.values())
            self._build_input_shape = shapes[0] if shapes else None
        return result

    wrapped._marks_built = True
    return wrapped


class Layer(LayerWeights, LayerLosses, LayerInputs, LayerGraphShapes):
    """Base of every layer and model.

    Args: ``trainable``, ``name``, ``dtype`` (float dtype of weights and computation),
    ``activity_regularizer``; and, for a model's first layer, ``input_shape`` /
    ``input_dim`` / ``batch_size``.
    """

    # True when ``call`` computes only through gradiente.ops on its inputs and weights (no
    # randomness drawn in Python, no state updated in place): fit may then record one
    # step and replay it (models.compiled_step). Layers must opt in.
    traceable = False
    # Attributes that hold only plain data (never layers), left out of the sublayer search.
    _plain_data_attributes = frozenset()
    # Layers without state that Keras 3 marks built at construction (pooling, Dropout,
    # Activation, Reshape, ...): ``built`` is True at once unless a subclass adds a build.
    _builds_at_init = False
    # Set once a call has run: later calls skip the name scope (layers/name_scope.py).
    _paths_settled = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_marks_built", False):
            cls.build = _marking_built(build)

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
        if self._builds_at_init:
            self._build_at_init()

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


    # --- tracking: sublayers and Variables found in attributes -----------------------
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

        # A layer may name attributes holding big plain data (a lookup's vocabulary) that
        # this walk, run several times per fit, would otherwise search item by item.
        skip = _NOT_OWNED | type(self)._plain_data_attributes
        for key, value in vars(self).items():
            if key not in skip:
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

    # --- building ---------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (batch axis included)."""
        self.built = True

    def _build_at_init(self):
        """Mark a layer without state built at construction, as Keras 3 does, unless a
        subclass defines its own ``build`` (which must then still run)."""
        if type(self).build is Layer.build:
            self.built = True

    def _maybe_build(self, input_shape):
        if not self.built:
            self._build_input_shape = input_shape
            with layer_scope(self):
                self.build(input_shape)
            self.built = True

    def _maybe_build_from(self, shapes):
        """Build from ``{parameter of build: shape}`` (a call with several tensors)."""
        if not self.built:
            self._build_input_shape = next(iter(shapes.values()), None)
            with layer_scope(self):
                self.build(**shapes)
            self.built = True

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape``; by default found by running the layer on zeros."""
        return self._dry_run(map_shapes(lambda s: KerasTensor(s, self._dtype), input_shape))

    def _dry_run(self, inputs, args=(), kwargs=None):
        """Output shape(s) found by calling the layer on placeholders shaped like the
        KerasTensors in ``inputs`` (and ``args``/``kwargs``)."""
        return symbolic.dry_run(self, inputs, args, kwargs)

    def _call_kwargs(self, training, mask):
        wants_training, wants_mask = _call_signature(type(self))
        kwargs = {}
        if wants_training:
            kwargs["training"] = training
        if wants_mask and mask is not None:
            kwargs["mask"] = mask
        return kwargs

    # --- calling ----------------------------------------------------------------------
    def __call__(self, inputs=_MISSING, *args, **kwargs):
        if inputs is _MISSING:
            inputs = self._inputs_from_keywords(kwargs)
        # The common case first: one Tensor, already of this layer's dtype.
        if type(inputs) is Tensor:
            if inputs.data.dtype != self._dtype:
                inputs = self._convert_inputs(inputs)
        elif is_symbolic(inputs):
            return self._symbolic_call(inputs, *args, **kwargs)
        else:
            inputs = self._convert_inputs(inputs)
        multi = False  # whether tensors come beyond the first argument
        if args or (kwargs and (len(kwargs) > 1 or "training" not in kwargs)):
            multi = call_spec.has_tensor_arguments(args, kwargs)
        if multi and is_symbolic([args, kwargs]):
            return self._symbolic_call(inputs, *args, **kwargs)
        spec = self.input_spec
        if spec is not None:
            if type(inputs) is Tensor and type(spec) is InputSpec:
                spec.check(self, inputs.data.shape)
            else:
                self._check_input_spec(inputs)
        wants_training, wants_mask = _call_signature(type(self))
        if not wants_training and "training" in kwargs:
            del kwargs["training"]
        tensor_args = None
        if multi:
            args, kwargs = self._convert_arguments(args, kwargs)
            tensor_args = call_spec.tensor_arguments(self, inputs, args, kwargs)
        if not self.built:
            if multi:
                self._maybe_build_from(call_spec.shapes_for(self, "build", tensor_args))
            else:
                self._maybe_build(_shapes_of(inputs))
        mask = kwargs.get("mask")
        if mask is None:
            mask = inputs._keras_mask if type(inputs) is Tensor else masks.masks_like(inputs)
            if multi:
                masks.populate_named_masks(self, tensor_args, kwargs, symbolic._accepted(self))
            elif wants_mask and mask is not None and masks.has_mask(mask):
                kwargs["mask"] = mask
        elif not wants_mask:
            del kwargs["mask"]
        if self._added_losses:
            self._added_losses = []  # losses added by the previous call are stale
        if self._paths_settled:
            outputs = self.call(inputs, *args, **kwargs)
        else:  # sublayers built by the first call carry this layer's path
            with layer_scope(self):
                outputs = self.call(inputs, *args, **kwargs)
            self._paths_settled = True
        if self.activity_regularizer is not None:
            self._activity_losses = [self.activity_regularizer(o) for o in flatten(outputs) if isinstance(o, Tensor)]
        # Most layers neither make nor pass on masks: skip the bookkeeping for them.
        if mask is not None or type(self).compute_mask is not Layer.compute_mask:
            if self.supports_masking:
                masks.set_output_masks(self, inputs, outputs, mask)
            elif masks.has_mask(mask):
                masks.warn_dropped(self)
        return outputs

    # --- masks ------------------------------------------------------------------------
    @property
    def supports_masking(self):
        """Whether this layer passes masks on (``compute_mask``): by default, true exactly
        when the class defines its own ``compute_mask``, as in Keras 3."""
        value = self.__dict__.get("_supports_masking")
        if value is None:
            return type(self).compute_mask is not Layer.compute_mask
        return value

    @supports_masking.setter
    def supports_masking(self, value):
        self.__dict__["_supports_masking"] = bool(value)

    def compute_mask(self, inputs, mask=None):
        """The mask of the output(s) for ``inputs`` and the previous mask: by default the
        previous mask itself. Used only when ``supports_masking`` is true."""
        return mask

    def call(self, inputs, *args, **kwargs):
        """The layer's computation on Tensors. The base layer is the identity."""
        return inputs

    def _symbolic_call(self, inputs, *args, **kwargs):
        return symbolic.symbolic_call(self, Layer, inputs, args, kwargs)

    def _output_dtype(self, in_specs):
        return self._dtype

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


def warn_input_shape_argument(layer):
    warnings.warn(
        f"Do not pass an `input_shape`/`input_dim` argument to a layer ({layer.name}). When using "
        "Sequential models, prefer using an `Input(shape)` object as the first layer in the model instead.",
        UserWarning,
        stacklevel=3,
    )
