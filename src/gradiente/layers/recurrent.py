"""Recurrent layers: cells (one time step) and ``RNN``, which runs a cell along the time axis.

(batch, time, features) -> (batch, units), or (batch, time, units) with ``return_sequences``.

Speed: SimpleRNN, LSTM and GRU with the usual activations never put single steps on the tape:
each layer call is one primitive (``ops.recurrent``). Other cells, or other activations, take
the generic loop, which records each step's ops.

Masks: a masked step keeps the previous states, and its output repeats the previous output
(zeros before the first unmasked step), as Keras does.
"""
import numpy as np

from gradiente import activations, backend, constraints, initializers, ops, regularizers
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer
from gradiente.ops.recurrent import _array_activation_name, gru_sequence, lstm_sequence, simple_rnn_sequence
from gradiente.utils.nest import flatten

_TIME_HINT = (
    "Recurrent layers read sequences. If each sample is one vector of n features, add a time "
    "axis of length 1: x[:, None, :] or np.expand_dims(x, 1) (or a Reshape((1, n)) layer first); "
    "if a sequence was stored flat, reshape it, e.g. Reshape((8, 8)) for 8 steps of 8 features."
)


def _check_units(owner, units):
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"{owner}: `units` must be a positive integer, received units={units!r}.")
    return int(units)


def _check_rate(owner, name, rate):
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"{owner}: `{name}` must be in [0, 1), received {name}={rate!r}.")
    return float(rate)


def _serialize_optional(fn, value):
    return None if value is None else fn(value)


def _constraint_config(c):
    return {"class_name": type(c).__name__, "config": c.get_config()}


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

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

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

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

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


def _check_cell(cell, what):
    if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
        raise TypeError(f"{what} must be a layer with `call(inputs, states)` and a `state_size` "
                        f"attribute, received {cell!r}.")


def _n_states(cell):
    return len(_as_state_list(cell.state_size))


class StackedRNNCells(Layer):
    """Several cells run as one: at each step the input goes through the cells in turn, each
    cell's output being the next one's input. ``RNN([cell_1, cell_2])`` builds one.

    ``state_size`` lists each cell's; ``call(inputs (B, n), states)`` takes every cell's
    states in order (flat, or one list per cell) and returns (last cell's output, new states,
    flat). Over a whole sequence, built-in cells run one after the other, each over all steps:
    the same result as interleaving them step by step, in one fused op per cell.
    """

    def __init__(self, cells, **kwargs):
        cells = list(cells)
        if not cells:
            raise ValueError("StackedRNNCells needs at least one cell.")
        for i, cell in enumerate(cells):
            _check_cell(cell, f"StackedRNNCells: cell {i}")
        super().__init__(**kwargs)
        self.cells = cells

    @property
    def traceable(self):
        return all(isinstance(c, _DropoutCell) and c.traceable for c in self.cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        return _output_size(self.cells[-1])

    def build(self, input_shape):
        batch, features = input_shape[0], input_shape[-1]
        for cell in self.cells:
            if not cell.built:
                cell._maybe_build((batch, features))
            features = _output_size(cell)
        self.built = True

    def _split(self, states):
        flat = flatten(states) if isinstance(states, (list, tuple)) else [states]
        if len(flat) != sum(_n_states(c) for c in self.cells):
            raise ValueError(
                f"StackedRNNCells '{self.name}': its cells hold {sum(_n_states(c) for c in self.cells)} "
                f"states in all, but {len(flat)} were given.")
        out, i = [], 0
        for cell in self.cells:
            out.append(flat[i:i + _n_states(cell)])
            i += _n_states(cell)
        return out

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, own in zip(self.cells, self._split(states)):
            wants_training = isinstance(cell, Layer) and cell._call_kwargs(True, None)
            inputs, own = cell.call(inputs, own, **({"training": training} if wants_training else {}))
            new_states.extend(_as_state_list(own))
        return inputs, new_states

    def get_initial_state(self, batch_size=None):
        return [Tensor(np.zeros((batch_size, s), dtype=self._dtype)) for s in flatten(self.state_size)]

    # What RNN asks of a cell with dropout, cell by cell.
    def dropout_masks(self, batch, features, training, dtype):
        masks = []
        for cell in self.cells:
            masks.append(cell.dropout_masks(batch, features, training, dtype)
                         if isinstance(cell, _DropoutCell) else None)
            features = _output_size(cell)
        return masks

    @property
    def _masks(self):
        return [getattr(c, "_masks", None) for c in self.cells]

    @_masks.setter
    def _masks(self, masks):
        for i, cell in enumerate(self.cells):
            if isinstance(cell, _DropoutCell):
                cell._masks = None if masks is None else masks[i]

    def _fusable(self):
        names = [c._fusable() if isinstance(c, _DropoutCell) else None for c in self.cells]
        return None if None in names else names

    def fused_sequence(self, x, states, mask, masks, names, go_backwards, need_sequence, need_states):
        # Only the first cell reads the input backwards; the others read its outputs, which
        # are already in reading order, as is ``mask``.
        new_states, last_cell = [], len(self.cells) - 1
        for k, (cell, own) in enumerate(zip(self.cells, self._split(states))):
            seq_tm, last, own = cell.fused_sequence(
                x, own, mask, masks[k], names[k], go_backwards=go_backwards and k == 0,
                need_sequence=need_sequence or k < last_cell, need_states=need_states)
            if need_states:
                new_states.extend(own)
            if k < last_cell:
                x = ops.transpose(seq_tm, (1, 0, 2))
        return seq_tm, last, (new_states if need_states else None)

    def get_config(self):
        config = super().get_config()
        config["cells"] = [{"class_name": type(c).__name__, "config": c.get_config()} for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls([_cell_from_config(c) for c in config.pop("cells")], **config)


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    return size if size is not None else _as_state_list(cell.state_size)[0]


def _cell_from_config(cell):
    """A cell from its entry: built-in, registered or in a custom-object scope."""
    from gradiente.saving.serialization_lib import deserialize_layer

    return deserialize_layer(cell)


# --- the layer that runs a cell over time ----------------------------------------------------
def _as_state_list(states):
    return list(states) if isinstance(states, (list, tuple)) else [states]


class RNN(Layer):
    """Runs ``cell`` along the time axis of (batch, time, features) inputs.

    Returns the last output (batch, units), or all outputs (batch, time, units) with
    ``return_sequences``; with ``return_state`` a list ``[output, *final_states]``.
    ``go_backwards`` reads the sequence from its end (outputs come in that reversed order);
    ``stateful`` carries the final states of one call into the next (``reset_states()``
    clears them). ``unroll`` is accepted for compatibility and ignored.
    """

    supports_masking = True

    @property
    def traceable(self):
        """Built-in cells without dropout (drawn in Python) or carried state are pure ops."""
        return (not self.stateful and isinstance(self.cell, (_DropoutCell, StackedRNNCells))
                and self.cell.traceable)

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        _check_cell(cell, f"{type(self).__name__}: `cell`")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self._states = None  # stateful: the final states of the last call, as arrays
        self.input_spec = InputSpec(ndim=3, layout="(batch, time, features)", hint=_TIME_HINT)

    @property
    def states(self):
        return None if self._states is None else [Tensor(s) for s in self._states]

    def _state_sizes(self):
        return flatten(_as_state_list(self.cell.state_size))

    def _grouped(self, states):
        """Final states as ``return_state`` gives them: flat, or for stacked cells one entry per
        cell (a list when that cell has several states), as Keras does."""
        if not isinstance(self.cell, StackedRNNCells):
            return list(states)
        grouped, i = [], 0
        for cell in self.cell.cells:
            n = _n_states(cell)
            grouped.append(list(states[i:i + n]) if isinstance(cell.state_size, (list, tuple)) else states[i])
            i += n
        return grouped

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' needs to know its number of input "
                f"features, but the last axis of its input shape {tuple(input_shape)} is None."
            )
        if not self.cell.built:
            self.cell._maybe_build((input_shape[0], features))
        self.input_spec = InputSpec(
            ndim=3, axes={-1: features}, layout=f"(batch, time, {features})",
            hint=f"It was built for {features} features per time step. " + _TIME_HINT)
        self.built = True

    def reset_states(self, states=None):
        """Zero the carried states of a stateful layer, or set them to ``states``."""
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' is not stateful: it keeps no states to reset.")
        if states is None:
            self._states = None if self._states is None else [np.zeros_like(s) for s in self._states]
            return
        self._states = [np.array(getattr(s, "data", s), dtype=self._dtype) for s in flatten(_as_state_list(states))]

    def _initial_states(self, initial_state, batch):
        sizes = self._state_sizes()
        if initial_state is None:
            if self.stateful and self._states is not None:
                if self._states[0].shape[0] != batch:
                    raise ValueError(
                        f"Stateful layer '{self.name}' keeps states for batches of "
                        f"{self._states[0].shape[0]} samples but received a batch of {batch}. "
                        "Feed batches of one fixed size (drop the remainder), or call reset_states()."
                    )
                return [Tensor(s) for s in self._states]
            return [Tensor(np.zeros((batch, s), dtype=self._dtype)) for s in sizes]
        states = flatten(_as_state_list(initial_state))
        if len(states) != len(sizes):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) has {len(sizes)} state(s) but "
                f"initial_state holds {len(states)}. Pass a list of {len(sizes)} tensors of shapes "
                f"{[(batch, s) for s in sizes]}."
            )
        out = []
        for s, size in zip(states, sizes):
            t = s if isinstance(s, Tensor) else Tensor(np.asarray(s, dtype=self._dtype))
            if t.data.dtype != self._dtype:
                t = ops.cast(t, self._dtype)
            if tuple(t.shape) != (batch, size):
                raise ValueError(
                    f"Layer '{self.name}': each initial state must have shape (batch, {size}) = "
                    f"{(batch, size)}, received {tuple(t.shape)}."
                )
            out.append(t)
        return out

    def call(self, inputs, mask=None, training=None, initial_state=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        if steps == 0:
            raise ValueError(
                f"Layer '{self.name}' received a sequence with no time steps: {tuple(inputs.shape)}.")
        states = self._initial_states(initial_state, batch)
        if mask is not None:
            mask = np.asarray(getattr(mask, "data", mask), dtype=bool).reshape(batch, steps)
            if mask.all():
                mask = None
        if self.go_backwards and mask is not None:
            mask = mask[:, ::-1]
        mask_tm = None if mask is None else np.ascontiguousarray(mask.T)[:, :, None]

        fuse = getattr(self.cell, "_fusable", lambda: None)()
        cell = self.cell
        has_dropout = isinstance(cell, (_DropoutCell, StackedRNNCells))
        # Dropout masks are drawn once per sequence, the same at every step.
        masks = cell.dropout_masks(batch, inputs.shape[-1], bool(training), self._dtype) if has_dropout else None
        if fuse is not None:
            seq_tm, last, states = cell.fused_sequence(
                inputs, states, mask_tm, masks, fuse, go_backwards=self.go_backwards,
                need_sequence=self.return_sequences, need_states=self.return_state or self.stateful)
        else:
            if has_dropout:
                cell._masks = masks
            try:
                x = ops.flip(inputs, axis=1) if self.go_backwards else inputs
                seq_tm, states = self._loop(x, states, mask_tm, training)
            finally:
                if has_dropout:
                    cell._masks = None
            last = seq_tm[steps - 1]

        if self.stateful:
            self._states = [np.array(s.data) for s in states]
        # Outputs before the first unmasked step are zeros; later masked steps repeat the
        # previous output, which the carried state already equals.
        seen = None
        if mask is not None:
            # zero_output_for_mask: every masked step outputs zeros instead of repeating.
            seen = mask if self.zero_output_for_mask else np.logical_or.accumulate(mask, axis=1)
            if seen.all():
                seen = None
        if self.return_sequences:
            output = ops.transpose(seq_tm, (1, 0, 2))
            if seen is not None:
                output = ops.multiply(output, seen[:, :, None].astype(self._dtype))
        else:
            output = last
            if seen is not None:
                output = ops.multiply(output, seen[:, -1:].astype(self._dtype))
        if self.return_state:
            return [output] + self._grouped(states)
        return output

    def _loop(self, x, states, mask_tm, training):
        """The generic path: the cell's own step, recorded op by op."""
        outputs = []
        prev = None
        cell_kwargs = {"training": training} if self.cell._call_kwargs(True, None) else {}
        for t in range(x.shape[1]):
            out, new_states = self.cell.call(x[:, t], states, **cell_kwargs)
            new_states = _as_state_list(new_states)
            if mask_tm is not None:
                m = mask_tm[t]
                new_states = [ops.where(m, n, s) for n, s in zip(new_states, states)]
                out = ops.where(m, out, prev if prev is not None else ops.zeros_like(out))
            outputs.append(out)
            prev, states = out, new_states
        return ops.stack(outputs, axis=0), states

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        units = _output_size(self.cell)
        out = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [out] + self._grouped([(batch, s) for s in self._state_sizes()])
        return out

    def compute_mask(self, inputs, mask=None):
        """The time-step mask passes on with ``return_sequences`` (unchanged, even with
        ``go_backwards``, as Keras 3 does); the returned states carry none."""
        if isinstance(mask, (list, tuple)):
            mask = flatten(mask)[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self._state_sizes())
        return output_mask

    def get_config(self):
        config = super().get_config()
        config.update(
            return_sequences=self.return_sequences,
            return_state=self.return_state,
            go_backwards=self.go_backwards,
            stateful=self.stateful,
            unroll=self.unroll,
            zero_output_for_mask=self.zero_output_for_mask,
        )
        if type(self) is RNN:
            config["cell"] = {"class_name": type(self.cell).__name__, "config": self.cell.get_config()}
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = _cell_from_config(cell)
        return cls(cell, **config)


class _CellLayer(RNN):
    """An RNN whose cell it makes itself from its own arguments (SimpleRNN, LSTM, GRU)."""

    _cell_class = None
    _cell_name = None
    _RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                 "zero_output_for_mask")
    _BASE_ARGS = ("name", "trainable", "dtype", "activity_regularizer", "input_shape", "input_dim",
                  "batch_size", "batch_input_shape", "input_length")

    def __init__(self, units, **kwargs):
        layer_kwargs = {k: kwargs.pop(k) for k in self._RNN_ARGS + self._BASE_ARGS if k in kwargs}
        cell = self._cell_class(units, name=self._cell_name, dtype=layer_kwargs.get("dtype"),
                                trainable=layer_kwargs.get("trainable", True), **kwargs)
        super().__init__(cell, **layer_kwargs)

    def __getattr__(self, name):
        # units, activation, dropout, kernel, ...: the cell's (Keras exposes them on the layer).
        if name.startswith("__") or name == "cell":
            raise AttributeError(name)
        cell = self.__dict__.get("cell")
        if cell is not None and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def get_config(self):
        config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            config.pop(key, None)
        config.update(super().get_config())
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class SimpleRNN(_CellLayer):
    """Fully connected RNN: h_t = tanh(x_t W + h_{t-1} U + b). (B, T, n) -> (B, units)."""

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997). (B, T, n) -> (B, units).

    Weights: kernel (n, 4u), recurrent_kernel (u, 4u), bias (4u,); gates i, f, c, o.
    With ``return_state`` returns ``[output, h, c]``.
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"


class GRU(_CellLayer):
    """Gated recurrent unit (Cho et al., 2014). (B, T, n) -> (B, units).

    ``reset_after=True`` (default): bias (2, 3u), as Keras 3 and cuDNN.
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"
