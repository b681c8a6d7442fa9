"""StackedRNNCells, and the helpers RNN shares with it for reading a cell's states and
output size (a cell is any layer with ``call(inputs, states)`` and ``state_size``)."""
import numpy as np

from gradiente import ops
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import Layer
from gradiente.layers.recurrent.cells import _DropoutCell
from gradiente.utils.nest import flatten


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


def _as_state_list(states):
    return list(states) if isinstance(states, (list, tuple)) else [states]
