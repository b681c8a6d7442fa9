"""Initializers against Keras 3's tests: seeding, configs that round-trip through JSON and
serialize_keras_object, compute_fans with axes, VarianceScaling's arguments, STFT, and get()."""
import json

import numpy as np
import pytest

from gradiente import initializers, random, utils
from gradiente.initializers import compute_fans
from gradiente.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

ALL = [initializers.Zeros(), initializers.Ones(), initializers.Constant(6.0),
       initializers.Constant(np.random.default_rng(0).random((3, 3))), initializers.Identity(gain=2),
       initializers.RandomNormal(mean=0.0, stddev=1.0, seed=1234), initializers.RandomUniform(-1.0, 1.0, seed=1234),
       initializers.TruncatedNormal(seed=3), initializers.VarianceScaling(scale=2.0, seed=1234, mode="fan_out"),
       initializers.VarianceScaling(input_axes=[0], output_axes=[1, 2]), initializers.GlorotUniform(seed=1),
       initializers.HeNormal(), initializers.LecunUniform(input_axes=[0], output_axes=[1]),
       initializers.Orthogonal(gain=2.0, seed=1234), initializers.STFT("real", "hamming", None, True),
       initializers.STFT("imag", list(range(1, 9)), "spectrum")]


@pytest.mark.parametrize("init", ALL, ids=lambda i: type(i).__name__)
def test_config_and_serialization_round_trips_through_json(init):
    config = init.get_config()
    text = json.dumps(config)
    revived = type(init).from_config(json.loads(text))
    assert json.dumps(revived.get_config()) == text
    assert set(dir(revived)) == set(dir(init))
    record = json.loads(json.dumps(serialize_keras_object(init)))
    again = deserialize_keras_object(record)
    assert type(again) is type(init) and json.dumps(again.get_config()) == text
    assert initializers.serialize(init) == serialize_keras_object(init)
    assert type(initializers.deserialize(initializers.serialize(init))) is type(init)


def test_constant_array_value():
    value = np.random.default_rng(1).random((3, 3))
    init = initializers.Constant(value=value)
    np.testing.assert_allclose(init((3, 3)), value.astype("float32"))
    config = init.get_config()
    assert config["value"]["class_name"] == "__numpy__"
    np.testing.assert_allclose(initializers.Constant.from_config(json.loads(json.dumps(config)))((3, 3)), init((3, 3)))


def test_an_int_seed_repeats_and_a_seed_generator_advances():
    a = initializers.RandomNormal(stddev=1.0, seed=1337)
    np.testing.assert_array_equal(a((25, 20)), a((25, 20)))
    b = initializers.RandomNormal(stddev=1.0, seed=random.SeedGenerator(1337))
    assert not np.allclose(b((25, 20)), b((25, 20)))
    # Cloning: a seeded initializer gives the same values, an unseeded one new values.
    np.testing.assert_array_equal(a.clone()((5, 5)), a((5, 5)))
    c = initializers.RandomNormal(stddev=1.0)
    assert not np.allclose(c((5, 5)), type(c).from_config(c.get_config())((5, 5)))
    with pytest.raises(ValueError, match="`seed` argument should be"):
        initializers.RandomNormal(seed="abc")


def test_statistics_as_keras_checks_them():
    utils.set_random_seed(1337)
    values = initializers.RandomNormal(mean=0.0, stddev=1.0, seed=1234)((25, 20))
    assert values.shape == (25, 20) and abs(np.std(values) - 1.0) < 0.1
    values = initializers.RandomUniform(minval=-1.0, maxval=1.0, seed=1234)((5, 5))
    assert values.min() >= -1.0 and values.max() < 1.0
    for mode, n in (("fan_in", 25), ("fan_out", 20)):
        values = initializers.VarianceScaling(scale=2.0, seed=1234, mode=mode)((25, 20))
        assert abs(np.std(values) - np.sqrt(2.0 / n)) < 0.1
    q = initializers.Orthogonal(gain=2.0, seed=1234)((5, 5))
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(5), atol=1e-5)


def test_compute_fans_with_and_without_axes():
    assert compute_fans((512, 8, 64), input_axes=[0], output_axes=[1, 2]) == (512, 512)
    assert compute_fans((512, 8, 64), input_axes=[0, 1], output_axes=[2]) == (512 * 8, 64)
    assert compute_fans(()) == (1, 1)
    assert compute_fans((7,)) == (7, 7)
    assert compute_fans((3, 5)) == (3, 5)
    assert compute_fans((3, 3, 4, 8)) == (36, 72)
    assert all(type(n) is int for n in compute_fans((3, 3, 4, 8)))


def test_variance_scaling_with_axes():
    values = initializers.VarianceScaling(scale=2.0, seed=1234, input_axes=[0], output_axes=[1, 2])((32, 4, 16))
    assert values.shape == (32, 4, 16) and abs(np.std(values) - np.sqrt(2.0 / 32)) < 0.1
    values = initializers.VarianceScaling(scale=2.0, seed=1234)((32, 4, 16))
    assert abs(np.std(values) - np.sqrt(2.0 / 128)) < 0.1
    config = initializers.GlorotUniform(input_axes=[0], output_axes=[1, 2]).get_config()
    assert config == {"seed": None, "input_axes": [0], "output_axes": [1, 2]}


def test_variance_scaling_refuses_bad_arguments_in_keras_words():
    with pytest.raises(ValueError, match="Argument `scale` must be positive float."):
        initializers.VarianceScaling(scale=-1.0, seed=1234, mode="fan_in")
    with pytest.raises(ValueError, match="Invalid `mode` argument:"):
        initializers.VarianceScaling(scale=2.0, mode="invalid_mode")
    with pytest.raises(ValueError, match="Invalid `distribution` argument:"):
        initializers.VarianceScaling(distribution="invalid_dist")
    # "normal" means the truncated normal, and names are case-insensitive, as in Keras.
    assert initializers.VarianceScaling(distribution="Normal").distribution == "truncated_normal"


def test_get_names_arrays_and_errors():
    assert isinstance(initializers.get("glorot_normal"), initializers.GlorotNormal)
    assert initializers.get(None) is None
    with pytest.raises(ValueError):
        initializers.get("typo")
    for name, cls in (("OrthogonalInitializer", initializers.Orthogonal), ("IdentityInitializer", initializers.Identity),
                      ("STFTInitializer", initializers.STFT), ("normal", initializers.RandomNormal),
                      ("uniform", initializers.RandomUniform), ("one", initializers.Ones), ("zero", initializers.Zeros)):
        assert isinstance(initializers.get(name), cls), name
    values = np.random.default_rng(0).uniform(size=(5, 5)).astype("float32")
    init = initializers.get(values)
    np.testing.assert_allclose(init(shape=(5, 5)), values)
    with pytest.raises(ValueError, match=r"Expected `shape` to be"):
        init(shape=(10, 10))
    with pytest.raises(ValueError, match="2D matrices"):
        initializers.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match="at least two-dimensional"):
        initializers.Orthogonal()((4,))


def _stft_args(frames=256, bins=513):
    t = np.arange(frames).reshape(-1, 1, 1)
    f = (np.arange(bins) / ((bins - 1) * 2.0)).reshape(1, 1, -1)
    return -2 * np.arccos(np.float32(-1)) * t * f


def test_stft_kernels():
    shape, args = (256, 1, 513), _stft_args()
    np.testing.assert_allclose(initializers.STFT("real", None)(shape), np.cos(args), atol=1e-4)
    window = np.arange(1, 257, dtype="float32").reshape(-1, 1, 1)
    got = initializers.STFT("imag", list(range(1, 257)), "spectrum")(shape, "float32")
    np.testing.assert_allclose(got, np.sin(args) * window / window.sum(), atol=1e-4, rtol=1e-6)
    with pytest.raises(ValueError):
        initializers.STFT("imaginary")
    with pytest.raises(ValueError):
        initializers.STFT("real", scaling="l2")
    with pytest.raises(ValueError, match="Unknown window"):
        initializers.STFT("real", window="unknown")


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "bartlett", "tukey", "cosine", "boxcar"])
@pytest.mark.parametrize("periodic", [False, True])
def test_named_windows_are_scipys(name, periodic):
    signal = pytest.importorskip("scipy.signal")
    from gradiente.initializers.windows import get_window

    for n in (1, 2, 7, 256):
        np.testing.assert_allclose(get_window(name, n, periodic), signal.get_window(name, n, fftbins=periodic),
                                   atol=1e-12, err_msg=f"{name} n={n}")
    shape, args = (256, 1, 513), _stft_args()
    window = signal.get_window(name, 256, periodic).astype("float32").reshape(-1, 1, 1)
    got = initializers.STFT("real", name, "density", periodic)(shape, "float32")
    np.testing.assert_allclose(got, np.cos(args) * window / np.sqrt(np.sum(window**2)), atol=1e-4, rtol=1e-6)


@pytest.mark.parametrize("cls", [initializers.Orthogonal, initializers.VarianceScaling, initializers.RandomUniform,
                                 initializers.RandomNormal])
def test_a_seed_generator_seed_survives_serialization(cls):
    init = cls(seed=random.SeedGenerator(5))
    text = json.dumps(init.get_config())
    revived = cls.from_config(json.loads(text))
    assert json.dumps(revived.get_config()) == text
    assert isinstance(revived.seed, random.SeedGenerator)
    again = deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(init))))
    assert json.dumps(again.get_config()) == text
