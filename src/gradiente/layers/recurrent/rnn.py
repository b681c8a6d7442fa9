"""RNN: runs a cell along the time axis of (batch, time, features) inputs, with masks,
``go_backwards``, ``return_sequences`` / ``return_state`` and ``stateful`` states."""
import numpy as np

from gradiente import ops
from gradiente.autodiff.tensor import Tensor
from gradiente.autodiff.trace import host_array
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer
from gradiente.layers.recurrent.cells import _DropoutCell
from gradiente.layers.recurrent.stacked import (
    StackedRNNCells, _as_state_list, _cell_from_config, _check_cell, _n_states, _output_size,
)
from gradiente.utils.nest import flatten

_TIME_HINT = (
    "Recurrent layers read sequences. If each sample is one vector of n features, add a time "
    "axis of length 1: x[:, None, :] or np.expand_dims(x, 1) (or a Reshape((1, n)) layer first); "
    "if a sequence was stored flat, reshape it, e.g. Reshape((8, 8)) for 8 steps of 8 features."
)


class RNN(Layer):
    """Runs ``cell`` along the time axis of (batch, time, features) inputs.

    Returns the last output (batch, units), or all outputs (batch, time, units) with
    ``return_sequences``; with ``return_state`` a list ``[output, *final_states]``.
    ``go_backwards`` reads the sequence from its end (outputs come in that reversed order);
    ``stateful`` carries the final states of one call into the next (``reset_state()``
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

    def reset_state(self, states=None):
        """Zero the states a stateful layer carries between calls (Keras 3); a layer that is
        not stateful carries none, and this does nothing, as in Keras.

        ``states``: set them instead, one array (batch, size) per state in ``state_size``
        order, as Keras documents (its own method accepts no argument).
        """
        if states is None:
            if self._states is not None:
                self._states = [np.zeros_like(s) for s in self._states]
            return
        if not self.stateful:
            raise ValueError(f"Layer '{self.name}' is not stateful: it carries no states to set. "
                             "Pass initial_state= when calling it, or build it with stateful=True.")
        sizes = self._state_sizes()
        arrays = [np.array(getattr(s, "data", s), dtype=self._dtype)
                  for s in flatten(_as_state_list(states))]
        batch = arrays[0].shape[0] if arrays and arrays[0].ndim == 2 else None
        if len(arrays) != len(sizes) or any(a.shape != (batch, n) for a, n in zip(arrays, sizes)):
            raise ValueError(
                f"Layer '{self.name}' carries {len(sizes)} state(s) of shapes "
                f"{[('batch', n) for n in sizes]}; reset_state(states=...) received "
                f"{[a.shape for a in arrays]}.")
        self._states = arrays

    def reset_states(self, states=None):
        """Keras's alias of ``reset_state``."""
        self.reset_state(states)

    def _initial_states(self, initial_state, batch):
        sizes = self._state_sizes()
        if initial_state is None:
            if self.stateful and self._states is not None:
                if self._states[0].shape[0] != batch:
                    raise ValueError(
                        f"Stateful layer '{self.name}' keeps states for batches of "
                        f"{self._states[0].shape[0]} samples but received a batch of {batch}. "
                        "Feed batches of one fixed size (drop the remainder), or call reset_state()."
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
            mask = host_array(mask, f"the mask of {self.name}", dtype=bool).reshape(batch, steps)
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
