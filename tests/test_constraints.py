"""gradiente.constraints: each projection against a NumPy reference, lookup and config."""
import numpy as np
import pytest

from gradiente import constraints

W = np.array([[3.0, 0.1, -1.0], [4.0, -0.2, 2.0]])  # column norms 5, ~0.224, ~2.236


def _col_norms(w, axis=0):
    return np.sqrt(np.sum(w * w, axis=axis, keepdims=True))


def test_non_neg():
    np.testing.assert_array_equal(constraints.NonNeg()(W), np.where(W < 0, 0, W))


def test_max_norm_caps_only_long_columns():
    out = constraints.MaxNorm(max_value=2.0)(W)
    norms = _col_norms(W)
    np.testing.assert_allclose(out, W * np.minimum(norms, 2.0) / norms, rtol=1e-6)
    assert np.all(_col_norms(out) <= 2.0 + 1e-6)


def test_unit_norm_on_each_axis():
    np.testing.assert_allclose(_col_norms(constraints.UnitNorm()(W)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(_col_norms(constraints.UnitNorm(axis=1)(W), axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("rate", [1.0, 0.5])
def test_min_max_norm(rate):
    out = constraints.MinMaxNorm(min_value=0.5, max_value=1.0, rate=rate)(W)
    norms = _col_norms(W)
    desired = rate * np.clip(norms, 0.5, 1.0) + (1 - rate) * norms
    np.testing.assert_allclose(_col_norms(out), desired, rtol=1e-6)


@pytest.mark.parametrize("name,cls", [("non_neg", constraints.NonNeg), ("max_norm", constraints.MaxNorm),
                                      ("unit_norm", constraints.UnitNorm),
                                      ("min_max_norm", constraints.MinMaxNorm)])
def test_lookup_and_config_round_trip(name, cls):
    c = constraints.get(name)
    assert type(c) is cls
    again = constraints.get({"class_name": cls.__name__, "config": c.get_config()})
    assert type(again) is cls and again.get_config() == c.get_config()


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="max_norm"):
        constraints.get("maxnorm")


def test_dense_stores_its_constraints_on_the_variables():
    from gradiente.layers import Dense

    layer = Dense(2, kernel_constraint="non_neg", bias_constraint=constraints.MaxNorm(1.0))
    layer(np.ones((1, 3), dtype="float32"))
    assert isinstance(layer.kernel.constraint, constraints.NonNeg)
    assert isinstance(layer.bias.constraint, constraints.MaxNorm)
    config = Dense.from_config(layer.get_config()).get_config()
    assert config["kernel_constraint"] == {"class_name": "NonNeg", "config": {}}
