"""Recurrent layers: SimpleRNN, LSTM and GRU (and RNN over their cells) as ONNX's RNN, LSTM
and GRU operators, and Bidirectional around them.

Gate layouts: Keras packs LSTM gates i, f, c, o along the kernels' columns, ONNX wants rows
i, o, f, c; GRU's z, r, h agree. Keras's single bias is ONNX's input bias (the recurrent one
zero), except GRU with reset_after=True, whose two biases are ONNX's Wb and Rb under
linear_before_reset=1. ONNX reads (time, batch, features): inputs are transposed, and a
go_backwards layer reads its input reversed, so its outputs come in Keras's reversed order.
"""
import numpy as np

from gradiente import activations
from gradiente.export.onnx.registry import array, converts, unsupported
from gradiente.layers.recurrent.cells import GRUCell, LSTMCell, SimpleRNNCell
from gradiente.layers.recurrent.rnn import RNN
from gradiente.layers.wrappers import Bidirectional

_INT64_MIN = np.iinfo(np.int64).min

# Activations ONNX's recurrent operators name, with the alpha/beta they need (None: none).
_ACTIVATIONS = {
    activations.tanh: ("Tanh", None),
    activations.sigmoid: ("Sigmoid", None),
    activations.relu: ("Relu", None),
    activations.softsign: ("Softsign", None),
    activations.softplus: ("Softplus", None),
    activations.hard_sigmoid: ("HardSigmoid", (1.0 / 6.0, 0.5)),  # relu6(x + 3) / 6
}

# (operator, Keras gate blocks in ONNX's order)
_CELLS = {SimpleRNNCell: ("RNN", [0]), LSTMCell: ("LSTM", [0, 3, 1, 2]), GRUCell: ("GRU", [0, 1, 2])}


def _activation_attrs(layer, fns):
    names, alphas, betas = [], [], []
    for fn in fns:
        entry = _ACTIVATIONS.get(fn)
        if entry is None:
            name = getattr(fn, "__name__", repr(fn))
            raise unsupported(layer, f"the activation {name!r} of its cell has no counterpart among ONNX's "
                                     f"recurrent activations (supported: tanh, sigmoid, relu, softsign, "
                                     "softplus, hard_sigmoid).")
        names.append(entry[0])
        if entry[1] is not None:
            alphas.append(entry[1][0])
            betas.append(entry[1][1])
    attrs = {"activations": names}
    if alphas:
        attrs.update(activation_alpha=alphas, activation_beta=betas)
    return attrs


def _gates(matrix, order, units):
    """(n, G·u) Keras columns -> (G·u, n) ONNX rows, gate blocks in ONNX's order."""
    blocks = [matrix[:, g * units:(g + 1) * units] for g in order]
    return np.ascontiguousarray(np.concatenate(blocks, axis=1).T)


def _bias(cell, order, units):
    """ONNX's B: [Wb, Rb] for every gate, (1, 2·G·u)."""
    width = len(order) * units
    if cell.bias is None:
        return None
    bias = array(cell.bias)
    if bias.ndim == 2:  # GRU reset_after: input and recurrent biases
        w_b, r_b = bias[0], bias[1]
    else:
        w_b, r_b = bias, np.zeros(width, np.float32)
    w_b = np.concatenate([w_b[g * units:(g + 1) * units] for g in order])
    r_b = np.concatenate([r_b[g * units:(g + 1) * units] for g in order])
    return np.concatenate([w_b, r_b])[None, :]


def _check_layer(layer):
    if not isinstance(layer, RNN):
        raise unsupported(layer, "only recurrent layers (SimpleRNN, LSTM, GRU) have an ONNX translation here.")
    cell_type = type(layer.cell)
    if cell_type not in _CELLS:
        raise unsupported(layer, f"its cell {cell_type.__name__} is not one of SimpleRNNCell, LSTMCell, "
                                 "GRUCell (custom and stacked cells have no ONNX operator).")
    if layer.stateful:
        raise unsupported(layer, "it is stateful: its states carry over between calls, which an ONNX "
                                 "graph starting from zero states would silently drop.")


def recurrent_outputs(g, layer, x):
    """Run ``layer`` on the Value ``x`` (batch, time, n): [output, *final states] names."""
    _check_layer(layer)
    cell = layer.cell
    op_type, order = _CELLS[type(cell)]
    u = cell.units
    if op_type == "RNN":
        fns = [cell.activation]
    elif op_type == "LSTM":
        fns = [cell.recurrent_activation, cell.activation, cell.activation]
    else:
        fns = [cell.recurrent_activation, cell.activation]
    attrs = _activation_attrs(layer, fns)
    if op_type == "GRU":
        attrs["linear_before_reset"] = int(cell.reset_after)

    seq = g.transpose(x.name, [1, 0, 2])
    if layer.go_backwards:
        seq = g.op("Slice", [seq, g.ints([-1], "starts"), g.ints([_INT64_MIN], "ends"), g.ints([0], "axes"),
                             g.ints([-1], "steps")])
    w = g.const(_gates(array(cell.kernel), order, u)[None], "W")
    r = g.const(_gates(array(cell.recurrent_kernel), order, u)[None], "R")
    bias = _bias(cell, order, u)
    inputs = [seq, w, r] + ([g.const(bias, "B")] if bias is not None else [])
    n_out = 3 if op_type == "LSTM" else 2
    results = g.op(op_type, inputs, outputs=n_out, hidden_size=u, direction="forward", **attrs)
    y, states = results[0], results[1:]
    zero = g.ints([0], "axes")
    final = [g.op("Squeeze", [s, zero]) for s in states]  # (1, batch, u) -> (batch, u)
    if layer.return_sequences:
        # (time, 1, batch, u) -> (batch, time, u)
        output = g.transpose(g.op("Squeeze", [y, g.ints([1], "axes")]), [1, 0, 2])
    else:
        output = final[0]
    return [output] + (final if layer.return_state else [])


@converts(RNN)
def rnn(g, layer, ins, outs):
    return recurrent_outputs(g, layer, ins[0])


def _flip_time(g, name):
    return g.op("Slice", [name, g.ints([-1], "starts"), g.ints([_INT64_MIN], "ends"), g.ints([1], "axes"),
                          g.ints([-1], "steps")])


@converts(Bidirectional)
def bidirectional(g, layer, ins, outs):
    x = ins[0]
    fw = recurrent_outputs(g, layer.forward_layer, x)
    bw = recurrent_outputs(g, layer.backward_layer, x)
    fw_out, bw_out = fw[0], bw[0]
    if layer.return_sequences:
        bw_out = _flip_time(g, bw_out)  # back in time order, as the layer merges them
    mode = layer.merge_mode
    if mode == "concat":
        merged = [g.op("Concat", [fw_out, bw_out], axis=-1)]
    elif mode == "sum":
        merged = [g.op("Add", [fw_out, bw_out])]
    elif mode == "mul":
        merged = [g.op("Mul", [fw_out, bw_out])]
    elif mode == "ave":
        merged = [g.op("Mul", [g.op("Add", [fw_out, bw_out]), g.scalar(0.5, np.float32)])]
    else:
        merged = [fw_out, bw_out]
    return merged + fw[1:] + bw[1:]
