"""Merge layers and their functional forms: against NumPy, gradients, shapes, masks, errors."""
import numpy as np
import pytest

from gradiente import backend, layers
from gradiente.autodiff import Tensor
from gradiente.testing import check_gradients

RNG = np.random.default_rng(0)
A, B, C = (RNG.normal(size=(3, 4)) for _ in range(3))


@pytest.fixture(autouse=True)
def _fresh_names():
    backend.clear_session()


ELEMENTWISE = [
    (layers.Add, layers.add, lambda *xs: sum(xs)),
    (layers.Multiply, layers.multiply, lambda *xs: np.prod(xs, axis=0)),
    (layers.Average, layers.average, lambda *xs: np.mean(xs, axis=0)),
    (layers.Maximum, layers.maximum, lambda *xs: np.max(xs, axis=0)),
    (layers.Minimum, layers.minimum, lambda *xs: np.min(xs, axis=0)),
]


@pytest.mark.parametrize("cls,fn,reference", ELEMENTWISE)
def test_elementwise_merges(cls, fn, reference):
    layer = cls(dtype="float64")
    np.testing.assert_allclose(layer([A, B, C]).numpy(), reference(A, B, C))
    check_gradients(lambda a, b, c: layer([a, b, c]), A, B, C)
    assert layer.count_params() == 0
    out = fn([layers.Input(shape=(4,)), layers.Input(shape=(4,))])
    assert out.shape == (None, 4) and isinstance(out._keras_history[0], cls)
    config = layer.get_config()
    assert cls.from_config(config).get_config() == config


def test_subtract_takes_exactly_two_inputs():
    layer = layers.Subtract(dtype="float64")
    np.testing.assert_allclose(layer([A, B]).numpy(), A - B)
    check_gradients(lambda a, b: layer([a, b]), A, B)
    assert layers.subtract([layers.Input(shape=(4,)), layers.Input(shape=(4,))]).shape == (None, 4)
    with pytest.raises(ValueError, match="exactly 2 inputs, but received 3"):
        layers.Subtract()([A, B, C])


def test_size_one_axes_broadcast():
    column = RNG.normal(size=(3, 1))
    np.testing.assert_allclose(layers.Add(dtype="float64")([A, column]).numpy(), A + column)
    out = layers.multiply([layers.Input(shape=(5, 1)), layers.Input(shape=(5, 3))])
    assert out.shape == (None, 5, 3)


def test_elementwise_shape_mismatch_names_both_inputs():
    with pytest.raises(ValueError) as err:
        layers.add([layers.Input(shape=(3,), name="left"), layers.Input(shape=(4,), name="right")])
    message = str(err.value)
    assert "'add'" in message and "'left'" in message and "'right'" in message
    assert "(None, 3)" in message and "(None, 4)" in message
    with pytest.raises(ValueError, match="different ranks"):
        layers.Maximum()([A, A[:, :, None]])


def test_built_merge_called_on_other_shapes_explains():
    layer = layers.Add()
    layer([A, B])
    with pytest.raises(ValueError, match=r"input 0 of shape \(3, 4\).*input 1 of shape \(3, 5\)"):
        layer([A, RNG.normal(size=(3, 5))])


def test_merge_needs_a_list():
    with pytest.raises(ValueError, match="list of tensors"):
        layers.Add()(A)
    with pytest.raises(ValueError, match="at least 1"):
        layers.Add()([])


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_concatenate(axis):
    layer = layers.Concatenate(axis=axis, dtype="float64")
    np.testing.assert_array_equal(layer([A, B, C]).numpy(), np.concatenate([A, B, C], axis=axis))
    check_gradients(lambda a, b, c: layer([a, b, c]), A, B, C)
    config = layer.get_config()
    assert config["axis"] == axis and layers.Concatenate.from_config(config).get_config() == config


def test_concatenate_unequal_sizes_along_the_axis():
    wide = RNG.normal(size=(3, 2, 5))
    narrow = RNG.normal(size=(3, 2, 1))
    out = layers.Concatenate(dtype="float64")([wide, narrow]).numpy()
    np.testing.assert_array_equal(out, np.concatenate([wide, narrow], axis=-1))
    assert layers.Concatenate(axis=1)([layers.Input(shape=(2, 5)), layers.Input(shape=(None, 5))]).shape \
        == (None, None, 5)


def test_wide_and_deep_concatenate():
    input_ = layers.Input(shape=(8,))
    hidden1 = layers.Dense(30, activation="relu")(input_)
    hidden2 = layers.Dense(30, activation="relu")(hidden1)
    concat = layers.concatenate([input_, hidden2])
    assert concat.shape == (None, 38)
    layer = concat._keras_history[0]
    assert layer.name == "concatenate" and layer.count_params() == 0
    assert layers.Dense(1)(concat).shape == (None, 1)


def test_concatenate_incompatible_shapes_names_both_layers_and_shapes():
    a = layers.Input(shape=(3,))
    b = layers.Reshape((4, 2))(layers.Input(shape=(8,)))
    with pytest.raises(ValueError) as err:
        layers.concatenate([a, b])
    message = str(err.value)
    assert "(None, 3)" in message and "(None, 4, 2)" in message
    assert "'input_1'" in message and "'reshape'" in message and "'concatenate'" in message
    assert "Flatten or Reshape" in message
    with pytest.raises(ValueError, match=r"axis 1 has size 2 in one and 3 in the other"):
        layers.Concatenate()([np.zeros((1, 2, 4)), np.zeros((1, 3, 4))])
    with pytest.raises(ValueError, match="out of range"):
        layers.Concatenate(axis=3)([A, B])


def test_concatenate_called_again_with_incompatible_arrays():
    layer = layers.Concatenate()
    layer([A, B])
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(2, 4\)"):
        layer([A, B[:2]])


def _dot_reference(x1, x2, a1, a2, normalize=False):
    if normalize:
        x1 = x1 / np.linalg.norm(x1, axis=a1, keepdims=True)
        x2 = x2 / np.linalg.norm(x2, axis=a2, keepdims=True)
    out = np.stack([np.tensordot(x1[i], x2[i], axes=(a1 - 1, a2 - 1)) for i in range(len(x1))])
    return out.reshape(len(x1), 1) if out.ndim == 1 else out


@pytest.mark.parametrize("shapes,axes,out_shape", [
    (((3, 4), (3, 4)), 1, (3, 1)),
    (((3, 4), (3, 4)), -1, (3, 1)),
    (((3, 2, 4), (3, 5, 4)), 2, (3, 2, 5)),
    (((3, 2, 4), (3, 2, 5)), (1, 1), (3, 4, 5)),
    (((3, 2, 4), (3, 4)), (2, 1), (3, 2)),
])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot(shapes, axes, out_shape, normalize):
    x1, x2 = (RNG.normal(size=s) for s in shapes)
    layer = layers.Dot(axes=axes, normalize=normalize, dtype="float64")
    out = layer([x1, x2]).numpy()
    a1, a2 = (axes, axes) if isinstance(axes, int) else axes
    assert out.shape == out_shape
    np.testing.assert_allclose(out, _dot_reference(x1, x2, a1 % x1.ndim, a2 % x2.ndim, normalize))
    check_gradients(lambda p, q: layer([p, q]), x1, x2)
    symbolic = layers.dot([layers.Input(shape=shapes[0][1:]), layers.Input(shape=shapes[1][1:])],
                          axes=axes, normalize=normalize)
    assert symbolic.shape == (None,) + out_shape[1:]


def test_dot_cosine_similarity_of_parallel_vectors_is_one():
    v = np.array([[1.0, 2.0, 2.0]])
    np.testing.assert_allclose(layers.Dot(axes=1, normalize=True)([v, 3 * v]).numpy(), [[1.0]], rtol=1e-6)


def test_dot_errors_and_config():
    with pytest.raises(ValueError, match=r"size 4.*size 5"):
        layers.Dot(axes=1)([A, RNG.normal(size=(3, 5))])
    with pytest.raises(ValueError, match="non-batch axis"):
        layers.Dot(axes=0)([A, B])
    with pytest.raises(ValueError, match="axes"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="exactly 2"):
        layers.Dot(axes=1)([A, B, C])
    layer = layers.Dot(axes=(1, 2), normalize=True)
    config = layer.get_config()
    assert config["axes"] == [1, 2] and config["normalize"] is True
    assert layers.Dot.from_config(config).get_config() == config


def _masked(x, mask):
    t = Tensor(x)
    t._keras_mask = np.array(mask)
    return t


def test_elementwise_merge_masks_are_combined():
    # Keras 3: valid where any input is valid, and a mask only when every input has one.
    x = np.ones((2, 3, 4), dtype="float32")
    out = layers.Add()([_masked(x, [[1, 1, 0], [1, 0, 0]]), _masked(x, [[1, 0, 0], [0, 0, 1]])])
    np.testing.assert_array_equal(out._keras_mask, [[True, True, False], [True, False, True]])
    assert layers.Add()([_masked(x, [[1, 1, 0], [1, 1, 1]]), Tensor(x)])._keras_mask is None
    assert layers.Add()([Tensor(x), Tensor(x)])._keras_mask is None


def test_concatenate_masks():
    # Keras 3: an unmasked input counts as all valid; a position is valid if any of its
    # entries along the last axis is.
    x = np.ones((2, 3, 4), dtype="float32")
    out = layers.Concatenate()([_masked(x, [[1, 1, 0], [1, 1, 1]]), Tensor(x)])
    np.testing.assert_array_equal(out._keras_mask, [[True, True, True], [True, True, True]])
    along_time = layers.Concatenate(axis=1)([_masked(x, [[1, 0, 1], [1, 1, 1]]), Tensor(x)])
    np.testing.assert_array_equal(along_time._keras_mask, [[1, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]])
    assert layers.Dot(axes=2)([_masked(x, [[1, 1, 0], [1, 1, 1]]), Tensor(x)])._keras_mask is None


@pytest.mark.parametrize("layer", [layers.Add(), layers.Subtract(), layers.Multiply(), layers.Average(),
                                   layers.Maximum(), layers.Minimum(), layers.Concatenate(),
                                   layers.Dot(axes=2, normalize=True)])
def test_float32_in_float32_out(layer):
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    assert layer([x, x]).dtype == np.float32
