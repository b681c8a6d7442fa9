"""gradiente.regularizers: penalty values, lookup, and the losses a layer collects."""
import numpy as np
import pytest

from gradiente import regularizers
from gradiente.autodiff import Tensor
from gradiente.layers import Dense
from gradiente.testing import check_gradients

W = np.array([[1.0, -2.0], [0.5, -0.25]])


def test_values_match_closed_forms():
    assert float(regularizers.l1(0.1)(Tensor(W))) == pytest.approx(0.1 * np.abs(W).sum())
    assert float(regularizers.l2(0.1)(Tensor(W))) == pytest.approx(0.1 * np.square(W).sum())
    both = regularizers.l1_l2(l1=0.1, l2=0.2)(Tensor(W))
    assert float(both) == pytest.approx(0.1 * np.abs(W).sum() + 0.2 * np.square(W).sum())


def test_defaults_are_keras_0_01():
    assert regularizers.L1().l1 == 0.01 and regularizers.L2().l2 == 0.01
    r = regularizers.l1_l2()
    assert (r.l1, r.l2) == (0.01, 0.01)
    assert float(regularizers.get("l2")(Tensor(W))) == pytest.approx(0.01 * np.square(W).sum())


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.4)])
def test_serialize_round_trip(reg):
    again = regularizers.get(regularizers.serialize(reg))
    assert type(again) is type(reg) and again.get_config() == reg.get_config()


def test_bad_values_and_names():
    with pytest.raises(ValueError, match="l1"):
        regularizers.L1(-1.0)
    with pytest.raises(ValueError, match="l1, l2, l1_l2"):
        regularizers.get("l3")


def test_penalty_gradient():
    check_gradients(regularizers.l1_l2(l1=0.1, l2=0.2), W)


def test_layer_losses_hold_kernel_and_activity_penalties():
    layer = Dense(2, kernel_regularizer=regularizers.l2(0.1), activity_regularizer=regularizers.l1(0.5),
                  dtype="float64")
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    out = layer(x).numpy()
    kernel = layer.kernel.numpy()
    values = sorted(float(v) for v in layer.losses)
    expected = sorted([0.1 * np.square(kernel).sum(), 0.5 * np.abs(out).sum()])
    np.testing.assert_allclose(values, expected)


def test_layer_without_regularizers_has_no_losses():
    layer = Dense(2)
    layer(np.ones((1, 3), dtype="float32"))
    assert layer.losses == []


def test_bias_regularizer_and_config():
    layer = Dense(2, bias_regularizer="l1", bias_initializer="ones")
    layer(np.ones((1, 3), dtype="float32"))
    assert [float(v) for v in layer.losses] == pytest.approx([0.01 * 2])
    config = layer.get_config()
    assert config["bias_regularizer"] == {"class_name": "L1", "config": {"l1": 0.01}}
    assert Dense.from_config(config).bias_regularizer.get_config() == {"l1": 0.01}
