"""The Layer base: weights, trainability, get/set_weights, count_params, names, losses,
and a custom subclass trained through GradientTape."""
import numpy as np
import pytest

from gradiente import backend, layers, ops
from gradiente.autodiff import GradientTape, Tensor
from gradiente.testing import check_gradients


@pytest.fixture(autouse=True)
def _fresh_names():
    backend.clear_session()


def _built_dense(units=3, n=4, **kwargs):
    layer = layers.Dense(units, **kwargs)
    layer.build((None, n))
    return layer


def test_freezing_moves_weights_to_non_trainable():
    layer = _built_dense()
    assert len(layer.trainable_weights) == 2 and layer.non_trainable_weights == []
    layer.trainable = False
    assert layer.trainable_weights == []
    assert [v.path for v in layer.non_trainable_weights] == ["dense/kernel", "dense/bias"]
    layer.trainable = True
    assert len(layer.trainable_weights) == 2
    assert layers.Dense(2, trainable=False).get_config()["trainable"] is False


def test_get_and_set_weights_round_trip():
    layer = _built_dense()
    values = [np.full((4, 3), 0.5, dtype="float32"), np.arange(3, dtype="float32")]
    layer.set_weights(values)
    for got, want in zip(layer.get_weights(), values):
        np.testing.assert_array_equal(got, want)
    copies = layer.get_weights()
    copies[0][...] = 9  # get_weights returns copies
    assert layer.kernel.numpy()[0, 0] == 0.5


def test_set_weights_with_a_wrong_shape_names_the_weight_and_both_shapes():
    layer = _built_dense()
    with pytest.raises(ValueError) as err:
        layer.set_weights([np.zeros((3, 4)), np.zeros(3)])
    message = str(err.value)
    assert "dense/kernel" in message and "(4, 3)" in message and "(3, 4)" in message
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(3))  # nothing half-assigned


def test_set_weights_with_a_wrong_count():
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        _built_dense().set_weights([np.zeros((4, 3))])


def test_count_params_on_an_unbuilt_layer():
    with pytest.raises(ValueError, match=r"count_params.*'dense'.*isn't built.*layer.build\(input_shape\)"):
        layers.Dense(3).count_params()


def test_automatic_names_are_unique_and_reset_by_clear_session():
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert layers.Dense(1, name="mine").name == "mine"
    assert layers.Dense(1).name == "dense_3"
    assert [layers.LeakyReLU().name, layers.PReLU().name, layers.ReLU().name] == ["leaky_re_lu", "p_re_lu", "re_lu"]
    backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_unknown_constructor_argument():
    with pytest.raises(TypeError, match="unrecognized keyword.*unitz"):
        layers.Dropout(0.5, unitz=3)


def test_unbuilt_layer_has_no_input_shape():
    with pytest.raises(AttributeError, match="not been built"):
        layers.Dense(2).input_shape


class Scale(layers.Layer):
    """y = x * w + b, one (w, b) per feature."""

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")
        self.b = self.add_weight("b", (input_shape[-1],), initializer="zeros", trainable=False)

    def call(self, inputs, training=None):
        self.last_training = training
        return inputs * self.w + self.b


def test_custom_layer_with_add_weight_and_gradient_tape():
    layer = Scale(dtype="float64")
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    with GradientTape() as tape:
        loss = ops.sum(ops.square(layer(x)))
    assert [v.path for v in layer.weights] == ["scale/w", "scale/b"]
    assert layer.trainable_weights == [layer.w] and layer.non_trainable_weights == [layer.b]
    (grad,) = tape.gradient(loss, layer.trainable_weights)
    np.testing.assert_allclose(grad.numpy(), np.sum(2 * x * x, axis=0))  # d/dw sum((xw)^2) at w=1
    check_gradients(layer, x, variables=layer.trainable_weights)


def test_training_flag_reaches_call():
    layer = Scale()
    layer(np.ones((1, 2)), training=True)
    assert layer.last_training is True
    layer(np.ones((1, 2)))
    assert layer.last_training is None


def test_sublayers_in_attributes_and_lists_are_tracked():
    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.stack = [layers.Dense(4), layers.Dense(2)]
            self.out = layers.Dense(1)

        def call(self, inputs):
            for layer in self.stack:
                inputs = layer(inputs)
            return self.out(inputs)

    block = Block()
    assert block(np.ones((3, 5), dtype="float32")).shape == (3, 1)
    assert block.count_params() == (5 + 1) * 4 + (4 + 1) * 2 + (2 + 1) * 1
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 6


def test_add_loss_and_activity_losses_are_collected():
    layer = layers.Dense(2, activity_regularizer="l2", kernel_initializer="ones", dtype="float64")
    out = layer(np.ones((1, 3))).numpy()
    layer.add_loss(Tensor(np.array(1.5)))
    np.testing.assert_allclose(sorted(float(v) for v in layer.losses), sorted([1.5, 0.01 * np.square(out).sum()]))
