"""Pooling layers against direct loops over windows; shapes, gradients, names, config."""
import itertools

import numpy as np
import pytest

from gradiente import backend, layers
from gradiente.testing import check_gradients


def rand(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape)


def loop_pool(x, pool, strides, padding, kind):
    """Each output is the max / mean of the real (unpadded) elements of its window;
    'same' windows start ((out-1)·s + p - n) // 2 before the input, as TensorFlow's."""
    spatial = x.shape[1:-1]
    if padding == "valid":
        out = [(n - p) // s + 1 for n, p, s in zip(spatial, pool, strides)]
        before = [0] * len(spatial)
    else:
        out = [-(-n // s) for n, s in zip(spatial, strides)]
        before = [max((o - 1) * s + p - n, 0) // 2 for o, s, p, n in zip(out, strides, pool, spatial)]
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for pos in itertools.product(*(range(o) for o in out)):
        key = tuple(slice(max(i * s - b, 0), min(i * s - b + p, n))
                    for i, s, b, p, n in zip(pos, strides, before, pool, spatial))
        window = x[(slice(None),) + key]
        axes = tuple(range(1, 1 + len(pool)))
        y[(slice(None),) + pos] = window.max(axis=axes) if kind == "max" else window.mean(axis=axes)
    return y


CASES = [
    (1, (7, 2), dict(pool_size=2)),
    (1, (7, 2), dict(pool_size=3, strides=2, padding="same")),
    (2, (6, 6, 2), dict()),
    (2, (7, 5, 2), dict(pool_size=(3, 2), strides=(2, 1))),
    (2, (5, 7, 2), dict(pool_size=3, strides=2, padding="same")),
    (2, (5, 4, 2), dict(pool_size=2, data_format="channels_first")),
    (3, (4, 5, 3, 2), dict(pool_size=2, strides=(2, 2, 1), padding="same")),
]
CLASSES = {
    "max": {1: layers.MaxPooling1D, 2: layers.MaxPooling2D, 3: layers.MaxPooling3D},
    "avg": {1: layers.AveragePooling1D, 2: layers.AveragePooling2D, 3: layers.AveragePooling3D},
}


def _normalized(rank, kw):
    pool = kw.get("pool_size", 2)
    pool = (pool,) * rank if isinstance(pool, int) else pool
    strides = kw.get("strides", pool)
    strides = (strides,) * rank if isinstance(strides, int) else strides
    return pool, strides, kw.get("padding", "valid")


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("rank,shape,kw", CASES)
def test_pooling_matches_loop_shapes_and_gradients(kind, rank, shape, kw):
    layer = CLASSES[kind][rank](dtype="float64", **kw)
    x = rand(2, *shape, seed=1)
    y = layer(x).numpy()
    first = kw.get("data_format") == "channels_first"
    xl = np.moveaxis(x, 1, -1) if first else x
    want = loop_pool(xl, *_normalized(rank, kw), kind)
    np.testing.assert_allclose(np.moveaxis(y, 1, -1) if first else y, want, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape) == (None,) + y.shape[1:]
    assert tuple(CLASSES[kind][rank](**kw)(layers.Input(shape)).shape) == (None,) + y.shape[1:]
    check_gradients(lambda t: layer(t), x[:1])


def test_keras_facts():
    backend.clear_session()
    pool = layers.MaxPooling2D()
    assert pool.name == "max_pooling2d"
    assert tuple(pool(layers.Input((27, 27, 1))).shape) == (None, 13, 13, 1)
    assert pool.count_params() == 0
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.MaxPool2D().name == "max_pooling2d_1"
    assert layers.AveragePooling2D(2).name == "average_pooling2d"
    assert layers.GlobalAveragePooling2D().name == "global_average_pooling2d"
    config = layers.MaxPooling2D().get_config()
    assert config["pool_size"] == (2, 2) and config["strides"] == (2, 2) and config["padding"] == "valid"


def test_max_pool_gradient_goes_to_one_maximum_per_window():
    x = np.zeros((1, 4, 4, 1))
    x[0, 1, 1, 0] = 5.0
    pool = layers.MaxPooling2D(dtype="float64")
    from gradiente.autodiff import GradientTape, Tensor

    t = Tensor(x)
    with GradientTape() as tape:
        tape.watch(t)
        y = pool(t)
    g = tape.gradient(y, t).numpy()[0, :, :, 0]
    assert g.sum() == 4 and g[1, 1] == 1  # one per window; the tied windows pick one element


def test_pooling_errors():
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3.*\(batch, rows, cols, channels\)"):
        layers.MaxPooling2D()(layers.Input((28, 28)))
    with pytest.raises(ValueError, match=r"pool \(3, 3\) is larger than its input \(2, 2\)"):
        layers.MaxPooling2D(3)(np.zeros((1, 2, 2, 1), "float32"))
    with pytest.raises(ValueError, match=r"received pool_size=0"):
        layers.MaxPooling2D(0)
    with pytest.raises(ValueError, match=r"received padding='causal'"):
        layers.AveragePooling1D(2, padding="causal")


@pytest.mark.parametrize("layer", [
    layers.MaxPooling1D(3, strides=1, padding="same"),
    layers.AveragePooling2D((2, 3), data_format="channels_first"),
    layers.MaxPooling3D(),
    layers.GlobalMaxPooling2D(keepdims=True),
    layers.GlobalAveragePooling1D(),
])
def test_get_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


GLOBAL = [
    (layers.GlobalMaxPooling1D, (5, 3), np.max), (layers.GlobalAveragePooling1D, (5, 3), np.mean),
    (layers.GlobalMaxPooling2D, (4, 3, 2), np.max), (layers.GlobalAveragePooling2D, (4, 3, 2), np.mean),
    (layers.GlobalMaxPooling3D, (2, 3, 2, 2), np.max), (layers.GlobalAveragePooling3D, (2, 3, 2, 2), np.mean),
]


@pytest.mark.parametrize("cls,shape,reduce", GLOBAL)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling(cls, shape, reduce, keepdims, data_format):
    layer = cls(keepdims=keepdims, data_format=data_format, dtype="float64")
    x = rand(2, *shape, seed=2)
    axes = tuple(range(2, x.ndim)) if data_format == "channels_first" else tuple(range(1, x.ndim - 1))
    y = layer(x).numpy()
    np.testing.assert_allclose(y, reduce(x, axis=axes, keepdims=keepdims), atol=1e-12)
    assert layer.compute_output_shape((None,) + shape) == (None,) + y.shape[1:]
    assert tuple(cls(keepdims=keepdims, data_format=data_format)(layers.Input(shape)).shape) == (None,) + y.shape[1:]
    check_gradients(lambda t: layer(t), x)
