"""The built-in cells (one time step each): SimpleRNNCell, LSTMCell, GRUCell, and what they
share (units, activations, weight options, dropout masks drawn once per sequence).

call(inputs (B, n), states) -> (output (B, units), new states). Each also runs a whole
sequence as one primitive (``fused_sequence``, ``ops.recurrent``) when its activations allow.
"""
import numpy as np

from gradiente import activations, backend, constraints, initializers, ops, regularizers
from gradiente.autodiff.tensor import Tensor
from gradiente.layers import weight_arguments
from gradiente.layers.layer import Layer
from gradiente.ops.recurrent import _array_activation_name, gru_sequence, lstm_sequence, simple_rnn_sequence


def _check_units(owner, units):
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"{owner}: `units` must be a positive integer, received units={units!r}.")
    return int(units)


def _check_rate(owner, name, rate):
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"{owner}: `{name}` must be in [0, 1), received {name}={rate!r}.")
    return float(rate)


def _implementation(cell, mode):
    """Keras's ``implementation`` of LSTM/GRU cells: 1 (one product per gate) or 2 (one for
    all gates); 0, an older Keras's mode, is still accepted. Keras 3 records it on the cell,
    not in the config, and sets 1 whenever there is recurrent dropout. It changes how the
    work is split, not the result: every mode runs the same fused computation here (Keras's
    mode 1 also draws one dropout mask per gate; here all gates share one, as in mode 2)."""
    if mode not in (0, 1, 2) or isinstance(mode, bool):
        raise ValueError(f"{type(cell).__name__}: `implementation` must be 1 or 2, received {mode!r}.")
    return 1 if cell.recurrent_dropout != 0 else mode


_serialize_optional = weight_arguments.optional_config
_constraint_config = weight_arguments.constraint_config


class _DropoutCell(Layer):
    """What the three built-in cells share: units, activations, weights' options, dropout.

    The dropout masks are drawn once per sequence (the same units are dropped at every step),
    by ``RNN`` before its loop; a cell called on its own draws fresh ones per call.
    """

    @property
    def traceable(self):
        """Pure ops unless dropout masks (drawn in Python) are in play."""
        return self.dropout == 0 and self.recurrent_dropout == 0

    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.units = _check_units(owner, units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _check_rate(owner, "dropout", dropout)
        self.recurrent_dropout = _check_rate(owner, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._rng = backend.make_rng(seed) if seed is not None else None
        self._masks = None  # (input mask, recurrent mask) while RNN runs a sequence

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def _add_kernels(self, features):
        width = self._gates * self.units
        self.kernel = self.add_weight("kernel", (features, width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        # Orthogonal gives a transposed (Fortran-ordered) array for wide shapes; keep C order so
        # in-place updates and flat views behave everywhere.
        self.recurrent_kernel.data = np.ascontiguousarray(self.recurrent_kernel.data)

    def _add_bias(self, shape, initializer=None):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", shape, initializer=initializer or self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _draw_mask(self, shape, rate, dtype):
        gen = self._rng if self._rng is not None else backend.rng()
        keep = gen.random(shape) >= rate
        return (keep / (1.0 - rate)).astype(dtype)

    def dropout_masks(self, batch, features, training, dtype):
        """(input mask (B, n) or None, recurrent mask (B, u) or None) for one sequence."""
        if not training:
            return None, None
        dp = self._draw_mask((batch, features), self.dropout, dtype) if self.dropout > 0 else None
        rdp = (self._draw_mask((batch, self.units), self.recurrent_dropout, dtype)
               if self.recurrent_dropout > 0 else None)
        return dp, rdp

    def _step_masks(self, inputs, training):
        if self._masks is not None:
            return self._masks
        return self.dropout_masks(inputs.shape[0], inputs.shape[-1], training, inputs.dtype)

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [Tensor(np.zeros((batch_size, s), dtype=self._dtype)) for s in sizes]

    def _fusable(self):
        names = (_array_activation_name(self.activation), _array_activation_name(self.recurrent_activation))
        return None if None in names else names

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            recurrent_activation=activations.serialize(self.recurrent_activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            recurrent_initializer=initializers.serialize(self.recurrent_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=_serialize_optional(regularizers.serialize, self.kernel_regularizer),
            recurrent_regularizer=_serialize_optional(regularizers.serialize, self.recurrent_regularizer),
            bias_regularizer=_serialize_optional(regularizers.serialize, self.bias_regularizer),
            kernel_constraint=_serialize_optional(_constraint_config, self.kernel_constraint),
            recurrent_constraint=_serialize_optional(_constraint_config, self.recurrent_constraint),
            bias_constraint=_serialize_optional(_constraint_config, self.bias_constraint),
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            seed=self.seed,
        )
        return config


def _dropped(x, dp):
    """x (B, T, n) times the input-dropout mask (B, n), the same at every step."""
    return x if dp is None else ops.multiply(x, dp[:, None, :])


class SimpleRNNCell(_DropoutCell):
    """h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias).

    call(inputs (B, n), states [h (B, u)]) -> (output (B, u), [h]).
    """

    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        self._add_bias((self.units,))
        self.built = True

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        dp, rdp = self._step_masks(inputs, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        hr = h if rdp is None else ops.multiply(h, rdp)
        pre = ops.add(ops.dense(x, self.kernel, self.bias), ops.matmul(hr, self.recurrent_kernel))
        out = self.activation(pre)
        return out, [out]

    def _fusable(self):
        name = _array_activation_name(self.activation)
        return None if name is None else (name,)

    def fused_sequence(self, x, states, mask, masks, names, go_backwards, need_sequence, need_states):
        """The whole sequence (B, T, n) at once: (all outputs (T, B, u) or None, last output,
        final states). ``mask`` (T, B, 1) is in reading order; ``masks`` the dropout masks
        (input, recurrent) from ``dropout_masks``."""
        dp, rdp = masks
        last_only = not need_sequence
        H = simple_rnn_sequence(_dropped(x, dp), self.kernel, self.bias, self.recurrent_kernel, states[0],
                                mask, rdp, activation=names[0], go_backwards=go_backwards,
                                last_only=last_only, cache={})
        last = H if last_only else H[-1]
        return (None if last_only else H), last, [last]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_DropoutCell):
    """Long short-term memory step; gates i, f, c, o packed in that order along the kernels.

    call(inputs (B, n), states [h, c] (B, u) each) -> (h, [h, c]).
    Weights: kernel (n, 4u), recurrent_kernel (u, 4u), bias (4u,) (forget part 1 if
    ``unit_forget_bias``).
    """

    _gates = 4

    def __init__(self, units, unit_forget_bias=True, implementation=2, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = _implementation(self, implementation)

    @property
    def state_size(self):
        return [self.units, self.units]

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        init = None
        if self.unit_forget_bias:
            base, u = self.bias_initializer, self.units

            def init(shape, dtype=None):
                parts = [np.asarray(base((u,), dtype=dtype)), np.ones(u),
                         np.asarray(base((2 * u,), dtype=dtype))]
                return np.concatenate(parts).astype(backend.standardize_dtype(dtype))
        self._add_bias((4 * self.units,), init)
        self.built = True

    def call(self, inputs, states, training=None):
        h, c = states
        u = self.units
        dp, rdp = self._step_masks(inputs, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        hr = h if rdp is None else ops.multiply(h, rdp)
        z = ops.add(ops.dense(x, self.kernel, self.bias), ops.matmul(hr, self.recurrent_kernel))
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        g = self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        c = ops.add(ops.multiply(f, c), ops.multiply(i, g))
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def fused_sequence(self, x, states, mask, masks, names, go_backwards, need_sequence, need_states):
        dp, rdp = masks
        steps = x.shape[1]
        last_only = not (need_sequence or need_states)
        out = lstm_sequence(_dropped(x, dp), self.kernel, self.bias, self.recurrent_kernel, states[0],
                            states[1], mask, rdp, activation=names[0], recurrent_activation=names[1],
                            go_backwards=go_backwards, last_only=last_only, cache={})
        if last_only:
            return None, out, None
        last = out[steps - 1]
        return (out[:steps] if need_sequence else None), last, [last, out[steps]]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRUCell(_DropoutCell):
    """Gated recurrent unit step; gates z (update), r (reset), h (candidate) in that order.

    ``reset_after=True`` (Keras's default) applies the reset gate after the recurrent matmul
    and has two biases, shape (2, 3u): input and recurrent. call(inputs (B, n), states [h])
    -> (h, [h]).
    """

    _gates = 3

    def __init__(self, units, reset_after=True, implementation=2, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)
        self.implementation = _implementation(self, implementation)

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))
        self.built = True

    def _biases(self):
        if self.bias is None:
            return None, None
        if self.reset_after:
            return self.bias[0], self.bias[1]
        return self.bias, None

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        dp, rdp = self._step_masks(inputs, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        hr = h if rdp is None else ops.multiply(h, rdp)
        b_in, b_rec = self._biases()
        xp = ops.dense(x, self.kernel, b_in)
        if self.reset_after:
            rz = ops.dense(hr, self.recurrent_kernel, b_rec)
            z = self.recurrent_activation(ops.add(xp[:, :u], rz[:, :u]))
            r = self.recurrent_activation(ops.add(xp[:, u:2 * u], rz[:, u:2 * u]))
            hh = self.activation(ops.add(xp[:, 2 * u:], ops.multiply(r, rz[:, 2 * u:])))
        else:
            rk = self.recurrent_kernel
            z = self.recurrent_activation(ops.add(xp[:, :u], ops.matmul(hr, rk[:, :u])))
            r = self.recurrent_activation(ops.add(xp[:, u:2 * u], ops.matmul(hr, rk[:, u:2 * u])))
            hh = self.activation(ops.add(xp[:, 2 * u:], ops.matmul(ops.multiply(r, hr), rk[:, 2 * u:])))
        h = ops.add(ops.multiply(z, h), ops.multiply(ops.subtract(1.0, z), hh))
        return h, [h]

    def fused_sequence(self, x, states, mask, masks, names, go_backwards, need_sequence, need_states):
        dp, rdp = masks
        last_only = not need_sequence
        H = gru_sequence(_dropped(x, dp), self.kernel, self.bias, self.recurrent_kernel, states[0], mask, rdp,
                         activation=names[0], recurrent_activation=names[1], reset_after=self.reset_after,
                         go_backwards=go_backwards, last_only=last_only, cache={})
        last = H if last_only else H[-1]
        return (None if last_only else H), last, [last]

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config
