"""The normalize primitive (BatchNormalization, LayerNormalization, GroupNormalization) and
rms_normalize (RMSNormalization): forward against the formula, VJP against finite
differences, moving statistics updated."""
import numpy as np

from gradiente import Variable
from gradiente.ops.normalization import normalize, rms_normalize

from ops_testlib import gradcheck

GRADIENT_CHECKED = {"normalize", "rms_normalize"}
NOT_DIFFERENTIABLE = set()


def test_normalize_matches_the_formula_and_its_gradients():
    rng = np.random.default_rng(0)
    x, gamma, beta = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(3)
    out = normalize(x, gamma, beta, axes=(0,), epsilon=1e-3, stats={}).numpy()
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3) * gamma + beta
    np.testing.assert_allclose(out, expected, rtol=1e-10)
    gradcheck("normalize", lambda a, g, b: normalize(a, g, b, axes=(0,), stats={}), x, gamma, beta)


def test_normalize_over_the_last_axis_matches_the_formula_and_its_gradients():
    """LayerNormalization's case, whose means are matrix-vector products and whose per-channel
    gamma and beta gradients are summed inside the VJP."""
    rng = np.random.default_rng(3)
    x, gamma, beta = rng.standard_normal((3, 4, 6)) * 3 + 1, rng.standard_normal(6), rng.standard_normal(6)
    for axes in ((2,), (-1,)):
        out = normalize(x, gamma, beta, axes=axes, epsilon=1e-3, stats={}).numpy()
        expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3) * gamma + beta
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
        gradcheck("normalize", lambda a, g, b: normalize(a, g, b, axes=axes, stats={}), x, gamma, beta)
    # Broadcast-shaped weights (1, 1, C) are left to the engine to sum.
    gradcheck("normalize", lambda a, g, b: normalize(a, g, b, axes=(2,), stats={}),
              x, gamma.reshape(1, 1, 6), beta.reshape(1, 1, 6))
    gradcheck("normalize", lambda a: normalize(a, None, None, axes=(-1,), stats={}), x[0])
    out32 = normalize(x.astype(np.float32), gamma.astype(np.float32), None, axes=(-1,), stats={}).numpy()
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, (expected - beta), rtol=1e-4, atol=1e-5)


def test_normalize_updates_moving_statistics_in_place():
    x = np.random.default_rng(1).standard_normal((8, 2))
    mean, variance = Variable(np.zeros(2)), Variable(np.ones(2))
    normalize(x, None, None, axes=(0,), stats={}, moving=(mean, variance, 0.9))
    np.testing.assert_allclose(mean.numpy(), 0.1 * x.mean(0))
    np.testing.assert_allclose(variance.numpy(), 0.9 + 0.1 * x.var(0))


def test_rms_normalize_matches_the_formula_and_its_gradients():
    rng = np.random.default_rng(2)
    x, gamma = rng.standard_normal((4, 3, 5)), rng.standard_normal((3, 5))
    out = rms_normalize(x, gamma, axes=(1, 2), epsilon=1e-3, stats={}).numpy()
    expected = x / np.sqrt((x ** 2).mean(axis=(1, 2), keepdims=True) + 1e-3) * gamma
    np.testing.assert_allclose(out, expected, rtol=1e-10)
    gradcheck("rms_normalize", lambda a, g: rms_normalize(a, g, axes=(1, 2), stats={}), x, gamma)
    gradcheck("rms_normalize", lambda a: rms_normalize(a, None, axes=(-1,), stats={}), x)
