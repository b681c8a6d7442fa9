"""The named recurrent layers, each an RNN that makes its own cell from its arguments:
SimpleRNN, LSTM, GRU."""
from __future__ import annotations

from typing import Any

from gradiente.layers.recurrent.cells import GRUCell, LSTMCell, SimpleRNNCell
from gradiente.layers.recurrent.rnn import RNN


class _CellLayer(RNN):
    """An RNN whose cell it makes itself from its own arguments (SimpleRNN, LSTM, GRU)."""

    _cell_class = None
    _cell_name = None
    _RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                 "zero_output_for_mask")
    _BASE_ARGS = ("name", "trainable", "dtype", "activity_regularizer", "input_shape", "input_dim",
                  "batch_size", "batch_input_shape", "input_length")

    def __init__(self, units: int, **kwargs: Any) -> None:
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
