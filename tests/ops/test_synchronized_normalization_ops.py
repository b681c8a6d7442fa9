"""synchronized_normalize (BatchNormalization(synchronized=True) across processes): in one
process it is normalize; with processes holding the same rows, the global statistics are
the local ones. The mpiexec tests (tests/distribution) check it across real processes."""
import numpy as np

from gradiente import Variable
from gradiente.ops.normalization import normalize
from gradiente.ops.synchronized_normalization import synchronized_normalize

from ops_testlib import gradcheck

GRADIENT_CHECKED = {"synchronized_normalize"}
NOT_DIFFERENTIABLE = set()


def _one_process(array):
    return array


def _three_identical_processes(array):
    array *= 3
    return array


def test_synchronized_normalize_is_normalize_over_the_global_batch():
    rng = np.random.default_rng(0)
    x, gamma, beta = rng.standard_normal((6, 2, 3)), rng.standard_normal(3), rng.standard_normal(3)
    expected = normalize(x, gamma, beta, axes=(0, 1), stats={}).numpy()
    for reduce in (_one_process, _three_identical_processes):
        mean, variance = Variable(np.zeros((3,))), Variable(np.ones((3,)))
        out = synchronized_normalize(x, gamma, beta, axes=(0, 1), stats={}, moving=(mean, variance, 0.5),
                                     reduce=reduce).numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-12)
        np.testing.assert_allclose(mean.numpy(), 0.5 * x.mean(axis=(0, 1)))
        np.testing.assert_allclose(variance.numpy(), 0.5 + 0.5 * x.var(axis=(0, 1)))
    gradcheck("synchronized_normalize",
              lambda a, g, b: synchronized_normalize(a, g, b, axes=(0,), stats={}, reduce=_one_process),
              x[:, 0], gamma, beta)
