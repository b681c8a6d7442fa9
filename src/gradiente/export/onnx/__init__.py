"""ONNX export: ``model.export("m.onnx", format="onnx")`` writes the inference graph of a
Functional or Sequential model, layer by layer, with a dynamic ``batch`` axis.

The converters live by layer family: ``core_layers`` (Dense, activations, Dropout and noise
as identity, Embedding, Rescaling, Normalization), ``convolution``, ``pooling``,
``normalization``, ``reshaping``, ``merging``, ``recurrent``, ``attention`` (EinsumDense,
MultiHeadAttention), ``wrappers`` (TimeDistributed, augmentation), ``op_layers`` (keras.ops
calls on KerasTensors); ``graph`` is the builder and
``model_graph`` the walk over the model's layer calls. Needs the ``onnx`` package.
"""
import os

import numpy as np

from gradiente.export.onnx.graph import DEFAULT_OPSET, MIN_OPSET, OnnxGraph
from gradiente.export.onnx.registry import UnsupportedLayerError

__all__ = ["export_onnx", "build_onnx_model", "UnsupportedLayerError"]

_FAMILIES = ("core_layers", "merging", "convolution", "pooling", "reshaping", "normalization", "recurrent",
             "attention", "wrappers", "op_layers")


def _import_onnx():
    try:
        import onnx
    except ImportError as e:
        raise ImportError(
            "Exporting to ONNX needs the `onnx` package: pip install gradiente[onnx] "
            "(or pip install onnx)."
        ) from e
    return onnx


def _load_converters():
    # Importing the family modules fills the converter table.
    import importlib

    for family in _FAMILIES:
        importlib.import_module(f"gradiente.export.onnx.{family}")


def _check_opset(onnx, opset_version):
    if opset_version is None:
        return DEFAULT_OPSET
    newest = onnx.defs.onnx_opset_version()
    if isinstance(opset_version, bool) or not isinstance(opset_version, (int, np.integer)) \
            or not MIN_OPSET <= opset_version <= newest:
        raise ValueError(
            f"ONNX export: `opset_version` must be an integer from {MIN_OPSET} to {newest} (the "
            f"newest the installed onnx knows), received opset_version={opset_version!r}."
        )
    return int(opset_version)


def _signature_shapes(model, input_signature):
    """One shape per model input: the model's own, or a narrower one from ``input_signature``
    (a structure of KerasTensors, arrays or specs with ``shape``, one per input)."""
    from gradiente.utils.nest import flatten

    own = [tuple(t.shape) for t in model.inputs]
    if input_signature is None:
        return own
    specs = flatten(input_signature)
    if len(specs) != len(own):
        raise ValueError(
            f"ONNX export: input_signature describes {len(specs)} inputs, but model '{model.name}' "
            f"has {len(own)} ({', '.join(model.input_names)})."
        )
    shapes = []
    for spec, shape, t in zip(specs, own, model.inputs):
        given = getattr(spec, "shape", None)
        name = t._keras_history[0].name
        if given is None:
            raise TypeError(f"ONNX export: each input_signature entry needs a `shape`; received {spec!r} "
                            f"for input '{name}'.")
        given = tuple(None if d is None else int(d) for d in given)
        fits = len(given) == len(shape) and all(m is None or m == d for m, d in zip(shape[1:], given[1:]))
        if not fits:
            raise ValueError(
                f"ONNX export: input_signature gives shape {given} for input '{name}', but the model "
                f"was built for {shape} (None: any size)."
            )
        spec_dtype = getattr(spec, "dtype", None)
        if spec_dtype is not None and np.dtype(getattr(spec_dtype, "name", spec_dtype)) != t.dtype:
            raise ValueError(
                f"ONNX export: input_signature gives dtype {np.dtype(spec_dtype).name} for input "
                f"'{name}', but the model's input is {t.dtype.name}."
            )
        shapes.append((None,) + given[1:])  # the batch axis stays dynamic
    return shapes


def build_onnx_model(model, input_signature=None, opset_version=None):
    """The ModelProto of ``model``'s inference graph (checked with onnx.checker)."""
    onnx = _import_onnx()
    _load_converters()
    from gradiente.export.onnx.model_graph import convert_graph, graph_inputs
    from gradiente.models.functional import Functional

    if not isinstance(model, Functional):
        raise ValueError(
            f"ONNX export needs a Functional or Sequential model, whose graph of layer calls can be "
            f"walked; model '{model.name}' ({type(model).__name__}) is a subclassed model. Rebuild it "
            "with keras.Model(inputs, outputs) or keras.Sequential to export it."
        )
    if not model.built or model.inputs is None:
        raise ValueError("The model provided has not yet been built. It must be built before export.")
    opset = _check_opset(onnx, opset_version)
    g = OnnxGraph(onnx, opset)
    shapes = _signature_shapes(model, input_signature)
    ins = graph_inputs(g, model, shapes)
    outs = convert_graph(g, model, ins)
    for value, name in zip(outs, model.output_names):
        g.add_output(value.name, name, value.shape, value.dtype)
    proto = g.to_model(model.name, doc=f"gradiente model '{model.name}'")
    proto = onnx.shape_inference.infer_shapes(proto, strict_mode=True)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None, **kwargs):
    """Write ``model``'s inference graph to ``filepath`` as an ONNX model.

    Inputs are named after the model's Input layers and keep their layout and dtype, with a
    dynamic batch axis; outputs are named as ``model.output_names``.
    """
    if kwargs:
        raise ValueError(f"ONNX export: unknown argument(s) {', '.join(sorted(kwargs))}; it accepts "
                         "verbose, input_signature and opset_version.")
    proto = build_onnx_model(model, input_signature=input_signature, opset_version=opset_version)
    from gradiente.utils.atomic import atomic_write

    filepath = os.fspath(filepath)
    with atomic_write(filepath) as f:
        f.write(proto.SerializeToString())
    if verbose is None or verbose:
        print(f"Saved artifact at '{filepath}'.")
