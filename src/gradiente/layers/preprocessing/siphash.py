"""SipHash-2-4 with a 128-bit key, vectorised over many byte strings.

TensorFlow's ``tf.strings.to_hash_bucket_strong(s, n, key=[k0, k1])`` is
``siphash24(k0, k1, bytes) % n``; Keras's Hashing and lookup layers use it when given a
``salt``. Strings are grouped by their number of whole 8-byte words and each group runs
the rounds on uint64 arrays.
"""
import numpy as np

from gradiente.layers.preprocessing.farmhash import _Bytes, _rotate

_U = np.uint64


def _round(v0, v1, v2, v3):
    # Rotations here are left rotations by 13, 16, 32, 17, 21: right by 64 minus those.
    v0 = v0 + v1
    v1 = _rotate(v1, 51) ^ v0
    v0 = _rotate(v0, 32)
    v2 = v2 + v3
    v3 = _rotate(v3, 48) ^ v2
    v0 = v0 + v3
    v3 = _rotate(v3, 43) ^ v0
    v2 = v2 + v1
    v1 = _rotate(v1, 47) ^ v2
    v2 = _rotate(v2, 32)
    return v0, v1, v2, v3


def _siphash_group(b, k0, k1):
    zeros = np.zeros(b.n, dtype=np.uint64)
    v0 = zeros + (k0 ^ _U(0x736F6D6570736575))
    v1 = zeros + (k1 ^ _U(0x646F72616E646F6D))
    v2 = zeros + (k0 ^ _U(0x6C7967656E657261))
    v3 = zeros + (k1 ^ _U(0x7465646279746573))
    words = int(b.lengths[0] // 8)
    for i in range(words + 1):
        m = b.fetch(8 * i)
        if i == words:  # the tail (zero-padded by _Bytes) carries the length in its top byte
            m = m | ((b.lengths.astype(np.uint64) & _U(0xFF)) << _U(56))
        v3 = v3 ^ m
        v0, v1, v2, v3 = _round(*_round(v0, v1, v2, v3))
        v0 = v0 ^ m
    v2 = v2 ^ _U(0xFF)
    for _ in range(4):
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def siphash24(strings, key):
    """SipHash-2-4 of each byte string under ``key = (k0, k1)`` (two uint64): -> (n,) uint64."""
    k0, k1 = (_U(int(k) & 0xFFFFFFFFFFFFFFFF) for k in key)
    strings = list(strings)
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    out = np.empty(len(strings), dtype=np.uint64)
    with np.errstate(over="ignore"):
        words = lengths // 8
        for key_words in np.unique(words):
            idx = np.flatnonzero(words == key_words)
            out[idx] = _siphash_group(_Bytes([strings[i] for i in idx], lengths[idx]), k0, k1)
    return out
