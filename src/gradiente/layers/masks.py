"""Masks between layers, as Keras 3 passes them.

A mask is a boolean tensor (batch, time) attached to a layer's output as ``_keras_mask``
(a Tensor for data, a boolean KerasTensor in a graph). For each call:

- the *previous mask* is the ``mask=`` argument when given (or filled in automatically
  for a ``call`` that accepts ``mask`` and receives one tensor argument), otherwise the
  masks of the first argument, in its structure;
- a layer whose ``supports_masking`` is true sets ``compute_mask(inputs, previous_mask)``
  on its outputs (one mask per output, in order), unless ``call`` already set them all;
- any other layer drops the mask, with a warning as Keras gives.

In a graph the same rules give symbolic masks: passed through as they are by the default
``compute_mask``, otherwise found by running ``compute_mask`` on placeholder data.
"""
import warnings

import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.autodiff.trace import host_array
from gradiente.layers.node import KerasTensor
from gradiente.utils.nest import flatten, map_structure, pack_like


def get_mask(x):
    return getattr(x, "_keras_mask", None)


def masks_like(structure):
    """The masks of a tensor, or of each tensor in a list/tuple/dict (same structure)."""
    if isinstance(structure, (Tensor, KerasTensor)):
        return structure._keras_mask
    if isinstance(structure, (list, tuple, dict)):
        return map_structure(get_mask, structure)
    return None


def has_mask(mask):
    if mask is None:
        return False
    if isinstance(mask, (list, tuple, dict)):
        return any(m is not None for m in flatten(mask))
    return True


def mask_array(mask):
    """The mask as a NumPy boolean array (or None). NumPy code on a mask is invisible to a
    trace, so a traced step that reads one this way stays eager; layers that want ``fit``
    to replay them with masks use ops on the mask Tensor instead."""
    if mask is None:
        return None
    return host_array(mask, "a mask", dtype=bool)


def populate_named_masks(layer, tensor_args, kwargs, accepted):
    """For a call with several tensor arguments, fill ``<arg>_mask`` parameters of ``call``
    that were not given from the masks of ``<arg>`` (Keras's rule)."""
    for name, value in tensor_args.items():
        key = f"{name}_mask"
        if key in accepted and kwargs.get(key) is None:
            mask = masks_like(value)
            if has_mask(mask):
                kwargs[key] = mask


def warn_dropped(layer, stacklevel=3):
    warnings.warn(
        f"Layer '{layer.name}' ({type(layer).__name__}) received an input that carries a mask, "
        "but it does not support masking, so the mask stops here: layers after it will not "
        "see it. Set `supports_masking = True` (or define `compute_mask`) on a layer that "
        "keeps the time axis, to pass the mask on.",
        UserWarning, stacklevel=stacklevel,
    )


def set_output_masks(layer, inputs, outputs, previous_mask):
    """Attach ``layer.compute_mask(inputs, previous_mask)`` to the eager outputs."""
    flat = [outputs] if isinstance(outputs, Tensor) else flatten(outputs)
    tensors = [o for o in flat if isinstance(o, Tensor)]
    if not tensors or all(o._keras_mask is not None for o in tensors):
        return  # call set them itself (as Masking does), or there is nothing to mask
    out = layer.compute_mask(inputs, previous_mask)
    if out is None:
        return
    for o, m in zip(flat, [out] if not isinstance(out, (list, tuple, dict)) else flatten(out)):
        if isinstance(o, Tensor) and o._keras_mask is None and m is not None:
            o._keras_mask = m


def set_symbolic_masks(layer, inputs, outputs, previous_mask, default_compute_mask):
    """Attach symbolic masks to the KerasTensors a graph call produced."""
    flat = flatten(outputs)
    if default_compute_mask:
        out = previous_mask  # passed on as it is: the same symbolic masks
    else:
        out = _symbolic_compute_mask(layer, inputs, previous_mask)
    if out is None:
        return
    for o, m in zip(flat, [out] if not isinstance(out, (list, tuple, dict)) else flatten(out)):
        if isinstance(o, KerasTensor) and m is not None:
            o._keras_mask = m


def placeholder(t, fill):
    """Data shaped like KerasTensor ``t`` (unknown axes = ``fill``): ones for masks
    (so masked means do not divide by zero), zeros otherwise."""
    shape = tuple(fill if d is None else d for d in t.shape)
    if t.dtype == np.bool_:
        return Tensor(np.ones(shape, dtype=bool))
    return Tensor(np.zeros(shape, dtype=t.dtype))


def _symbolic_compute_mask(layer, inputs, previous_mask):
    """Run ``compute_mask`` on placeholders (unknown axes 2, then 3) and describe each mask
    it returns as a boolean KerasTensor; axes that differ between the runs are unknown."""
    runs = []
    for fill in (2, 3):
        originals = {}

        def fake(t):
            if not isinstance(t, KerasTensor):
                return t
            value = placeholder(t, fill)
            originals[id(value)] = (t, value)  # the value is kept so its id stays unique
            return value

        dummy_inputs = map_structure(fake, inputs) if isinstance(inputs, (list, tuple, dict)) else fake(inputs)
        dummy_mask = None if previous_mask is None else (
            map_structure(fake, previous_mask) if isinstance(previous_mask, (list, tuple, dict))
            else fake(previous_mask))
        for t in flatten(dummy_inputs):
            if isinstance(t, Tensor) and id(t) in originals:
                m = originals[id(t)][0]._keras_mask
                t._keras_mask = None if m is None else fake(m)
        out = layer.compute_mask(dummy_inputs, dummy_mask)
        structure = out
        leaves = [out] if not isinstance(out, (list, tuple, dict)) else flatten(out)
        runs.append((structure, leaves, originals))
    (structure, first, originals), (_, second, _) = runs
    if structure is None:
        return None
    symbolic = []
    for a, b in zip(first, second):
        if a is None:
            symbolic.append(None)
        elif id(a) in originals:  # compute_mask handed back a mask it was given
            symbolic.append(originals[id(a)][0])
        else:
            shape = tuple(x if x == y else None for x, y in zip(np.shape(_data(a)), np.shape(_data(b))))
            symbolic.append(KerasTensor(shape, "bool"))
    if not isinstance(structure, (list, tuple, dict)):
        return symbolic[0]
    return pack_like(structure, symbolic)


def _data(value):
    return value.data if isinstance(value, Tensor) else value
