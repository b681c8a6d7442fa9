"""EinsumDense (an ONNX Einsum with the layer's own equation); MultiHeadAttention: its four
EinsumDense projections, the scaled scores and their softmax over the attention axes, the
weighted sum, and the optional gate and causal mask; Attention (dot or concat scores) and
AdditiveAttention, returned scores included. Masks from inputs, explicit mask arguments,
MultiHeadAttention's returned scores and sliding windows are refused."""
import inspect

import numpy as np

from gradiente.export.onnx import activations as act
from gradiente.export.onnx.registry import array, converts, unsupported
from gradiente.layers.attention.additive_attention import AdditiveAttention
from gradiente.layers.attention.attention import Attention
from gradiente.layers.attention.multi_head_attention import MultiHeadAttention
from gradiente.layers.einsum_dense import EinsumDense

_F = np.float32
_MASK_ARGS = ("query_mask", "value_mask", "key_mask", "attention_mask")


def einsum_dense_nodes(g, layer, x):
    """activation(einsum(equation, x, kernel) + bias) on the input name ``x``."""
    kernel = g.const(array(layer.kernel), "kernel")  # with LoRA, the merged kernel
    y = g.op("Einsum", [x, kernel], equation=layer.equation)
    if layer.bias is not None:
        y = g.op("Add", [y, g.const(array(layer.bias), "bias")])
    return act.apply(g, layer.activation, y, layer)


@converts(EinsumDense, masks=True)
def einsum_dense(g, layer, ins, outs):
    return einsum_dense_nodes(g, layer, ins[0].name)


def _arguments(layer, node):
    """The call's arguments by name, as MultiHeadAttention.call binds them."""
    kwargs = dict(node.call_kwargs)
    args = list(kwargs.pop("_args", ()))
    kwargs.pop("training", None)
    try:
        bound = inspect.signature(layer.call).bind(node.call_inputs, *args, **kwargs)
    except TypeError as e:
        raise unsupported(layer, f"its call's arguments could not be read ({e}).") from None
    return bound.arguments


def _softmax(g, scores, norm_axes, rank):
    if list(norm_axes) == [rank - 1]:
        return g.op("Softmax", [scores], axis=-1)
    lse = g.op("ReduceLogSumExp", [scores, g.ints(norm_axes, "axes")], keepdims=1)
    return g.op("Exp", [g.op("Sub", [scores, lse])])


@converts(MultiHeadAttention, kwargs=("_args", "value", "key", "return_attention_scores", "use_causal_mask")
          + _MASK_ARGS)
def multi_head_attention(g, layer, ins, outs):
    arguments = _arguments(layer, g.node)
    for name in _MASK_ARGS:
        if arguments.get(name) is not None:
            raise unsupported(layer, f"it is called with {name}=...; attention masks are not exported.")
    if arguments.get("return_attention_scores"):
        raise unsupported(layer, "it returns its attention scores (return_attention_scores=True), which "
                                 "the exported graph does not compute.")
    if layer.sliding_window is not None:
        raise unsupported(layer, "its sliding_window band has no ONNX translation here.")
    query = g.value_of(arguments["query"])
    value = g.value_of(arguments["value"])
    key = value if arguments.get("key") is None else g.value_of(arguments["key"])

    q = einsum_dense_nodes(g, layer.query_dense, query.name)
    k = einsum_dense_nodes(g, layer.key_dense, key.name)
    v = einsum_dense_nodes(g, layer.value_dense, value.name)
    q = g.op("Mul", [q, g.scalar(layer._inverse_sqrt_key_dim, _F)])
    scores = g.op("Einsum", [k, q], equation=layer._dot_equation)
    rank = len(layer._dot_equation.split("->")[1])
    if arguments.get("use_causal_mask"):
        if len(layer.attention_axes) != 1:
            raise unsupported(layer, "use_causal_mask=True needs a single attention axis.")
        axis = layer.attention_axes[0]
        scores = _causal(g, layer, scores, query.shape[axis], value.shape[axis], subtract=False)
    weights = _softmax(g, scores, layer._norm_axes, rank)
    out = g.op("Einsum", [weights, v], equation=layer._combine_equation)
    if layer.use_gate:
        out = g.op("Mul", [out, einsum_dense_nodes(g, layer._gate_dense, query.name)])
    return einsum_dense_nodes(g, layer.output_dense, out)


def _causal(g, layer, scores, steps, sources, subtract):
    """Scores where position i sees j <= i; elsewhere ``subtract`` removes 1e9 (Attention) or
    the score becomes -1e9 (MultiHeadAttention), as each layer masks."""
    if steps is None or sources is None:
        raise unsupported(layer, "use_causal_mask=True needs the query and value lengths known when the "
                                 "graph is written.")
    allowed = g.const(np.tri(steps, sources, dtype=bool), "causal_mask")
    masked = g.op("Sub", [scores, g.scalar(1e9, _F)]) if subtract else g.scalar(-1e9, _F)
    return g.op("Where", [allowed, scores, masked])


def _luong_scores(g, layer, q, k):
    """(batch, Tq, dim), (batch, Tv, dim) -> (batch, Tq, Tv), as the layer scores them."""
    if type(layer) is Attention and layer.score_mode == "dot":
        scores = g.op("MatMul", [q, g.transpose(k, [0, 2, 1])])
        return scores if layer.scale is None else g.op("Mul", [scores, g.const(array(layer.scale), "scale")])
    pairs = g.op("Add", [g.op("Unsqueeze", [q, g.ints([-2], "axes")]), g.op("Unsqueeze", [k, g.ints([-3], "axes")])])
    last = g.ints([-1], "axes")
    if type(layer) is AdditiveAttention:  # sum(scale · tanh(q + k))
        pairs = g.op("Tanh", [pairs])
        if layer.scale is not None:
            pairs = g.op("Mul", [pairs, g.const(array(layer.scale), "scale")])
        return g.op("ReduceSum", [pairs, last], keepdims=0)
    if layer.scale is not None:  # concat: weight · sum(tanh(scale · (q + k)))
        pairs = g.op("Mul", [pairs, g.const(array(layer.scale), "scale")])
    summed = g.op("ReduceSum", [g.op("Tanh", [pairs]), last], keepdims=0)
    return g.op("Mul", [summed, g.const(array(layer.concat_score_weight), "concat_score_weight")])


@converts(Attention, AdditiveAttention, kwargs=("return_attention_scores", "use_causal_mask"))
def luong_attention(g, layer, ins, outs):
    query, value = ins[0], ins[1]
    key = ins[2] if len(ins) > 2 else value
    scores = _luong_scores(g, layer, query.name, key.name)
    if g.node.call_kwargs.get("use_causal_mask"):
        scores = _causal(g, layer, scores, query.shape[1], value.shape[1], subtract=True)
    weights = g.op("Softmax", [scores], axis=-1)
    out = g.op("MatMul", [weights, value.name])
    return [out, weights] if g.node.call_kwargs.get("return_attention_scores") else out
