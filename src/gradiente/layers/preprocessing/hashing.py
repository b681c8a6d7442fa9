"""Hashing: strings or integers -> ``num_bins`` buckets by FarmHash64 (SipHash with a salt)."""
import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.preprocessing import encoding
from gradiente.layers.preprocessing.data_layer import NOT_SUPPORTED_SPARSE, DataLayer, string_list
from gradiente.layers.preprocessing.farmhash import fingerprint64
from gradiente.layers.preprocessing.siphash import siphash24


class Hashing(DataLayer):
    """Bucket index of each value: ``fingerprint64(utf8) % num_bins`` as TensorFlow's
    ``to_hash_bucket_fast`` (with ``salt``: SipHash-2-4 keyed by ``[k0, k1]``, as
    ``to_hash_bucket_strong``). Integers hash as their decimal strings, floats are first
    truncated to integers. With ``mask_value``, that value goes to bin 0 and the others to
    ``1 + hash % (num_bins - 1)``. ``output_mode``: "int" (same shape, int64 by default),
    "one_hot", "multi_hot", "count" (float32, last axis ``num_bins``).

    >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).numpy().ravel().tolist()
    [1, 0, 1, 1, 2]
    """

    accepts_strings = True  # an unbuilt Sequential starting with it may fit on strings

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"Hashing: `num_bins` cannot be None or non-positive. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"Hashing: when output_mode='int', `dtype` must be 'int32' or 'int64'. "
                             f"Received: dtype={self.dtype}")
        encoding.check_mode(output_mode, ("int", "one_hot", "multi_hot", "count"), "Hashing")
        if sparse:
            raise ValueError(f"Hashing: {NOT_SUPPORTED_SPARSE}")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
                salt = [int(salt), int(salt)]
            else:
                raise ValueError(f"Hashing: `salt` must be an integer or a pair of integers. Received: salt={salt!r}.")
        self.num_bins, self.mask_value, self.salt = int(num_bins), mask_value, salt
        self.strong_hash = salt is not None
        self.output_mode, self.sparse = output_mode, False
        self.built = True

    @property
    def output_dtype(self):
        return self.dtype

    def call(self, inputs):
        array = inputs.data
        if self.output_mode == "one_hot" and array.ndim and array.shape[-1] == 1:
            array = array[..., 0]
        bins = self._hash_to_bins(array).reshape(array.shape)
        return Tensor(encoding.encode(bins, self.output_mode, self.num_bins, self.dtype,
                                      where=f"Hashing '{self.name}'"))

    def _hash_to_bins(self, array):
        where = f"Hashing '{self.name}'"
        bins, mask = self.num_bins, None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = np.broadcast_to(np.asarray(array == self.mask_value), array.shape).ravel()
        if array.dtype.kind == "f":
            array = array.astype(np.int64)  # as Keras: floats are truncated to integers
        if array.dtype.kind == "b":  # TensorFlow's as_string spells booleans out
            data = [b"true" if v else b"false" for v in array.ravel().tolist()]
        elif array.dtype.kind in "iu":
            data = [str(v).encode() for v in array.ravel().astype(np.int64).tolist()]
        else:
            data = _as_bytes(array, where)
        hashed = fingerprint64(data) if self.salt is None else siphash24(data, self.salt)
        out = (hashed % np.uint64(bins)).astype(np.int64)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def compute_output_shape(self, input_shape):
        # Keras's own shape for "one_hot" drops a last axis of any size; its call (and this
        # one) replaces only an axis of size 1, so the shape given is the one produced.
        return encoding.output_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        config = super().get_config()
        config.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                      output_mode=self.output_mode, sparse=False)
        return config


def _as_bytes(array, where):
    """Each element's bytes: str as UTF-8, bytes as they are (TensorFlow hashes raw bytes)."""
    if array.dtype.kind == "S":
        return array.ravel().tolist()
    if array.dtype.kind == "O" and any(isinstance(v, bytes) for v in array.ravel().tolist()):
        return [v if isinstance(v, bytes) else string_list(np.array([v], dtype=object), where)[0].encode("utf-8")
                for v in array.ravel().tolist()]
    return [s.encode("utf-8") for s in string_list(array, where)]
