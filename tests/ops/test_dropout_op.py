"""The dropout primitive: its mask, its scaling, and its VJP (which reuses the mask)."""
import numpy as np

from gradiente import ops

from ops_testlib import gradcheck

GRADIENT_CHECKED = {"dropout"}
NOT_DIFFERENTIABLE = set()


def test_dropout_zeroes_about_rate_and_scales_the_rest():
    x = np.ones((200, 50), np.float32)
    out = ops.dropout(x, rate=0.25, generator=np.random.default_rng(0), cache={}).numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)


def test_dropout_noise_shape_broadcasts_one_mask():
    x = np.ones((4, 5, 6), np.float32)
    out = ops.dropout(x, rate=0.5, noise_shape=(4, 1, 6), generator=np.random.default_rng(1), cache={}).numpy()
    assert (out == out[:, :1, :]).all()


def test_dropout_gradient_is_the_mask():
    x = np.random.default_rng(2).standard_normal((3, 4))
    # A fresh generator with the same seed per call: the same mask every time f runs.
    gradcheck("dropout", lambda t: ops.dropout(t, rate=0.4, generator=np.random.default_rng(3), cache={}), x)
