"""IntegerLookup: integers -> vocabulary indices (or counts), or indices -> integers."""
import numpy as np

from gradiente.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Maps integers to contiguous indices from a vocabulary (given, or learned by ``adapt``).

    As StringLookup, with ``oov_token=-1`` and no mask by default. With several OOV
    indices, an unknown value goes to ``value % num_oov_indices`` (``oov_method="floormod"``)
    or to FarmHash64 of its decimal string (``"farmhash"``; SipHash with ``salt``).

    >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
    >>> layer([[12, 1138, 42], [42, 1000, 36]]).numpy().tolist()
    [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError("IntegerLookup: only vocabulary_dtype='int64' is supported. Received: "
                             f"vocabulary_dtype={vocabulary_dtype!r}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=None if mask_token is None else int(mask_token),
                         oov_token=None if oov_token is None else int(oov_token),
                         vocabulary_dtype="int64", vocabulary=vocabulary, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, salt=salt,
                         name=name, **kwargs)

    def _tokens_of(self, array):
        if array.dtype.kind not in "iu":
            raise TypeError(f"IntegerLookup '{self.name}' takes integers, but received an array of dtype "
                            f"{array.dtype}.")
        return array.ravel().tolist()

    def _read_vocabulary_file(self, path, where):
        lines = super()._read_vocabulary_file(path, where)
        try:
            return [int(line) for line in lines]
        except ValueError:
            raise ValueError(f"{where}: the vocabulary file {path!r} must hold one integer per line.") from None

    def _checked_vocabulary(self, vocabulary, where):
        bad = [v for v in vocabulary if not isinstance(v, (int, np.integer)) or isinstance(v, bool)]
        if bad:
            raise TypeError(f"{where}: the vocabulary must hold integers; found {bad[:5]}.")
        return [int(v) for v in vocabulary]

    def get_config(self):
        config = super().get_config()
        config.update(vocabulary_dtype="int64", oov_method=self.oov_method)
        return config
