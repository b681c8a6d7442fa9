"""``keras.preprocessing.sequence``: pad_sequences, as in Keras 3."""
from gradiente.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]
