"""Recurrent layers: cells (one time step) and ``RNN``, which runs a cell along the time axis.

(batch, time, features) -> (batch, units), or (batch, time, units) with ``return_sequences``.

Speed: SimpleRNN, LSTM and GRU with the usual activations never put single steps on the tape:
each layer call is one primitive (``ops.recurrent``). Other cells, or other activations, take
the generic loop, which records each step's ops.

Masks: a masked step keeps the previous states, and its output repeats the previous output
(zeros before the first unmasked step), as Keras does.

The package: ``cells`` (the built-in cells), ``stacked`` (StackedRNNCells), ``rnn`` (the
RNN driver), ``named_layers`` (SimpleRNN, LSTM, GRU).
"""
from gradiente.layers.recurrent.cells import GRUCell, LSTMCell, SimpleRNNCell
from gradiente.layers.recurrent.named_layers import GRU, LSTM, SimpleRNN
from gradiente.layers.recurrent.rnn import RNN
from gradiente.layers.recurrent.stacked import StackedRNNCells

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell", "StackedRNNCells"]
