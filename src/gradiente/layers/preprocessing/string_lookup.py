"""StringLookup: strings -> vocabulary indices (or counts), or indices -> strings."""
from gradiente.layers.preprocessing.data_layer import string_list
from gradiente.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Maps strings to integer indices from a vocabulary (given, or learned by ``adapt``).

    Indices: ``[mask_token (int mode, if set)] [oov_token x num_oov_indices] [vocabulary]``;
    an unknown string goes to the OOV index (with several, by FarmHash64 of its UTF-8 bytes,
    or SipHash with ``salt``). ``output_mode``: "int" (same shape, int64), "one_hot",
    "multi_hot", "count", "tf_idf" (float32, last axis of size ``vocabulary_size()``).
    ``invert=True`` maps indices back to strings. ``sparse=True`` is refused (no sparse
    tensors here).

    >>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
    >>> layer([["a", "c", "d"], ["d", "z", "b"]]).numpy().tolist()
    [[1, 3, 4], [4, 0, 2]]
    """

    accepts_strings = True  # an unbuilt Sequential starting with it may fit on strings

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        kwargs.pop("vocabulary_dtype", None)  # strings only, as Keras (its config omits it)
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary_dtype="string", vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name, salt=salt,
                         **kwargs)

    def _tokens_of(self, array):
        return string_list(array, f"StringLookup '{self.name}'", self.encoding)

    def _token_strings(self, tokens):
        return [t.encode("utf-8") for t in tokens]

    def _checked_vocabulary(self, vocabulary, where):
        vocabulary = [v.decode("utf-8") if isinstance(v, bytes) else v for v in vocabulary]
        bad = [v for v in vocabulary if not isinstance(v, str)]
        if bad:
            raise TypeError(f"{where}: the vocabulary must hold strings; found {bad[:5]}.")
        return vocabulary

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        return config
