"""FarmHash Fingerprint64 (farmhashna's Hash64), vectorised over many byte strings.

TensorFlow's ``tf.strings.to_hash_bucket_fast`` is ``fingerprint64(bytes) % num_buckets``;
Keras's Hashing and lookup layers bucket strings with it, so indices agree across
machines and with models trained in Keras. All arithmetic is on uint64 arrays, which wrap
modulo 2**64 as the C++ does; strings are grouped by FarmHash's length classes
(0-16, 17-32, 33-64, and over 64 by their number of 64-byte blocks) and each group is
hashed at once from a zero-padded byte matrix.
"""
import numpy as np

_K0 = np.uint64(0xC3A5C85C97CB3127)
_K1 = np.uint64(0xB492B66FBE98F273)
_K2 = np.uint64(0x9AE16A3B2F90404F)
_U = np.uint64


def _rotate(v, shift):
    # Right rotation; every shift FarmHash uses is in 1..63.
    return (v >> _U(shift)) | (v << _U(64 - shift))


def _shift_mix(v):
    return v ^ (v >> _U(47))


def _hash_len16(u, v, mul):
    a = (u ^ v) * mul
    a ^= a >> _U(47)
    b = (v ^ a) * mul
    b ^= b >> _U(47)
    return b * mul


class _Bytes:
    """A group of strings as a zero-padded (n, width) uint8 matrix, read little-endian."""

    def __init__(self, strings, lengths):
        self.n = len(strings)
        self.lengths = lengths
        width = int(lengths.max(initial=0)) + 8
        self.rows = np.arange(self.n)
        self.buf = np.zeros((self.n, width), dtype=np.uint8)
        flat = np.frombuffer(b"".join(strings), dtype=np.uint8)
        if flat.size:
            starts = np.cumsum(lengths) - lengths
            row = np.repeat(self.rows, lengths)
            col = np.arange(flat.size) - np.repeat(starts, lengths)
            self.buf[row, col] = flat

    def fetch(self, offset, size=8):
        """The ``size``-byte little-endian word at ``offset`` (an int or one per string)."""
        if np.isscalar(offset):
            block = np.ascontiguousarray(self.buf[:, offset:offset + size])
        else:
            block = self.buf[self.rows[:, None], offset[:, None] + np.arange(size)]
        word = block.view("<u8" if size == 8 else "<u4")[:, 0]
        return word.astype(np.uint64)


def _len0to16(b):
    n = b.lengths.astype(np.uint64)
    out = np.full(b.n, _K2, dtype=np.uint64)
    mul = _K2 + n * _U(2)
    big = b.lengths >= 8
    if big.any():
        a = b.fetch(0) + _K2
        last = b.fetch(np.maximum(b.lengths - 8, 0))
        c = _rotate(last, 37) * mul + a
        d = (_rotate(a, 25) + last) * mul
        out = np.where(big, _hash_len16(c, d, mul), out)
    mid = (b.lengths >= 4) & ~big
    if mid.any():
        a = b.fetch(0, 4)
        last = b.fetch(np.maximum(b.lengths - 4, 0), 4)
        out = np.where(mid, _hash_len16(n + (a << _U(3)), last, mul), out)
    small = (b.lengths > 0) & (b.lengths < 4)
    if small.any():
        x = b.buf[:, 0].astype(np.uint64)
        y = b.buf[b.rows, b.lengths >> 1].astype(np.uint64)
        z = b.buf[b.rows, np.maximum(b.lengths - 1, 0)].astype(np.uint64)
        # FarmHash computes these two in uint32 before widening; they cannot overflow.
        y = x + (y << _U(8))
        z = n + (z << _U(2))
        out = np.where(small, _shift_mix(y * _K2 ^ z * _K0) * _K2, out)
    return out


def _len17to32(b):
    n = b.lengths
    mul = _K2 + n.astype(np.uint64) * _U(2)
    a = b.fetch(0) * _K1
    x = b.fetch(8)
    c = b.fetch(n - 8) * mul
    d = b.fetch(n - 16) * _K2
    return _hash_len16(_rotate(a + x, 43) + _rotate(c, 30) + d, a + _rotate(x + _K2, 18) + c, mul)


def _len33to64(b):
    n = b.lengths
    mul = _K2 + n.astype(np.uint64) * _U(2)
    a = b.fetch(0) * _K2
    x = b.fetch(8)
    c = b.fetch(n - 8) * mul
    d = b.fetch(n - 16) * _K2
    y = _rotate(a + x, 43) + _rotate(c, 30) + d
    z = _hash_len16(y, a + _rotate(x + _K2, 18) + c, mul)
    e = b.fetch(16) * mul
    f = b.fetch(24)
    g = (y + b.fetch(n - 32)) * mul
    h = (z + b.fetch(n - 24)) * mul
    return _hash_len16(_rotate(e + f, 43) + _rotate(g, 30) + h, e + _rotate(f + a, 18) + g, mul)


def _weak32(b, offset, a, c):
    """WeakHashLen32WithSeeds on the 32 bytes at ``offset``, seeds ``a`` and ``c``."""
    w, x, y, z = (b.fetch(offset + k) for k in (0, 8, 16, 24))
    a = a + w
    c = _rotate(c + a + z, 21)
    keep = a
    a = a + x + y
    c = c + _rotate(a, 44)
    return a + z, c + keep


def _len_over64(b):
    """Strings of 65+ bytes that all have the same number of 64-byte blocks before the tail."""
    n = b.lengths
    zeros = np.zeros(b.n, dtype=np.uint64)
    seed = _U(81)
    x = zeros + seed
    y = zeros + (seed * _K1 + _U(113))
    z = _shift_mix(y * _K2 + _U(113)) * _K2
    v0, v1, w0, w1 = zeros, zeros, zeros, zeros
    x = x * _K2 + b.fetch(0)
    blocks = int((n[0] - 1) // 64)
    for i in range(blocks):
        s = 64 * i
        x = _rotate(x + y + v0 + b.fetch(s + 8), 37) * _K1
        y = _rotate(y + v1 + b.fetch(s + 48), 42) * _K1
        x ^= w1
        y = y + v0 + b.fetch(s + 40)
        z = _rotate(z + w0, 33) * _K1
        v0, v1 = _weak32(b, s, v1 * _K1, x + w0)
        w0, w1 = _weak32(b, s + 32, z + w1, y + b.fetch(s + 16))
        x, z = z, x
    mul = _K1 + ((z & _U(0xFF)) << _U(1))
    last = n - 64
    w0 = w0 + ((n - 1) & 63).astype(np.uint64)
    v0 = v0 + w0
    w0 = w0 + v0
    x = _rotate(x + y + v0 + b.fetch(last + 8), 37) * mul
    y = _rotate(y + v1 + b.fetch(last + 48), 42) * mul
    x ^= w1 * _U(9)
    y = y + v0 * _U(9) + b.fetch(last + 40)
    z = _rotate(z + w0, 33) * mul
    v0, v1 = _weak32(b, last, v1 * mul, x + w0)
    w0, w1 = _weak32(b, last + 32, z + w1, y + b.fetch(last + 16))
    x, z = z, x
    return _hash_len16(_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z,
                       _hash_len16(v1, w1, mul) + x, mul)


def fingerprint64(strings):
    """FarmHash Fingerprint64 of each byte string: a list of ``bytes`` -> (n,) uint64.

    >>> int(fingerprint64([b"A"])[0] % 3)  # Keras's Hashing(num_bins=3) puts 'A' in bin 1
    1
    """
    strings = list(strings)
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    out = np.empty(len(strings), dtype=np.uint64)
    # Group key: 0 (<=16), 1 (17-32), 2 (33-64), then 2 + blocks for longer strings.
    group = np.where(lengths <= 16, 0, np.where(lengths <= 32, 1, np.where(lengths <= 64, 2, 2 + (lengths - 1) // 64)))
    with np.errstate(over="ignore"):
        for key in np.unique(group):
            idx = np.flatnonzero(group == key)
            b = _Bytes([strings[i] for i in idx], lengths[idx])
            if key == 0:
                out[idx] = _len0to16(b)
            elif key == 1:
                out[idx] = _len17to32(b)
            elif key == 2:
                out[idx] = _len33to64(b)
            else:
                out[idx] = _len_over64(b)
    return out
