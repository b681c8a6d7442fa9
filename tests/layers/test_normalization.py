"""BatchNormalization, LayerNormalization, GroupNormalization: against NumPy formulas,
moving statistics, gradient checks, Keras counts and config."""
import numpy as np
import pytest

from gradiente import backend
from gradiente.layers import Input
from gradiente.layers.normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                                           RMSNormalization)
from gradiente.testing import check_gradients


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def randomize(layer, rng):
    layer.set_weights([rng.normal(1.0, 0.3, w.shape) if "variance" in v.name else rng.normal(size=w.shape)
                       for v, w in zip(layer.weights, layer.get_weights())])
    if hasattr(layer, "moving_variance"):
        layer.moving_variance.data[...] = np.abs(layer.moving_variance.data)


def test_batchnorm_counts_names_and_weights():
    backend.clear_session()
    bn = BatchNormalization()
    assert bn.name == "batch_normalization"
    assert bn(Input((28, 28, 32))).shape == (None, 28, 28, 32)
    assert bn.count_params() == 128
    assert [v.name for v in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2
    assert bn.momentum == 0.99 and bn.epsilon == 1e-3
    small = BatchNormalization()
    small(Input((10,)))
    assert small.count_params() == 40
    assert BatchNormalization(center=False, scale=False)(np.ones((2, 3))).shape == (2, 3)


def test_batchnorm_training_output_and_moving_statistics(rng):
    bn = BatchNormalization(momentum=0.9, dtype="float64")
    x = rng.normal(2.0, 3.0, size=(16, 5, 4))
    bn.build(x.shape)
    randomize(bn, rng)
    gamma, beta = bn.gamma.numpy().copy(), bn.beta.numpy().copy()
    old_mean, old_var = bn.moving_mean.numpy().copy(), bn.moving_variance.numpy().copy()
    out = bn(x, training=True).numpy()
    mean, var = x.mean(axis=(0, 1)), x.var(axis=(0, 1))
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, atol=1e-10)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.9 * old_mean + 0.1 * mean, atol=1e-12)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 * old_var + 0.1 * var, atol=1e-12)
    # Inference uses (and does not change) the moving statistics.
    mm, mv = bn.moving_mean.numpy().copy(), bn.moving_variance.numpy().copy()
    for training in (False, None):
        out = bn(x, training=training).numpy()
        np.testing.assert_allclose(out, (x - mm) / np.sqrt(mv + 1e-3) * gamma + beta, atol=1e-10)
        np.testing.assert_array_equal(bn.moving_mean.numpy(), mm)
        np.testing.assert_array_equal(bn.moving_variance.numpy(), mv)


def test_frozen_batchnorm_runs_in_inference_mode(rng):
    bn = BatchNormalization()
    x = rng.normal(size=(8, 3)).astype("float32")
    bn(x)
    bn.trainable = False
    before = bn.moving_mean.numpy().copy()
    np.testing.assert_allclose(bn(x, training=True).numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-6)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)


def test_batchnorm_channels_first_axis(rng):
    bn = BatchNormalization(axis=1, dtype="float64")
    x = rng.normal(size=(4, 3, 5, 5))
    out = bn(x, training=True).numpy()
    assert bn.gamma.shape == (3,)
    mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), atol=1e-10)
    randomize(bn, rng)
    check_gradients(lambda x: bn(x, training=True), x[:2, :, :2, :3], variables=bn.trainable_weights)
    check_gradients(lambda x: bn(x, training=False), x[:2, :, :2, :3], variables=bn.trainable_weights)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradients(rng, training):
    bn = BatchNormalization(dtype="float64")
    x = rng.normal(size=(5, 3, 4))
    bn.build(x.shape)
    randomize(bn, rng)
    saved = [v.numpy().copy() for v in bn.non_trainable_weights]

    def f(x):
        out = bn(x, training=training)
        for v, s in zip(bn.non_trainable_weights, saved):  # finite differences call f many times
            v.data[...] = s
        return out

    check_gradients(f, x, variables=bn.trainable_weights)


def test_layernorm_matches_formula_and_gradients(rng):
    ln = LayerNormalization(dtype="float64")
    assert ln.epsilon == 1e-3
    ln(Input((10,)))
    assert ln.count_params() == 20 and [v.name for v in ln.weights] == ["gamma", "beta"]
    ln = LayerNormalization(axis=[1, 2], dtype="float64")
    x = rng.normal(size=(3, 4, 5))
    ln.build(x.shape)
    randomize(ln, rng)
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    want = (x - mean) / np.sqrt(var + 1e-3) * ln.gamma.numpy() + ln.beta.numpy()
    np.testing.assert_allclose(ln(x).numpy(), want, atol=1e-10)
    check_gradients(ln, x, variables=ln.trainable_weights)
    last = LayerNormalization(center=False, dtype="float64")
    last.build((None, 5))
    randomize(last, rng)
    check_gradients(last, x[0], variables=last.trainable_weights)


def test_groupnorm_matches_loop_and_gradients(rng):
    gn = GroupNormalization(groups=2, dtype="float64")
    x = rng.normal(size=(2, 3, 3, 4))
    gn.build(x.shape)
    randomize(gn, rng)
    want = np.empty_like(x)
    for b in range(2):
        for grp in range(2):
            part = x[b, :, :, 2 * grp:2 * grp + 2]
            want[b, :, :, 2 * grp:2 * grp + 2] = (part - part.mean()) / np.sqrt(part.var() + 1e-3)
    want = want * gn.gamma.numpy() + gn.beta.numpy()
    np.testing.assert_allclose(gn(x).numpy(), want, atol=1e-10)
    check_gradients(gn, x[:, :2, :2], variables=gn.trainable_weights)
    first = GroupNormalization(groups=2, axis=1, dtype="float64")
    xf = np.moveaxis(x, -1, 1)
    first.build(xf.shape)
    first.set_weights(gn.get_weights())
    np.testing.assert_allclose(first(xf).numpy(), np.moveaxis(want, -1, 1), atol=1e-10)


def test_errors_and_config():
    with pytest.raises(ValueError, match="multiple of `groups`"):
        GroupNormalization()(np.zeros((2, 5, 10)))
    with pytest.raises(ValueError, match="batch axis"):
        BatchNormalization(axis=0)(np.zeros((2, 3)))
    bn = BatchNormalization(momentum=0.9, epsilon=1e-5, center=False)
    clone = BatchNormalization.from_config(bn.get_config())
    assert (clone.momentum, clone.epsilon, clone.center) == (0.9, 1e-5, False)
    gn = GroupNormalization.from_config(GroupNormalization(groups=4).get_config())
    assert gn.groups == 4
    ln = LayerNormalization.from_config(LayerNormalization(axis=[1, 2]).get_config())
    assert ln.axis == [1, 2]


def test_rms_scaling_and_rms_normalization_match_the_formula_and_gradients(rng):
    x = rng.normal(size=(3, 4, 5))
    ln = LayerNormalization(rms_scaling=True, center=True, dtype="float64")
    ln.build(x.shape)
    assert [v.name for v in ln.weights] == ["gamma"] and ln.count_params() == 5  # center ignored
    randomize(ln, rng)
    want = x / np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + 1e-3) * ln.gamma.numpy()
    np.testing.assert_allclose(ln(x).numpy(), want, atol=1e-10)
    check_gradients(ln, x, variables=ln.trainable_weights)
    assert LayerNormalization.from_config(ln.get_config()).rms_scaling is True
    rms = RMSNormalization(axis=[1, 2], dtype="float64")
    rms.build(x.shape)
    assert [v.name for v in rms.weights] == ["scale"] and rms.scale.shape == (4, 5) and rms.epsilon == 1e-6
    randomize(rms, rng)
    want = x / np.sqrt((x ** 2).mean(axis=(1, 2), keepdims=True) + 1e-6) * rms.scale.numpy()
    np.testing.assert_allclose(rms(x).numpy(), want, atol=1e-10)
    check_gradients(rms, x, variables=rms.trainable_weights)
    first = RMSNormalization(axis=1, dtype="float64")
    first.build(x.shape)
    randomize(first, rng)
    want = x / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + 1e-6) * first.scale.numpy()[:, None]
    np.testing.assert_allclose(first(x).numpy(), want, atol=1e-10)
    assert RMSNormalization.from_config(rms.get_config()).axis == [1, 2]
    with pytest.raises(ValueError, match="batch axis"):
        RMSNormalization(axis=0)(np.zeros((2, 3)))


def test_rms_layers_save_and_load(rng, tmp_path):
    import gradiente as keras

    model = keras.Sequential([Input((4, 5)), LayerNormalization(rms_scaling=True), RMSNormalization(),
                              keras.layers.Flatten(), keras.layers.Dense(2)])
    for layer in model.layers[:2]:
        randomize(layer, rng)
    x = rng.normal(size=(3, 4, 5)).astype(np.float32)
    model.save(tmp_path / "rms.keras")
    loaded = keras.models.load_model(tmp_path / "rms.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
