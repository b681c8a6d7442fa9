"""TextVectorization: strings -> standardized, split, n-grammed tokens -> indices or counts."""
import itertools

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.preprocessing import text_processing as text
from gradiente.layers.preprocessing.data_layer import NOT_SUPPORTED_SPARSE, DataLayer, as_array, batches, string_list
from gradiente.layers.preprocessing.string_lookup import StringLookup

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
# The common case (built-in standardization, whitespace split, no n-grams) runs on chunks of
# samples joined into one string: one C-level split per chunk instead of one per sample, and
# chunks keep the token strings that live at once few. A NUL token separates samples.
_CHUNK = 8192
_MARK = -3
_SPLIT = ("whitespace", "character")


class TextVectorization(DataLayer):
    """Turns strings into token indices ("int") or per-sample token vectors.

    Steps: ``standardize`` ("lower_and_strip_punctuation", "lower", "strip_punctuation",
    None, or a callable on a NumPy str array), ``split`` ("whitespace", "character", None,
    or a callable returning one token list per sample), ``ngrams`` (n, or a tuple of widths),
    then a StringLookup with mask "" (index 0, also the padding) and OOV "[UNK]" (index 1).
    Input: (batch,) or (batch, 1) strings. Output: "int" -> (batch, output_sequence_length)
    int64 (padded with 0 or cut; without a length, padded to the longest sample);
    "multi_hot"/"count"/"tf_idf" -> (batch, vocabulary_size) float32.
    ``ragged=True`` and ``sparse=True`` are refused (no ragged or sparse tensors here).

    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    >>> layer([["foo qux bar"], ["qux baz"]]).numpy().tolist()
    [[4, 1, 3, 0], [1, 2, 0, 0]]
    """

    _plain_data_attributes = frozenset({"_marked_table"})

    accepts_strings = True  # an unbuilt Sequential starting with it may fit on strings

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8",
                 name=None, **kwargs):
        if sparse:
            raise ValueError(f"TextVectorization: {NOT_SUPPORTED_SPARSE}")
        if ragged:
            raise ValueError("TextVectorization: `ragged=True` is not supported: gradiente has no ragged "
                             "tensors (Keras supports it only on the TensorFlow backend). Use "
                             "output_sequence_length or the default padding to the longest sample.")
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(f"TextVectorization: `standardize` must be one of {_STANDARDIZE}, None or a "
                             f"callable. Received: standardize={standardize!r}")
        if not (split is None or callable(split) or split in _SPLIT):
            raise ValueError(f"TextVectorization: `split` must be one of {_SPLIT}, None or a callable. "
                             f"Received: split={split!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in ("int", "multi_hot", "count", "tf_idf"):
            raise ValueError("TextVectorization: `output_mode` must be one of ('int', 'multi_hot', "
                             f"'count', 'tf_idf'). Received: output_mode={output_mode!r}")
        if not (ngrams is None or _is_int(ngrams) or (isinstance(ngrams, tuple) and all(map(_is_int, ngrams)))):
            raise ValueError(f"TextVectorization: `ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams!r}")
        if ngrams is not None and split is None:
            raise ValueError("TextVectorization: `ngrams` needs a `split` (n-grams of whole, unsplit strings "
                             "are not supported).")
        if output_mode == "int" and not (output_sequence_length is None or _is_int(output_sequence_length)):
            raise ValueError("TextVectorization: `output_sequence_length` must be None or an integer when "
                             f"output_mode is 'int'. Received: output_sequence_length={output_sequence_length!r}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("TextVectorization: `output_sequence_length` must not be set if `output_mode` "
                             f"is not 'int'. Received: output_sequence_length={output_sequence_length}")
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if _is_int(ngrams) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._encoding = encoding
        self._marked_table = (None, None)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            has_input_vocabulary=has_input_vocabulary, encoding=encoding, vocabulary_size=vocabulary_size)

    @property
    def output_dtype(self):
        return "int64" if self._output_mode == "int" else backend.floatx()

    # --- vocabulary -------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order ("" and "[UNK]" first, unless excluded)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replace the vocabulary (list, array or file path) and, for 'tf_idf', the weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # --- adapt ------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from strings: an array/list of samples, or an iterable of
        batches. Tokens are ordered by count, ties by the token, descending."""
        self.reset_state()
        for batch, _ in batches(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via the "
                             "`vocabulary` argument.")
        array = as_array(data, self)
        if self._fast_path() and lookup.output_mode != "tf_idf" and self._count_flat(array):
            return
        rows, shape = self._preprocess(array)
        if rows is None:  # split=None: each row of the array is a sample
            rows = [list(r) for r in shape.reshape(len(shape), -1).tolist()] if shape.ndim else [[shape.item()]]
        lookup._count_rows(rows)

    def _count_flat(self, array):
        """Token counts by the chunked path; False (nothing counted) where it does not apply."""
        strings = self._sample_strings(array)
        chunks = []
        for start in range(0, len(strings), _CHUNK):
            chunk = strings[start:start + _CHUNK]
            flat = text.flat_whitespace_tokens(chunk, self._standardize)
            if flat is None:
                return False
            chunks.append((flat, len(chunk) - 1))
        counts = self._lookup_layer._counts
        for flat, separators in chunks:
            counts.update(flat)
            counts[text.SEP] -= separators
            if not counts[text.SEP]:
                del counts[text.SEP]
        return True

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    # --- call -------------------------------------------------------------------------
    def _fast_path(self):
        return (self._split == "whitespace" and not callable(self._standardize)
                and self._ngrams in (None, (1,)))

    def _sample_strings(self, array):
        """One str per sample: a (batch, 1) array loses its last axis when splitting."""
        where = f"TextVectorization '{self.name}'"
        if self._split is not None and array.ndim > 1:
            if array.shape[-1] != 1:
                raise ValueError(f"{where}: to split strings, the input must have rank 1 or a last axis of "
                                 f"size 1. Received shape {array.shape}.")
            array = array[..., 0]
        return string_list(array, where, self._encoding)

    def _preprocess(self, array):
        """(token rows, None) when splitting, else (None, standardized string array)."""
        where = f"TextVectorization '{self.name}'"
        strings = self._sample_strings(array)
        if self._split is not None and array.ndim > 1:
            array = array[..., 0]
        if callable(self._standardize):
            result = self._standardize(np.array(strings, dtype=str).reshape(array.shape))
            strings = string_list(as_array(result, self), f"{where}'s standardize")
        else:
            strings = text.standardize(strings, self._standardize)
        if self._split is None:
            return None, np.array(strings, dtype=object).reshape(array.shape)
        if self._split == "whitespace":
            rows = text.split_whitespace(strings)
        elif self._split == "character":
            rows = text.split_characters(strings)
        else:
            rows = text.as_token_rows(self._split(np.array(strings, dtype=str)), where)
        if self._ngrams is not None:
            rows = text.ngrams(rows, self._ngrams)
        return rows, None

    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._check_ready()
        array = inputs.data
        if self._fast_path() and lookup.num_oov_indices == 1:
            found = self._lookup_flat(self._sample_strings(array))
            if found is not None:
                return self._assemble(array, *found)
        rows, unsplit = self._preprocess(array)
        if rows is None:
            return self._call_unsplit(unsplit)
        length = self._output_sequence_length
        if self._output_mode == "int" and length is not None:
            rows = [r[:length] for r in rows]
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        indices = lookup.lookup(list(itertools.chain.from_iterable(rows)))
        row_ids = np.repeat(np.arange(len(rows)), lengths)
        positions = np.arange(len(indices)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return self._assemble(array, indices, row_ids, positions)

    def _lookup_flat(self, strings):
        """(indices, sample of each, position in its sample) by the chunked path, or None."""
        table = self._marked_lookup_table()
        if table is None:
            return None
        default = self._lookup_layer._default()
        found = []
        for start in range(0, len(strings), _CHUNK):
            flat = text.flat_whitespace_tokens(strings[start:start + _CHUNK], self._standardize)
            if flat is None:
                return None
            ids = np.fromiter(map(table.get, flat, itertools.repeat(default, len(flat))), dtype=np.int64,
                              count=len(flat))
            marks = np.flatnonzero(ids == _MARK)
            sample = np.zeros(len(ids), dtype=np.int64)
            sample[marks] = 1
            sample = np.cumsum(sample)
            position = np.arange(len(ids)) - np.concatenate(([0], marks + 1))[sample]
            keep = ids != _MARK
            found.append((ids[keep], sample[keep] + start, position[keep]))
        if not found:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
        return tuple(np.concatenate(parts) for parts in zip(*found))

    def _marked_lookup_table(self):
        """The lookup's table plus the sample separator (None if a token is the separator)."""
        table = self._lookup_layer._table
        if self._marked_table[0] is not table:
            marked = None if text.SEP in table else {**table, text.SEP: _MARK}
            self._marked_table = (table, marked)
        return self._marked_table[1]

    def _assemble(self, array, indices, samples, positions):
        """The output from each token's index, sample and position in its sample."""
        n = 1 if array.ndim == 0 else len(array)
        if self._output_mode == "int":
            length = self._output_sequence_length
            width = int(positions.max(initial=-1)) + 1 if length is None else length
            keep = positions < width
            out = np.zeros((n, width), dtype=np.int64)
            out[samples[keep], positions[keep]] = indices[keep]
            return Tensor(out[0] if array.ndim == 0 else out)
        out = self._lookup_layer._encode(indices, samples, n)
        return Tensor(out.data[0]) if array.ndim == 0 else out

    def _call_unsplit(self, strings):
        lookup = self._lookup_layer
        indices = lookup.lookup(strings.ravel().tolist()).reshape(strings.shape)
        if self._output_mode != "int":
            return lookup._encode(indices[:, None] if indices.ndim == 1 else indices)
        length = self._output_sequence_length
        if length is not None and indices.ndim:
            indices = indices[..., :length]
            pad = [(0, 0)] * (indices.ndim - 1) + [(0, length - indices.shape[-1])]
            indices = np.pad(indices, pad)
        return Tensor(indices)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        batch = input_shape[0] if input_shape else None
        if self._output_mode == "int":
            if self._split is None:
                shape = input_shape
                return shape[:-1] + (self._output_sequence_length,) if self._output_sequence_length else shape
            return (batch, self._output_sequence_length)
        # Keras's own shape here keeps a (batch, 1) input's axis of 1; the call squeezes it
        # before splitting, so the real output is (batch, depth), given here.
        lookup = self._lookup_layer
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        return (batch, depth)

    # --- config -----------------------------------------------------------------------
    def get_config(self):
        """Keras's keys; the vocabulary (given or adapted) and idf weights included."""
        lookup_config = self._lookup_layer.get_config()
        config = super().get_config()
        config.update(
            max_tokens=lookup_config["max_tokens"], standardize=_serialize_callable(self._standardize),
            split=_serialize_callable(self._split), ngrams=self._ngrams_arg, output_mode=self._output_mode,
            output_sequence_length=self._output_sequence_length,
            pad_to_max_tokens=lookup_config["pad_to_max_tokens"], sparse=False, ragged=False,
            vocabulary=lookup_config["vocabulary"], idf_weights=lookup_config["idf_weights"],
            encoding=self._encoding, vocabulary_size=lookup_config["vocabulary_size"],
            has_input_vocabulary=lookup_config["has_input_vocabulary"])
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            if isinstance(config.get(key), dict):
                from gradiente.saving.serialization_lib import deserialize_keras_object

                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _serialize_callable(value):
    if value is None or isinstance(value, str):
        return value
    from gradiente.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(value)
