"""Masks flow between layers as in Keras 3: which layers pass them on (supports_masking),
what compute_mask gives, symbolic masks in graphs, custom layers receiving masks, and
padded steps left out of pooling and recurrent results."""
import warnings

import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, ops
from gradiente.autodiff.tensor import Tensor

IDS = np.array([[3, 1, 4, 0, 0], [2, 7, 0, 0, 0]])
VALID = IDS != 0


def masked(x, mask):
    t = Tensor(np.asarray(x, dtype="float32"))
    t._keras_mask = Tensor(np.asarray(mask, dtype=bool))
    return t


# Keras 3.15's supports_masking per layer (its layer tests state the same values).
PASSES = [
    lambda: layers.Dense(4), lambda: layers.Activation("relu"), lambda: layers.ReLU(),
    lambda: layers.LeakyReLU(), lambda: layers.ELU(), lambda: layers.PReLU(), lambda: layers.Softmax(),
    lambda: layers.Dropout(0.5), lambda: layers.SpatialDropout1D(0.5), lambda: layers.GaussianNoise(0.1),
    lambda: layers.GaussianDropout(0.1), lambda: layers.AlphaDropout(0.1),
    lambda: layers.BatchNormalization(), lambda: layers.LayerNormalization(),
    lambda: layers.GroupNormalization(groups=1), lambda: layers.Identity(), lambda: layers.Masking(),
    lambda: layers.Rescaling(2.0), lambda: layers.Normalization(mean=0.0, variance=1.0),
    lambda: layers.Add(), lambda: layers.Concatenate(), lambda: layers.Dot(axes=1),
    lambda: layers.GlobalAveragePooling1D(), lambda: layers.LSTM(2), lambda: layers.GRU(2),
    lambda: layers.SimpleRNN(2), lambda: layers.TimeDistributed(layers.Dense(2)),
    lambda: layers.Bidirectional(layers.LSTM(2)), lambda: layers.Embedding(5, 2, mask_zero=True),
    lambda: layers.Lambda(lambda x: x, mask=lambda x, m: m),
]
DROPS = [
    lambda: layers.Flatten(), lambda: layers.Reshape((2, 2)), lambda: layers.Permute((2, 1)),
    lambda: layers.RepeatVector(2), lambda: layers.Conv1D(2, 2), lambda: layers.MaxPooling1D(),
    lambda: layers.AveragePooling1D(), lambda: layers.GlobalMaxPooling1D(),
    lambda: layers.GlobalAveragePooling2D(), lambda: layers.UpSampling1D(), lambda: layers.ZeroPadding1D(),
    lambda: layers.Cropping1D(), lambda: layers.RMSNormalization(), lambda: layers.Embedding(5, 2),
    lambda: layers.Lambda(lambda x: x), lambda: layers.Layer(),
]


@pytest.mark.parametrize("make", PASSES)
def test_supports_masking_is_true_where_keras_says_so(make):
    assert make().supports_masking is True


@pytest.mark.parametrize("make", DROPS)
def test_supports_masking_is_false_where_keras_says_so(make):
    assert make().supports_masking is False


def test_base_compute_mask_returns_the_previous_mask_and_custom_compute_mask_turns_masking_on():
    m = Tensor(VALID)
    assert layers.Dense(3).compute_mask(None, m) is m
    assert layers.Flatten().compute_mask(None, m) is m  # Keras's default; unused as Flatten drops masks

    class Halves(layers.Layer):
        def compute_mask(self, inputs, mask=None):
            return mask

    assert Halves().supports_masking is True  # defining compute_mask opts in, as in Keras 3
    layer = layers.Dense(2)
    layer.supports_masking = False
    assert layer.supports_masking is False


def test_dense_and_activation_pass_the_mask_on_eagerly():
    x = layers.Embedding(10, 3, mask_zero=True)(IDS)
    y = layers.Activation("tanh")(layers.Dense(4)(x))
    np.testing.assert_array_equal(y._keras_mask.numpy(), VALID)


def test_a_layer_without_masking_support_drops_the_mask_with_a_warning():
    x = layers.Embedding(10, 3, mask_zero=True)(IDS)
    with pytest.warns(UserWarning, match="does not support masking"):
        y = layers.Flatten()(x)
    assert y._keras_mask is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert layers.Flatten()(Tensor(np.ones((2, 3, 4), "float32")))._keras_mask is None


def test_symbolic_tensors_carry_symbolic_masks():
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(inputs)
    assert isinstance(x._keras_mask, layers.KerasTensor)
    assert x._keras_mask.shape == (None, None) and x._keras_mask.dtype == np.bool_
    y = layers.Dense(3)(x)
    assert y._keras_mask is x._keras_mask  # passed on as it is
    assert layers.LSTM(2, return_sequences=True)(y)._keras_mask is x._keras_mask
    assert layers.LSTM(2)(y)._keras_mask is None
    assert inputs._keras_mask is None
    fixed = layers.Masking()(keras.Input(shape=(6, 2)))
    assert fixed._keras_mask.shape == (None, 6)


def test_compute_mask_values_of_recurrent_layers_and_wrappers():
    m = Tensor(VALID)
    assert layers.LSTM(2, return_sequences=True).compute_mask(None, m) is m
    assert layers.LSTM(2).compute_mask(None, m) is None
    # Keras 3 passes the mask unchanged even when go_backwards reverses the outputs.
    assert layers.GRU(2, return_sequences=True, go_backwards=True).compute_mask(None, m) is m
    assert layers.LSTM(2, return_sequences=True, return_state=True).compute_mask(None, m) == [m, None, None]
    assert layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode=None).compute_mask(None, m) == [m, m]
    assert layers.Bidirectional(layers.LSTM(2)).compute_mask(None, m) is None
    assert layers.GlobalAveragePooling1D().compute_mask(None, m) is None
    assert layers.Dot(axes=1).compute_mask([None, None], [m, m]) is None


def test_merge_layers_combine_masks_as_keras_3():
    # Keras's merging tests: x1 masked at steps 0 and 2, x2 at steps 0 and 1.
    x1 = layers.Masking()(Tensor(np.array([[[0, 0], [1, 2], [0, 0], [3, 4]]], "float32")))
    x2_data = np.array([[[0, 0], [0, 0], [1, 2], [3, 4]]], "float32")
    assert layers.Add()([x1, Tensor(x2_data)])._keras_mask is None
    x2 = layers.Masking()(Tensor(x2_data))
    np.testing.assert_array_equal(layers.Add()([x1, x2])._keras_mask.numpy(), [[0, 1, 1, 1]])
    product = layers.Multiply()([x1, x2])
    np.testing.assert_array_equal(product.numpy(), [[[0, 0], [1, 2], [1, 2], [9, 16]]])
    neg1 = layers.Masking()(Tensor(-np.array([[[0, 0], [1, 2], [0, 0], [3, 4]]], "float32")))
    neg2 = layers.Masking()(Tensor(-x2_data))
    np.testing.assert_array_equal(layers.Maximum()([neg1, neg2]).numpy(),
                                  [[[0, 0], [-1, -2], [-1, -2], [-3, -4]]])
    joined = layers.Concatenate(axis=1)([x1, Tensor(x2_data)])
    np.testing.assert_array_equal(joined._keras_mask.numpy(), [[0, 1, 0, 1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(layers.Concatenate(axis=2)([x1, Tensor(x2_data)])._keras_mask.numpy(),
                                  [[1, 1, 1, 1]])


def test_global_average_pooling_1d_averages_over_unmasked_steps_only():
    x = np.arange(2 * 5 * 3, dtype="float32").reshape(2, 5, 3)
    out = layers.GlobalAveragePooling1D()(masked(x, VALID))
    want = np.stack([x[i][VALID[i]].mean(axis=0) for i in range(2)])
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    assert out._keras_mask is None
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(Tensor(x)).numpy(), x.mean(axis=1))


def test_padded_steps_do_not_change_a_masked_model_output():
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(inputs)
    x = layers.Dense(4, activation="relu")(x)
    seq = layers.LSTM(3, return_sequences=True)(x)
    pooled = layers.GlobalAveragePooling1D()(seq)
    model = keras.Model(inputs, [layers.GRU(2)(seq), pooled])
    short = np.array([[3, 1, 4]])
    padded = np.array([[3, 1, 4, 0, 0, 0]])
    for a, b in zip(model(short), model(padded)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_time_distributed_passes_the_mask_and_the_masked_inner_call_sees_it():
    seen = {}

    class Probe(layers.Layer):
        supports_masking = True

        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs

    x = layers.Embedding(10, 3, mask_zero=True)(IDS)
    y = layers.TimeDistributed(Probe())(x)
    np.testing.assert_array_equal(np.asarray(seen["mask"]).reshape(2, 5), VALID)
    np.testing.assert_array_equal(y._keras_mask.numpy(), VALID)


def test_loss_of_a_masked_sequence_output_averages_over_valid_steps():
    # Keras applies the output's mask to the loss as sample weights (losses/loss.py):
    # valid entries weigh total/valid, so the loss is the mean over valid steps.
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(5,), dtype="int32")
    outputs = layers.Dense(1)(layers.Embedding(10, 3, mask_zero=True)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(loss="mse", optimizer="sgd")
    y = np.random.default_rng(0).normal(size=(2, 5, 1)).astype("float32")
    pred = model.predict(IDS, verbose=0)
    per_step = ((pred - y) ** 2)[..., 0]
    want = per_step[VALID].mean()
    got = model.evaluate(IDS, y, verbose=0)
    assert got == pytest.approx(want, rel=1e-5)
    assert got != pytest.approx(per_step.mean(), rel=1e-3)


def test_loss_mask_and_the_losses_own_mask_are_combined():
    from gradiente.losses import SparseCategoricalCrossentropy

    probs = np.array([[[0.5, 0.5], [0.3, 0.7], [0.2, 0.8]]])
    y_pred = masked(probs, [[True, True, False]])
    loss = SparseCategoricalCrossentropy(ignore_class=1)(np.array([[0, 1, 0]]), y_pred)
    # Step 1 is an ignored class, step 2 a masked step: only step 0 counts, -log(0.5).
    assert float(loss.numpy()) == pytest.approx(np.log(2.0), rel=1e-6)


def test_batch_normalization_in_training_takes_statistics_over_unmasked_steps():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3)).astype("float64")
    x[~VALID] = 100.0  # padding far from the data must not move the statistics
    layer = layers.BatchNormalization(momentum=0.5, epsilon=1e-3, dtype="float64")
    out = layer(masked(x, VALID), training=True)
    valid = x[VALID]
    count = VALID.sum() + keras.backend.epsilon()
    mean = valid.sum(axis=0) / count
    var = ((valid - mean) ** 2).sum(axis=0) / count
    np.testing.assert_allclose(out.numpy(), (x - mean) / np.sqrt(var + 1e-3), rtol=1e-6)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * mean, rtol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.5 + 0.5 * var, rtol=1e-6)
    np.testing.assert_array_equal(out._keras_mask.numpy(), VALID)
    from gradiente.testing import check_gradients

    check_gradients(lambda t: layer(t, mask=VALID, training=True), x[..., :3] * 0.1,
                    variables=[layer.gamma, layer.beta])
    with pytest.raises(ValueError, match="one axis fewer"):
        layer(Tensor(x), mask=np.ones((2, 5, 3), bool), training=True)


def test_softmax_masks_as_keras_3():
    scores = np.random.default_rng(1).normal(size=(2, 3, 4))
    # A mask aligned from the last axis, as Keras aligns it: the same keys for every query.
    keys = np.array([True, True, False, True])
    out = layers.Softmax(dtype="float64")(Tensor(scores), mask=keys).numpy()
    want = np.where(keys, np.exp(scores), 0)
    np.testing.assert_allclose(out, want / want.sum(-1, keepdims=True), atol=1e-12)
    # A fully masked row gives zeros, not a uniform distribution.
    none = np.zeros((2, 3, 4), bool)
    np.testing.assert_array_equal(layers.Softmax()(Tensor(scores.astype("float32")), mask=none).numpy(), 0)
    with pytest.raises(ValueError, match="does not broadcast"):
        layers.Softmax()(Tensor(scores.astype("float32")), mask=np.ones((5,), bool))


def test_a_call_with_several_tensors_gets_each_tensors_mask_as_its_arg_mask():
    class Attend(layers.Layer):
        supports_masking = True

        def call(self, query, value, query_mask=None, value_mask=None):
            self.seen = (query_mask, value_mask)
            return query + value

    query = layers.Masking()(Tensor(np.array([[[1.0], [0.0]]], "float32")))
    value = layers.Masking()(Tensor(np.array([[[0.0], [2.0]]], "float32")))
    layer = Attend()
    out = layer(query, value)
    np.testing.assert_array_equal(layer.seen[0].numpy(), [[True, False]])
    np.testing.assert_array_equal(layer.seen[1].numpy(), [[False, True]])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False]])  # the first argument's
