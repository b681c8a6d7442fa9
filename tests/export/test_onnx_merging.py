"""ONNX export of the merging layers, in graphs with several inputs and outputs."""
import pytest

import gradiente as keras
from gradiente import layers


def _inputs(n, shape=(4,)):
    return [keras.Input(shape, name=f"in_{i}") for i in range(n)]


def test_elementwise_merges(check_export, randomized, rng):
    a, b, c = _inputs(3)
    outputs = [layers.Add()([a, b, c]), layers.Subtract()([a, b]), layers.Multiply()([a, b, c]),
               layers.Average()([a, b]), layers.Maximum()([a, b, c]), layers.Minimum()([b, c])]
    model = keras.Model([a, b, c], outputs)
    data = [rng.normal(size=(3, 4)).astype("float32") for _ in range(3)]
    check_export(model, *data)


def test_broadcasting_add(check_export, rng):
    a, b = keras.Input((3, 4)), keras.Input((1, 4))
    model = keras.Model([a, b], layers.Add()([a, b]))
    check_export(model, rng.normal(size=(3, 3, 4)).astype("float32"), rng.normal(size=(3, 1, 4)).astype("float32"))


@pytest.mark.parametrize("axis", [-1, 1])
def test_concatenate(axis, check_export, randomized, rng):
    a, b = keras.Input((2, 3)), keras.Input((2, 3))
    h = layers.Concatenate(axis=axis)([a, layers.Dense(3)(b)])
    model = randomized(keras.Model([a, b], [h, layers.Dense(2)(h)]))
    check_export(model, rng.normal(size=(3, 2, 3)).astype("float32"), rng.normal(size=(3, 2, 3)).astype("float32"))


@pytest.mark.parametrize("axes,normalize,shapes", [
    (1, False, ((5,), (5,))),
    (-1, True, ((5,), (5,))),
    (2, False, ((3, 4), (2, 4))),
    ((1, 1), True, ((3, 4), (3, 2))),
])
def test_dot(axes, normalize, shapes, check_export, rng):
    a, b = keras.Input(shapes[0]), keras.Input(shapes[1])
    model = keras.Model([a, b], layers.Dot(axes=axes, normalize=normalize)([a, b]))
    data = [rng.normal(size=(3,) + s).astype("float32") for s in shapes]
    data[0][0] = 0.0  # a zero vector meets normalize's clamp
    check_export(model, *data)


def test_masked_multiply_is_refused(tmp_path):
    ids = keras.Input((4,), dtype="int32")
    e = layers.Embedding(5, 3, mask_zero=True)(ids)
    model = keras.Model(ids, layers.Multiply(name="gate")([e, e]))
    with pytest.raises(ValueError, match=r"'gate' \(Multiply\).*mask"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
