"""Bad arguments to keras.random: the errors Keras raises, and clear refusals where Keras
would silently compute something else."""
import numpy as np
import pytest

from gradiente import ops, random


@pytest.mark.parametrize("logits", [np.ones((5,)), np.ones((5, 5, 5))])
def test_categorical_needs_two_d_logits(logits):
    with pytest.raises(ValueError, match="2-D tensor"):
        random.categorical(logits, 5)


def test_categorical_needs_a_sample_count():
    with pytest.raises(ValueError, match="num_samples"):
        random.categorical(np.ones((2, 3)), -1)


def test_randint_needs_an_integer_dtype():
    with pytest.raises(ValueError, match="`keras.random.randint` requires an integer `dtype`."):
        random.randint((3, 4), minval=0, maxval=10, dtype="float64")


def test_randint_needs_a_non_empty_range():
    with pytest.raises(ValueError, match="minval < maxval"):
        random.randint((3,), minval=5, maxval=5)


@pytest.mark.parametrize("fn", ["uniform", "normal", "truncated_normal"])
def test_float_samplers_need_a_float_dtype(fn):
    with pytest.raises(ValueError, match=f"`keras.random.{fn}` requires a floating point `dtype`."):
        getattr(random, fn)((3, 4), dtype="int64")


def test_other_float_samplers_need_a_float_dtype():
    with pytest.raises(ValueError, match="floating point"):
        random.gamma((2,), 1.0, dtype=np.int32)
    with pytest.raises(ValueError, match="floating point"):
        random.beta((2,), 1.0, 1.0, dtype="int32")


@pytest.mark.parametrize("seed", ["invalid_seed", 1.5, [1, 2]])
def test_seed_must_be_an_int_or_a_seed_generator(seed):
    with pytest.raises(ValueError, match="Argument `seed` must be either an integer or an instance of `SeedGenerator`"):
        random.normal((2,), seed=seed)


def test_shapes_must_be_non_negative_integers():
    with pytest.raises(ValueError, match="non-negative"):
        random.normal((2, -1))
    with pytest.raises(TypeError, match="integer"):
        random.uniform((2.0, 3))
    with pytest.raises(TypeError, match="integer"):
        random.normal((ops.convert_to_tensor(np.array(2.0)),))
    with pytest.raises(ValueError, match="fully known"):
        random.normal((None, 3))


def test_dropout_arguments():
    x = ops.ones((4, 5))
    with pytest.raises(ValueError, match=r"rate.*\[0, 1\]"):
        random.dropout(x, rate=1.5)
    with pytest.raises(ValueError, match="one entry per axis"):
        random.dropout(x, rate=0.5, noise_shape=(4,))
    with pytest.raises(ValueError, match="does not broadcast"):
        random.dropout(x, rate=0.5, noise_shape=(4, 3))
    with pytest.raises(TypeError, match="floating-point"):
        random.dropout(np.ones((2, 2), np.int32), rate=0.5)


def test_distribution_parameters_are_checked():
    with pytest.raises(ValueError, match="alpha"):
        random.gamma((2,), alpha=0.0)
    with pytest.raises(ValueError, match="beta"):
        random.beta((2,), alpha=1.0, beta=-1.0)
    with pytest.raises(ValueError, match="probabilities"):
        random.binomial((2,), counts=10, probabilities=1.5)
    with pytest.raises(ValueError, match="counts"):
        random.binomial((2,), counts=-1, probabilities=0.5)
    with pytest.raises(ValueError, match="scalar"):
        random.truncated_normal((2,), mean=np.zeros(2))


def test_shuffle_axis_must_exist():
    with pytest.raises(ValueError, match="axis"):
        random.shuffle(np.arange(6).reshape(2, 3), axis=2)
