"""A layer called on symbolic tensors: build it, infer its output shapes, record a Node.

Shapes come from ``compute_output_shape`` when the layer defines it, otherwise from a dry
run of ``call`` on placeholder data (unknown axes filled with 2, then with 3: an axis whose
output size changes between the runs is unknown in the output too). Every tensor argument
reaches ``call`` in the dry run, as it will on real data.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.layers import call_spec, masks
from gradiente.layers.name_scope import layer_scope
from gradiente.layers.node import KerasTensor, Node
from gradiente.utils.nest import flatten, map_structure


def symbolic_call(layer, base, inputs, args, kwargs):
    """``layer(inputs, *args, **kwargs)`` on KerasTensors; ``base`` is the Layer class (so
    overridden methods can be told from the defaults)."""
    cls = type(layer)
    wants_training, wants_mask = call_spec.call_signature(cls)
    multi = call_spec.has_tensor_arguments(args, kwargs)
    tensor_args = None
    if multi:
        bindable = {k: v for k, v in kwargs.items()
                    if k not in ("training", "mask") or k in _accepted(layer)}
        tensor_args = call_spec.tensor_arguments(layer, inputs, args, bindable)
    in_specs = [t for t in flatten(inputs) if isinstance(t, KerasTensor)]
    _check_specs(layer, in_specs)
    if not layer.built:
        if multi:
            layer._maybe_build_from(call_spec.shapes_for(layer, "build", tensor_args))
        else:
            layer._maybe_build(call_spec.shapes_of(inputs))
        _check_specs(layer, in_specs)

    extra = {}  # masks filled in for the dry run (a real call recomputes them)
    explicit = kwargs.get("mask")
    if explicit is None:
        if not multi:
            if wants_mask:
                found = masks.masks_like(inputs)
                if masks.has_mask(found):
                    extra["mask"] = found
        else:
            masks.populate_named_masks(layer, tensor_args, extra, _accepted(layer))
    previous = explicit if explicit is not None else masks.masks_like(inputs)

    # compute_output_shape sees shapes only: a call that also returns attention scores
    # (Keras answers it with compute_output_spec) gets both shapes from a dry run.
    if cls.compute_output_shape is base.compute_output_shape or kwargs.get("return_attention_scores"):
        out_shape = dry_run(layer, inputs, args, {**kwargs, **extra})
    elif multi:
        out_shape = layer.compute_output_shape(**call_spec.shapes_for(layer, "compute_output_shape", tensor_args))
    else:
        out_shape = layer.compute_output_shape(call_spec.shapes_of(inputs))
    outputs = symbolic_outputs(out_shape, layer._output_dtype(in_specs))

    call_kwargs = dict(kwargs)
    if args:
        call_kwargs["_args"] = args
    node = Node(layer, inputs, call_kwargs, outputs)
    index = len(layer._inbound_nodes)
    layer._inbound_nodes.append(node)
    sources = in_specs + [t for t in flatten([list(args), kwargs]) if isinstance(t, KerasTensor)]
    for parent in {id(t._keras_history[0]): t._keras_history[0] for t in sources if t._keras_history}.values():
        parent._outbound_nodes.append(node)
    for i, t in enumerate(flatten(outputs)):
        t._keras_history = (layer, index, i)

    if layer.supports_masking:
        masks.set_symbolic_masks(layer, inputs, outputs, previous,
                                 cls.compute_mask is base.compute_mask)
    elif masks.has_mask(previous):
        masks.warn_dropped(layer, stacklevel=5)  # the user's layer(...) call
    return outputs


def _accepted(layer):
    return {p.name for p in call_spec._parameters(type(layer), "call")}


def _check_specs(layer, in_specs):
    if layer.input_spec is None:
        return
    specs = layer.input_spec if isinstance(layer.input_spec, (list, tuple)) else [layer.input_spec]
    for i, (spec, t) in enumerate(zip(specs, in_specs)):
        if spec is not None:
            spec.check(layer, t.shape, i)


def dry_run(layer, inputs, args=(), kwargs=None):
    """Output shape(s) of ``layer.call`` on placeholders shaped like the KerasTensors in
    ``inputs``, ``args`` and ``kwargs`` (masks included), with ``training=False``."""
    wants_training, wants_mask = call_spec.call_signature(type(layer))
    kwargs = dict(kwargs or {})
    kwargs.pop("training", None)
    if wants_training:
        kwargs["training"] = False
    if not wants_mask:
        kwargs.pop("mask", None)
    results = []
    for fill in (2, 3):
        def fake(t, fill=fill):
            if not isinstance(t, KerasTensor):
                return t
            value = masks.placeholder(t, fill)
            if t._keras_mask is not None:
                value._keras_mask = masks.placeholder(t._keras_mask, fill)
            return value

        dummy = _fake_structure(fake, inputs)
        with layer_scope(layer):  # sublayers built by the call carry the layer's path
            out = layer.call(dummy, *[_fake_structure(fake, a) for a in args],
                             **{k: _fake_structure(fake, v) for k, v in kwargs.items()})
        results.append((isinstance(out, Tensor), [tuple(np.shape(_data(o))) for o in flatten(out)]))
    (single, first), (_, second) = results
    merged = [tuple(a if a == b else None for a, b in zip(s1, s2)) for s1, s2 in zip(first, second)]
    return merged[0] if single else merged


def _fake_structure(fake, value):
    if isinstance(value, (list, tuple, dict)):
        return map_structure(fake, value)
    return fake(value)


def _data(value):
    return value.data if isinstance(value, Tensor) else value


def symbolic_outputs(shape, dtype):
    """KerasTensors for an output shape: a tuple, or a (nested) list of them."""
    if isinstance(shape, list):
        return [symbolic_outputs(s, dtype) for s in shape]
    return KerasTensor(shape, dtype)
