"""FarmHash Fingerprint64 and SipHash-2-4 against independent references."""
import farmhash  # pyfarmhash (dev extra): an independent C++ FarmHash
import numpy as np

from gradiente import layers
from gradiente.layers.preprocessing.farmhash import fingerprint64
from gradiente.layers.preprocessing.siphash import siphash24


def _random_strings(rng, lengths):
    out = []
    for n in lengths:
        kind = rng.integers(3)
        if kind == 0:  # arbitrary bytes
            out.append(bytes(rng.integers(0, 256, size=n, dtype=np.uint8)))
        elif kind == 1:  # ASCII text
            out.append(bytes(rng.integers(32, 127, size=n, dtype=np.uint8)))
        else:  # non-ASCII UTF-8 text, cut to n bytes on a character boundary
            chars = "".join(chr(c) for c in rng.integers(0x80, 0x3000, size=n))
            data = chars.encode("utf-8")[:n]
            out.append(data.decode("utf-8", "ignore").encode("utf-8"))
    return out


def test_fingerprint64_equals_pyfarmhash_for_every_length_up_to_200_bytes():
    rng = np.random.default_rng(0)
    strings = _random_strings(rng, list(range(201)) * 4)
    assert {len(s) for s in strings} >= set(range(0, 201, 7))
    expected = np.array([farmhash.fingerprint64(s) for s in strings], dtype=np.uint64)
    np.testing.assert_array_equal(fingerprint64(strings), expected)


def test_fingerprint64_of_long_strings_and_mixed_batches():
    rng = np.random.default_rng(1)
    strings = _random_strings(rng, rng.integers(0, 2000, size=300))
    expected = np.array([farmhash.fingerprint64(s) for s in strings], dtype=np.uint64)
    np.testing.assert_array_equal(fingerprint64(strings), expected)
    assert fingerprint64([]).shape == (0,)


def test_fingerprint64_buckets_match_keras_hashing_example():
    # Keras's Hashing(num_bins=3) docstring: A..E -> 1, 0, 1, 1, 2
    assert (fingerprint64([b"A", b"B", b"C", b"D", b"E"]) % np.uint64(3)).tolist() == [1, 0, 1, 1, 2]
    out = layers.Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]])
    assert out.numpy().ravel().tolist() == [1, 0, 1, 1, 2]


def test_siphash24_published_vector_and_keras_salted_examples():
    # The SipHash paper's test: key 00..0f, message 00..0e -> a129ca6149be45e5.
    k0 = int.from_bytes(bytes(range(8)), "little")
    k1 = int.from_bytes(bytes(range(8, 16)), "little")
    assert int(siphash24([bytes(range(15))], (k0, k1))[0]) == 0xA129CA6149BE45E5
    letters = [b"A", b"B", b"C", b"D", b"E"]
    # Keras's Hashing docstring: salt=[133, 137] and salt=133 on A..E with 3 bins.
    assert (siphash24(letters, (133, 137)) % np.uint64(3)).tolist() == [1, 2, 1, 0, 2]
    assert (siphash24(letters, (133, 133)) % np.uint64(3)).tolist() == [0, 0, 2, 1, 0]


def test_siphash24_lengths_agree_with_a_scalar_reference():
    """A byte-by-byte reference written from the SipHash paper, on every length 0..40."""
    mask = (1 << 64) - 1

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & mask

    def reference(data, k0, k1):
        v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

        def sipround():
            v[0] = (v[0] + v[1]) & mask; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)  # noqa: E702
            v[2] = (v[2] + v[3]) & mask; v[3] = rotl(v[3], 16) ^ v[2]  # noqa: E702
            v[0] = (v[0] + v[3]) & mask; v[3] = rotl(v[3], 21) ^ v[0]  # noqa: E702
            v[2] = (v[2] + v[1]) & mask; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)  # noqa: E702

        tail = len(data) % 8
        blocks = [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data) - tail, 8)]
        blocks.append(int.from_bytes(data[len(data) - tail:], "little") | ((len(data) & 0xFF) << 56))
        for m in blocks:
            v[3] ^= m
            sipround(); sipround()  # noqa: E702
            v[0] ^= m
        v[2] ^= 0xFF
        for _ in range(4):
            sipround()
        return v[0] ^ v[1] ^ v[2] ^ v[3]

    rng = np.random.default_rng(2)
    strings = [bytes(rng.integers(0, 256, size=n, dtype=np.uint8)) for n in range(41)]
    key = (0x0123456789ABCDEF, 0xFEDCBA9876543210)
    assert siphash24(strings, key).tolist() == [reference(s, *key) for s in strings]
