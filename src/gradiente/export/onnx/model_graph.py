"""Walk a Functional (or Sequential) model's layer calls in the order its plan runs them,
translating each into ONNX nodes. A model used as a layer inside another is walked in place."""
import numpy as np

from gradiente.export.onnx.graph import Value
from gradiente.export.onnx.registry import converts, find, unsupported
from gradiente.layers.input_layer import InputLayer
from gradiente.models.functional import Functional
from gradiente.models.sequential import Sequential

# Dtypes the exported graph may carry: float32 activations (Keras's ONNX export needs a
# float32 policy too), and integer or boolean tensors such as token ids.
_FLOATS_OK = (np.dtype(np.float32),)


def check_dtype(t, where):
    dtype = np.dtype(t.dtype)
    if dtype.kind == "f" and dtype not in _FLOATS_OK:
        raise ValueError(
            f"ONNX export supports float32 models, but {where} is {dtype.name}. Build the model "
            "with the default float32 dtype policy to export it."
        )


def convert_graph(g, model, input_values):
    """Add ``model``'s graph to ``g``, its inputs read from ``input_values`` (one Value per
    model input); returns one Value per model output."""
    values = {}
    for t, v in zip(model.inputs, input_values):
        values[id(t)] = v
    for node in model._nodes_in_order:
        layer = node.layer
        if node.is_input and isinstance(layer, InputLayer):
            continue
        ins = [values[id(t)] for t in node.input_tensors]
        outs = [Value("", t.shape, t.dtype) for t in node.output_tensors]
        for t in node.output_tensors:
            check_dtype(t, f"the output of layer '{layer.name}'")
        # Converters that bind call arguments by name (attention) read the node through g.
        g.node, g.value_of = node, (lambda t, _values=values: _values[id(t)])
        names = convert_call(g, layer, node, ins, outs)
        for t, name, out in zip(node.output_tensors, names, outs):
            values[id(t)] = Value(name, out.shape, out.dtype)
    return [values[id(t)] for t in model.outputs]


def convert_call(g, layer, node, ins, outs):
    """One layer call -> the ONNX names of its outputs, in the order of the node's outputs."""
    conv = find(layer)
    if conv is None:
        raise unsupported(layer, "no ONNX converter is known for this layer class (supported: "
                                 "see the README's 'Export to ONNX' section).")
    kwargs = {k: v for k, v in node.call_kwargs.items() if k != "training"}
    if node.call_kwargs.get("training"):
        raise unsupported(layer, "it is called with training=True inside the model; the ONNX "
                                 "graph is the inference graph (training=False).")
    extra = sorted(k for k in kwargs if k not in conv.kwargs)
    if extra:
        raise unsupported(layer, f"it is called with the argument(s) {', '.join(extra)}, which the "
                                 "ONNX converter does not translate.")
    masked = "mask" in kwargs or any(getattr(t, "_keras_mask", None) is not None for t in node.input_tensors)
    if masked and not conv.masks:
        raise unsupported(layer, "it receives a mask (from Embedding(mask_zero=True), Masking or a "
                                 "mask argument) that changes its result, and masks are not exported. "
                                 "Remove the mask to export this model.")
    g.prefix = layer.name
    result = conv.fn(g, layer, ins, outs)
    names = [result] if isinstance(result, str) else list(result)
    if len(names) != len(outs):
        raise unsupported(layer, f"its converter gave {len(names)} outputs for {len(outs)}.")
    return names


@converts(Functional, Sequential)
def _nested_model(g, model, ins, outs):
    """A model used as a layer: its own graph, its inputs bound to the call's."""
    if len(ins) != len(model.inputs):
        raise unsupported(model, f"it is called on {len(ins)} tensors but has {len(model.inputs)} inputs.")
    prefix = g.prefix
    results = convert_graph(g, model, ins)
    g.prefix = prefix
    return [v.name for v in results]


def graph_inputs(g, model, signature):
    """Declare one graph input per model input (named after its Input layer)."""
    values = []
    for t, shape in zip(model.inputs, signature):
        check_dtype(t, f"input '{t._keras_history[0].name}'")
        name = g.add_input(t._keras_history[0].name, shape, t.dtype)
        values.append(Value(name, t.shape, t.dtype))
    return values
