"""Statistics and NaN-skipping reductions (ops/statistics.py, nan_reductions.py) and the
reduction changes (max/min initial=, cumprod, all/any): NumPy's values, Keras's dtypes."""
import numpy as np
import pytest

from gradiente import ops
from gradiente.testing import check_gradients

from ops_testlib import assert_forward, assert_not_recorded, gradcheck, rand

X = rand(3, 5, seed=11)


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)], ids=str)
def test_quantile_matches_numpy(method, axis):
    for q in (0.3, [0.0, 0.25, 1.0]):
        got = ops.quantile(X, q, axis=axis, method=method)
        np.testing.assert_allclose(got.numpy(), np.quantile(X, q, axis=axis, method=method), rtol=1e-12)
        got = ops.quantile(X, q, axis=axis, method=method, keepdims=True)
        np.testing.assert_allclose(got.numpy(), np.quantile(X, q, axis=axis, method=method, keepdims=True))


def test_median_percentile_and_their_gradients():
    assert_forward(lambda t: ops.median(t, axis=1), lambda a: np.median(a, axis=1), X)
    assert_forward(lambda t: ops.percentile(t, [10, 90], axis=0), lambda a: np.percentile(a, [10, 90], axis=0), X)
    check_gradients(lambda t: ops.median(t, axis=0), X)
    check_gradients(lambda t: ops.quantile(t, [0.2, 0.7], axis=1), X)
    assert ops.median(np.array([1, 2, 3, 4], "int32")).dtype == "float32"
    assert float(ops.median(np.array([1, 2, 3, 4], "int32"))) == 2.5
    assert ops.quantile(np.array([True, False]), 0.5).dtype == "float32"
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        ops.quantile(X, 1.5)
    with pytest.raises(ValueError, match="method"):
        ops.quantile(X, 0.5, method="cubic")


def test_average_ptp_corrcoef():
    w = rand(5, seed=3, low=0.1, high=1.0)
    assert_forward(lambda t: ops.average(t, axis=1, weights=w), lambda a: np.average(a, axis=1, weights=w), X)
    assert_forward(lambda t: ops.average(t, axis=None, weights=np.abs(X)), lambda a: np.average(a, weights=np.abs(X)), X)
    assert_forward(ops.average, np.average, X)
    check_gradients(lambda t: ops.average(t, axis=1, weights=w), X)
    assert ops.average(np.array([1, 2], "int32")).dtype == "float32"
    with pytest.raises(ValueError, match="weights"):
        ops.average(X, axis=0, weights=w)
    assert_forward(lambda t: ops.ptp(t, axis=1), lambda a: np.ptp(a, axis=1), X)
    assert_forward(ops.corrcoef, np.corrcoef, X)
    check_gradients(ops.corrcoef, X)
    assert ops.corrcoef(np.array([[1, 2, 4], [0, 3, 1]])).dtype == "float32"


def test_histogram_and_bincount():
    data = np.array([0.1, 0.4, 0.4, 0.9, 1.0])
    counts, edges = ops.histogram(data, bins=3)
    want_counts, want_edges = np.histogram(data, bins=3)
    np.testing.assert_array_equal(counts.numpy(), want_counts)
    np.testing.assert_allclose(edges.numpy(), want_edges)
    assert counts.dtype == "int32"
    counts, _ = ops.histogram(data, bins=2, range=(0.0, 0.5))
    np.testing.assert_array_equal(counts.numpy(), [1, 2])
    with pytest.raises(ValueError, match="bins"):
        ops.histogram(data, bins=0)
    x = np.array([1, 1, 2, 3, 2, 4, 4, 5])
    np.testing.assert_array_equal(ops.bincount(x).numpy(), np.bincount(x))
    assert ops.bincount(x).dtype == "int32"
    np.testing.assert_array_equal(ops.bincount(x, minlength=8).numpy(), np.bincount(x, minlength=8))
    w = rand(8, seed=2)
    np.testing.assert_allclose(ops.bincount(x, weights=w).numpy(), np.bincount(x, weights=w))
    gradcheck("_bincount", lambda t: ops.bincount(x, weights=t), w)
    batch = np.array([[1, 1, 2], [0, 3, 3]])
    np.testing.assert_array_equal(ops.bincount(batch).numpy(), [[0, 2, 1, 0], [1, 0, 0, 2]])
    with pytest.raises(ValueError, match="sparse"):
        ops.bincount(x, sparse=True)


NAN = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan, np.nan, np.nan, np.nan], [0.5, 2.0, np.nan, 4.0]])
NAN_COMPOSITES = ["nansum", "nanmean", "nanvar", "nanstd", "nanprod", "nanmax", "nanmin"]


@pytest.mark.parametrize("name", NAN_COMPOSITES)
def test_nan_reductions(name):
    ours, theirs = getattr(ops, name), getattr(np, name)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning) if name not in ("nansum", "nanprod") else _nothing():
        want = theirs(NAN, axis=1)
    np.testing.assert_allclose(ours(NAN, axis=1).numpy(), want)
    np.testing.assert_allclose(ours(NAN[::2]).numpy(), theirs(NAN[::2]))
    np.testing.assert_allclose(ours(NAN[::2], axis=0, keepdims=True).numpy(), theirs(NAN[::2], axis=0, keepdims=True))
    finite = rand(3, 4, seed=5)
    check_gradients(lambda t: ours(t, axis=1), np.where(np.isnan(NAN[::2]), np.nan, finite[:2]) * 0 + finite[:2])


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_nan_cumulative_and_ordered():
    np.testing.assert_allclose(ops.nancumsum(NAN, axis=1).numpy(), np.nancumsum(NAN, axis=1))
    np.testing.assert_allclose(ops.nancumprod(NAN).numpy(), np.nancumprod(NAN))
    assert ops.nancumsum(np.array([True, False])).dtype == "int32"
    assert ops.nanmean(np.array([1, 2], "int32")).dtype == "float32"
    np.testing.assert_array_equal(ops.nanargmax(NAN, axis=1).numpy(), [2, -1, 3])
    np.testing.assert_array_equal(ops.nanargmin(NAN, axis=1).numpy(), [3, -1, 0])
    assert ops.nanargmax(NAN, axis=1).dtype == "int32"
    ok = NAN[::2]
    np.testing.assert_allclose(ops.nanmedian(ok, axis=1).numpy(), np.nanmedian(ok, axis=1))
    np.testing.assert_allclose(ops.nanquantile(ok, 0.3, axis=1).numpy(), np.nanquantile(ok, 0.3, axis=1))
    np.testing.assert_allclose(ops.nanpercentile(ok, [20, 80]).numpy(), np.nanpercentile(ok, [20, 80]))
    assert np.isnan(ops.nanmedian(NAN, axis=1).numpy()[1])
    for name in ("nanargmax", "nanargmin", "nanmedian"):
        assert_not_recorded(getattr(ops, name), ok)
    assert_not_recorded(lambda t: ops.nanquantile(t, 0.5), ok)
    assert_not_recorded(lambda t: ops.nanpercentile(t, 50), ok)


def test_max_min_initial_cumprod_all_any():
    x = rand(3, 4, seed=6)
    assert_forward(lambda t: ops.max(t, axis=0, initial=1.0), lambda a: np.max(a, axis=0, initial=1.0), x)
    assert_forward(lambda t: ops.min(t, axis=1, initial=-1.0), lambda a: np.min(a, axis=1, initial=-1.0), x)
    gradcheck("max", lambda t: ops.max(t, axis=0, initial=0.5), x)
    assert float(ops.max(np.zeros((0,)), initial=3.0)) == 3.0
    assert_forward(lambda t: ops.cumprod(t, axis=1), lambda a: np.cumprod(a, axis=1), x)
    gradcheck("cumprod", lambda t: ops.cumprod(t, axis=1), x)
    gradcheck("cumprod", lambda t: ops.cumprod(t), np.array([1.5, 0.0, -2.0, 0.7]))
    assert ops.cumprod(np.array([True, True])).dtype == "int32"
    assert ops.cumprod(np.array([1, 2], "int8"), dtype="float16").dtype == "float16"
    b = np.array([[True, False], [True, True]])
    np.testing.assert_array_equal(ops.all(b, axis=1).numpy(), [False, True])
    np.testing.assert_array_equal(ops.any(b, axis=0, keepdims=True).numpy(), [[True, True]])
    assert_not_recorded(lambda t: ops.any(t > 0), x)
    assert_not_recorded(lambda t: ops.all(t > 0), x)


GRADIENT_CHECKED = {"_bincount", "cumprod"}
NOT_DIFFERENTIABLE = {"nanargmax", "nanargmin", "nanmedian", "nanquantile", "nanpercentile", "all", "any"}
