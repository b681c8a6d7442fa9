"""IndexLookup: the vocabulary table behind StringLookup, IntegerLookup and TextVectorization.

Index layout, as Keras's: ``[mask (int mode only)] [OOV x num_oov_indices] [tokens...]``.
``adapt`` counts tokens and orders them by descending count, ties by descending token
(Keras sorts by (count, token) and reverses); ``tf_idf`` weights are
``log(1 + documents / (1 + documents containing the token))``, the OOV slots getting their
mean. The vocabulary is a Python dict, so a lookup is one dict probe per token.
"""
import collections
import itertools
import math
import os

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.preprocessing import encoding
from gradiente.layers.preprocessing.data_layer import NOT_SUPPORTED_SPARSE, DataLayer, as_array, batches
from gradiente.layers.preprocessing.farmhash import fingerprint64
from gradiente.layers.preprocessing.siphash import siphash24

_DROP, _OOV = -1, -2  # lookup markers: masked in a counting mode; not in the vocabulary


class IndexLookup(DataLayer):
    """Maps tokens to indices (or back, with ``invert``); see StringLookup for the arguments."""

    _plain_data_attributes = frozenset({
        "input_vocabulary", "input_idf_weights", "idf_weights", "_tokens", "_table", "_inverse",
        "_counts", "_doc_counts"})

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        where = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{where}: if set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{where}: pad_to_max_tokens=True needs `max_tokens`. Received: max_tokens=None")
        if num_oov_indices is None or num_oov_indices < 0:
            raise ValueError(f"{where}: `num_oov_indices` must be >= 0. Received: num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{where}: `oov_method` must be 'floormod' or 'farmhash'. Received: {oov_method!r}")
        if salt is not None:
            if vocabulary_dtype == "int64" and oov_method != "farmhash":
                raise ValueError(f"{where}: `salt` can only be used with oov_method='farmhash'. "
                                 f"Received: oov_method={oov_method!r}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
                salt = [int(salt), int(salt)]
            else:
                raise ValueError(f"{where}: `salt` must be an integer or a pair of integers. Received: salt={salt!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        encoding.check_mode(output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"), where)
        if invert and output_mode != "int":
            raise ValueError(f"{where}: `output_mode` must be 'int' when `invert` is true. Received: output_mode={output_mode!r}")
        if sparse:
            raise ValueError(f"{where}: {NOT_SUPPORTED_SPARSE}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{where}: `idf_weights` should only be set if `output_mode` is 'tf_idf'. "
                             f"Received: output_mode={output_mode!r}")
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        super().__init__(name=name, **kwargs)
        self.invert, self.max_tokens, self.num_oov_indices = bool(invert), max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token, self.output_mode = mask_token, oov_token, output_mode
        self.sparse, self.pad_to_max_tokens = False, bool(pad_to_max_tokens)
        self.vocabulary_dtype, self.oov_method, self.salt = vocabulary_dtype, oov_method, salt
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._tokens, self._table, self.idf_weights = [], {}, None
        self._vocab_ready = False
        self.reset_state()
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError(f"{where}: when `vocabulary` is given in 'tf_idf' output mode, "
                             "`idf_weights` must be given too.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # --- what subclasses say about their tokens ---------------------------------------
    def _tokens_of(self, array):
        """The input's elements as a flat list of hashable tokens (checked for dtype).
        Each lookup defines it (StringLookup: strings, IntegerLookup: integers)."""
        raise NotImplementedError(f"{type(self).__name__} must define _tokens_of: IndexLookup is "
                                  "a base class; use StringLookup or IntegerLookup.")

    def _token_strings(self, tokens):
        """Tokens as the bytes hashed into OOV buckets."""
        return [str(t).encode("utf-8") for t in tokens]

    # --- the index layout -------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    @property
    def output_dtype(self):
        if self.output_mode != "int":
            return backend.floatx()
        if self.invert:
            return "object" if self.vocabulary_dtype == "string" else "int64"
        return "int64"

    def vocabulary_size(self):
        """Size of the vocabulary, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order; without special tokens, only the real tokens."""
        if not include_special_tokens:
            return list(self._tokens)
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        return specials + list(self._tokens)

    # --- setting the vocabulary -------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replace the vocabulary (a list/array of tokens, or a text file with one per line),
        and in 'tf_idf' mode the idf weights (one per token)."""
        where = f"{type(self).__name__} '{self.name}'"
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{where}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"{where}: `idf_weights` should only be set if output_mode is 'tf_idf'. "
                             f"Received: output_mode={self.output_mode!r}")
        if isinstance(vocabulary, (str, os.PathLike)):
            vocabulary = self._read_vocabulary_file(os.fspath(vocabulary), where)
        vocabulary = as_array(vocabulary, self).ravel().tolist()
        if not vocabulary:
            raise ValueError(f"{where}: cannot set an empty vocabulary.")
        vocabulary = self._checked_vocabulary(vocabulary, where)
        token_start = self._token_start_index()
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_specials = vocabulary[:token_start] == specials
        tokens = vocabulary[token_start:] if found_specials else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{where}: the vocabulary has repeated terms {repeated}; give each term once.")
        reserved = [("mask_token", self.mask_token)] + ([("oov_token", self.oov_token)] if self.invert else [])
        for label, token in reserved:
            if token is not None and token in tokens:
                raise ValueError(
                    f"{where}: found the reserved {label} {token!r} at vocabulary index "
                    f"{len(vocabulary) - 1 - vocabulary[::-1].index(token)}. The vocabulary need not hold the "
                    f"mask and OOV tokens; give them only at its start, in this order: {specials}.")
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError(f"{where}: the vocabulary has {token_start + len(tokens)} entries (with mask and OOV "
                             f"indices), more than max_tokens={self.max_tokens}.")
        if self.output_mode == "tf_idf":
            idf = as_array(idf_weights, self).astype(np.float64)
            if idf.ndim != 1 or len(idf) != len(vocabulary):
                raise ValueError(f"{where}: `idf_weights` must be 1-D with one weight per vocabulary entry "
                                 f"({len(vocabulary)}); received shape {idf.shape}.")
            front = 0 if found_specials else token_start
            idf = np.concatenate([np.full(front, np.average(idf)), idf])
            self._set_tokens(tokens, idf)
        else:
            self._set_tokens(tokens)

    def _read_vocabulary_file(self, path, where):
        if self.output_mode == "tf_idf":
            raise ValueError(f"{where}: output_mode 'tf_idf' does not support loading a vocabulary from a file.")
        from gradiente.saving.safe_mode import in_safe_mode

        if in_safe_mode(default=False):
            raise ValueError(f"{where}: the model file asks to read the vocabulary file {path!r} from outside "
                             "the file; refused in safe mode. Pass safe_mode=False if you trust it.")
        if not os.path.isfile(path):
            raise ValueError(f"{where}: vocabulary file {path} does not exist.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def _checked_vocabulary(self, vocabulary, where):
        return vocabulary

    def _set_tokens(self, tokens, idf=None):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._table = {t: i for i, t in enumerate(self._tokens, start)}
        if self.mask_token is not None and not self.invert:
            self._table[self.mask_token] = 0 if self.output_mode == "int" else _DROP
        if idf is not None:
            if self.pad_to_max_tokens:
                idf = np.concatenate([idf, np.zeros(self.max_tokens - len(idf))])
            self.idf_weights = idf.astype(backend.floatx())
        self._inverse = None
        self._vocab_ready = True
        self._record_vocabulary_size()

    def _record_vocabulary_size(self):
        size = self.vocabulary_size()
        if (self.output_mode != "int" and not self.pad_to_max_tokens
                and self._frozen_vocab_size is not None and size != self._frozen_vocab_size):
            raise RuntimeError(
                f"When using output_mode={self.output_mode!r} and pad_to_max_tokens=False, the vocabulary "
                f"size cannot change once set. Old vocabulary size is {self._frozen_vocab_size}, new "
                f"vocabulary size is {size}.")
        self._frozen_vocab_size = size

    # --- adapt ------------------------------------------------------------------------
    def reset_state(self):
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0

    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data``: an array or list (one sample per element of a
        1-D array), or an iterable of batches (each batch a sample list or one 1-D sample)."""
        self.reset_state()
        for batch, single in batches(data, steps):
            if single and batch.ndim == 1:
                batch = batch[:, None]
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via the "
                             "`vocabulary` argument.")
        array = as_array(data, self)
        rows = array.reshape(1, -1) if array.ndim <= 1 else array
        tokens = self._tokens_of(rows)
        width = rows.shape[-1] if rows.ndim == 2 else int(np.prod(rows.shape[1:]))
        self._count_rows([tokens[i:i + width] for i in range(0, len(tokens), max(width, 1))])

    def _count_rows(self, rows):
        """Add the token counts (and per-document counts in 'tf_idf' mode) of token lists."""
        for row in rows:
            self._counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._doc_counts.update(set(row))
            self._num_documents += len(rows)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._counts.pop(special, None)
        ranked = sorted(self._counts.items(), key=_count_then_token, reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start_index()]
        tokens = [t for t, _ in ranked]
        idf = None
        if self.output_mode == "tf_idf":
            n = self._num_documents
            idf = np.array([math.log(1 + n / (1 + self._doc_counts[t])) for t in tokens]).astype(backend.floatx())
            mean = idf.mean(dtype=np.float32) if idf.size else 0.0
            idf = np.concatenate([np.full(self._token_start_index(), mean), idf])
        self._set_tokens(tokens, idf)
        self.reset_state()

    # --- call -------------------------------------------------------------------------
    def _check_ready(self):
        if not self._vocab_ready:
            raise RuntimeError(
                f"{type(self).__name__} '{self.name}' has no vocabulary yet: pass `vocabulary=` to the "
                "layer, or call layer.adapt(data) (or set_vocabulary) before using it.")

    def call(self, inputs):
        self._check_ready()
        array = inputs.data
        if self.invert:
            return self._invert(array)
        indices = self.lookup(self._tokens_of(array)).reshape(array.shape)
        return self._encode(indices)

    def lookup(self, tokens):
        """Indices (int64, 1-D) of a flat list of tokens; masked ones 0 (int) or -1 (dropped)."""
        get = self._table.get
        indices = np.fromiter(map(get, tokens, itertools.repeat(self._default(), len(tokens))), dtype=np.int64,
                              count=len(tokens))
        if self.num_oov_indices != 1:
            oov = np.flatnonzero(indices == _OOV)
            if oov.size and self.num_oov_indices == 0:
                found = [tokens[i] for i in oov[:10]]
                raise ValueError(f"{type(self).__name__} '{self.name}': when num_oov_indices=0 all inputs should "
                                 f"be in the vocabulary; found OOV values {found}. Consider num_oov_indices=1.")
            if oov.size:
                indices[oov] = self._oov_buckets([tokens[i] for i in oov]) + self._oov_start_index()
        return indices

    def _default(self):
        return self._oov_start_index() if self.num_oov_indices == 1 else _OOV

    def _oov_buckets(self, tokens):
        if self.vocabulary_dtype == "int64" and self.oov_method == "floormod":
            return np.mod(np.asarray(tokens, dtype=np.int64), self.num_oov_indices)
        data = self._token_strings(tokens)
        hashed = fingerprint64(data) if self.salt is None else siphash24(data, self.salt)
        return (hashed % np.uint64(self.num_oov_indices)).astype(np.int64)

    def _encode(self, indices, row_ids=None, n_rows=None):
        """Encode looked-up indices for the output mode (``row_ids``: ragged rows)."""
        if self.output_mode == "int":
            return Tensor(indices)
        self._ensure_known_vocab_size()
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        where = f"{type(self).__name__} '{self.name}'"
        if row_ids is None:
            out = encoding.encode(indices, mode, depth, dtype=backend.floatx(), where=where)
        else:
            out = encoding.bincount_rows(indices, row_ids, n_rows, depth, mode == "multi_hot", dtype=backend.floatx())
        if self.output_mode == "tf_idf":
            out = out * self.idf_weights[:depth]
        return Tensor(out)

    def _ensure_known_vocab_size(self):
        if not self.pad_to_max_tokens and self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using output_mode={self.output_mode!r} and pad_to_max_tokens=False, the layer's "
                "vocabulary must be set before calling it: pass `vocabulary=` or call adapt().")

    def _invert(self, array):
        if array.dtype.kind not in "iu":
            raise TypeError(f"{type(self).__name__} '{self.name}' with invert=True takes integer indices, "
                            f"received dtype {array.dtype}.")
        if self._inverse is None:
            vocab = self.get_vocabulary()
            self._inverse = np.array(vocab + [self.oov_token],
                                     dtype=object if self.vocabulary_dtype == "string" else np.int64)
        size = len(self._inverse) - 1
        position = np.where((array >= 0) & (array < size), array, size)
        return Tensor(self._inverse[position])

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return encoding.output_shape(input_shape, "one_hot" if self.output_mode == "one_hot" else "count", depth)

    def get_config(self):
        """Constructor arguments; the vocabulary (given or adapted) and idf weights included,
        so a saved model keeps what it learned."""
        config = super().get_config()
        vocabulary = self.get_vocabulary() if self._vocab_ready else None
        idf = None
        if self.output_mode == "tf_idf" and self._vocab_ready:
            idf = [float(w) for w in self.idf_weights[:self.vocabulary_size()]]
        config.update(invert=self.invert, max_tokens=self.max_tokens, num_oov_indices=self.num_oov_indices,
                      oov_token=self.oov_token, mask_token=self.mask_token, output_mode=self.output_mode,
                      sparse=False, pad_to_max_tokens=self.pad_to_max_tokens, vocabulary=vocabulary,
                      idf_weights=idf, vocabulary_size=self._frozen_vocab_size, salt=self.salt,
                      has_input_vocabulary=self._has_input_vocabulary)
        return config


def _count_then_token(item):
    return item[1], item[0]
