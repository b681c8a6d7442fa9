"""Rescaling and Normalization (adapt) against NumPy, gradients, configs, and the Hands-On
ML regression recipe that adapts a Normalization layer before training."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers
from gradiente.testing import check_gradients


def test_rescaling_matches_numpy_and_has_gradient():
    x = np.random.default_rng(0).random((3, 4, 4, 2)).astype(np.float32) * 255
    layer = layers.Rescaling(1 / 255, offset=-0.5)
    np.testing.assert_allclose(layer(x).numpy(), x / 255 - 0.5, rtol=1e-6, atol=1e-6)
    check_gradients(lambda t: layers.Rescaling(2.0, dtype="float64")(t), x[:1, :2, :2].astype(np.float64))
    clone = layers.Rescaling.from_config(layer.get_config())
    assert (clone.scale, clone.offset) == (layer.scale, layer.offset)


def test_normalization_adapt_learns_per_feature_statistics():
    rng = np.random.default_rng(1)
    data = rng.normal([3.0, -2.0, 10.0], [1.0, 4.0, 0.1], size=(500, 3)).astype(np.float32)
    layer = layers.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(layer.mean.numpy(), data.astype(np.float64).mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.variance.numpy(), data.astype(np.float64).var(axis=0), rtol=1e-5)
    out = layer(data).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=0), 1, rtol=1e-3)
    assert int(layer.count.numpy()) == 500
    back = layers.Normalization(mean=layer.mean.numpy(), variance=layer.variance.numpy(), invert=True)
    np.testing.assert_allclose(back(out).numpy(), data, rtol=1e-4, atol=1e-4)


def test_normalization_over_other_axes_and_scalar_statistics():
    x = np.random.default_rng(2).random((6, 4, 5)).astype(np.float32)
    per_step = layers.Normalization(axis=1)
    per_step.adapt(x)
    assert per_step.mean.shape == (4,)
    np.testing.assert_allclose(per_step.mean.numpy(), x.mean(axis=(0, 2)), rtol=1e-5)
    overall = layers.Normalization(axis=None)
    overall.adapt(x)
    assert overall.mean.shape == ()
    np.testing.assert_allclose(overall(x).numpy(), (x - x.mean()) / x.std(), rtol=1e-4, atol=1e-5)


def test_normalization_gradient_and_summary_counts():
    layer = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0], dtype="float64")
    check_gradients(layer, np.array([[0.5, -1.0], [2.0, 3.0]]))
    model = keras.Sequential([keras.Input(shape=[8]), layers.Normalization(), layers.Dense(1)])
    assert model.layers[0].count_params() == 17  # mean 8 + variance 8 + count, as tf.keras shows
    assert model.layers[0].trainable_weights == []


def test_normalization_before_adapt_says_what_to_do():
    layer = layers.Normalization()
    with pytest.raises(ValueError, match=r"adapt\(training_data\)"):
        layer(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=[0.0])


def test_adapted_normalization_regressor_trains_and_survives_saving(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(50, 20, size=(400, 8)).astype(np.float32)
    y = (x[:, 0] - 50) / 20 + 0.5 * (x[:, 1] - 50) / 20
    keras.utils.set_random_seed(0)
    norm_layer = layers.Normalization(input_shape=x.shape[1:])
    model = keras.Sequential([norm_layer, layers.Dense(16, activation="relu"), layers.Dense(1)])
    norm_layer.adapt(x)
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(learning_rate=0.01))
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.05
    path = tmp_path / "norm.keras"
    model.save(path)
    np.testing.assert_array_equal(keras.models.load_model(path).predict(x[:5], verbose=0),
                                  model.predict(x[:5], verbose=0))


def test_alpha_dropout_keeps_selu_statistics_and_is_identity_at_inference():
    x = np.random.default_rng(4).standard_normal((4000, 50)).astype(np.float32)
    layer = layers.AlphaDropout(0.2, seed=0)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    out = layer(x, training=True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    assert layers.AlphaDropout.from_config(layer.get_config()).rate == 0.2


def test_config_module_mirrors_keras():
    assert keras.config.floatx() == "float32"
    assert keras.config.epsilon() == pytest.approx(1e-7)
    assert keras.config.image_data_format() == "channels_last"


def test_normalization_adapts_on_a_dataset_of_batches_as_keras():
    # keras-io's structured data tutorial: dataset.map(lambda x, y: x[name]) -> expand_dims -> adapt.
    rng = np.random.default_rng(2)
    table = {"age": rng.integers(20, 80, 101), "chol": rng.normal(240, 50, 101)}
    ds = keras.data.Dataset.from_tensor_slices((table, rng.integers(0, 2, 101))).batch(32)
    layer = layers.Normalization()
    layer.adapt(ds.map(lambda x, y: x["age"]).map(lambda x: keras.ops.expand_dims(x, -1)))
    np.testing.assert_allclose(layer.mean.numpy(), [table["age"].mean()], rtol=1e-6)
    np.testing.assert_allclose(layer.variance.numpy(), [table["age"].var()], rtol=1e-6)
    # (x, y) batches give x; a generator of batches works as Keras's iterables do.
    features = np.stack([table["age"], table["chol"]], axis=1)
    whole = layers.Normalization()
    whole.adapt(keras.data.Dataset.from_tensor_slices((features, table["age"])).batch(10))
    np.testing.assert_allclose(whole.mean.numpy(), features.mean(axis=0), rtol=1e-6)
    streamed = layers.Normalization()
    streamed.adapt(features[i:i + 25] for i in range(0, 101, 25))
    np.testing.assert_allclose(streamed.variance.numpy(), features.var(axis=0), rtol=1e-6)
    # A Dataset of 1-D elements holds one sample each (Keras batches it before adapting).
    samples = layers.Normalization()
    samples.adapt(keras.data.Dataset.from_tensor_slices(features))
    np.testing.assert_allclose(samples.mean.numpy(), features.mean(axis=0), rtol=1e-6)


def test_normalization_adapt_refuses_empty_or_ragged_iterables():
    with pytest.raises(ValueError, match="empty iterable"):
        layers.Normalization().adapt(iter([]))
    with pytest.raises(ValueError, match="shapes disagree"):
        layers.Normalization().adapt(iter([np.zeros((2, 3)), np.zeros((2, 4))]))
