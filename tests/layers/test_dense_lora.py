"""Dense with LoRA (layers/dense.py): Keras 3's dense_test.py facts (weights, dtypes,
errors, lora_alpha scaling, training through fit, saving and loading between LoRA and plain
models), the replayed training step, and a float64 gradient check of the merged kernel."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, models, ops
from gradiente.saving import ModelFormatError
from gradiente.testing import check_gradients


def lora_dense(units=16, features=8, rank=4, **kwargs):
    layer = layers.Dense(units, **kwargs)
    layer.build((None, features))
    layer.enable_lora(rank)
    return layer


def test_enable_lora_freezes_the_kernel_and_adds_float32_factors():
    layer = lora_dense()
    assert len(layer.trainable_weights) == 3 and len(layer.non_trainable_weights) == 1
    assert layer.non_trainable_weights[0] is layer._kernel
    assert [w.name for w in layer.weights] == ["kernel", "bias", "lora_kernel_a", "lora_kernel_b"]
    assert layer.lora_kernel_a.path == f"{layer.name}/lora_kernel_a"
    assert layer.lora_kernel_a.shape == (8, 4) and layer.lora_kernel_b.shape == (4, 16)
    assert layer.lora_kernel_a.dtype == "float32" and layer.lora_kernel_b.dtype == "float32"
    assert layer.lora_enabled and layer.lora_rank == 4 and layer.lora_alpha == 4
    # b starts at zero: the layer's output is the plain kernel's at first.
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.kernel), layer._kernel.numpy())


def test_float64_layer_keeps_float32_factors_and_computes_in_float64():
    layer = lora_dense(dtype="float64")
    assert layer.lora_kernel_a.dtype == "float32"
    assert layer.kernel.dtype == "float64"
    assert layer(np.ones((2, 8))).dtype == "float64"


def test_effective_kernel_is_scaled_by_alpha_over_rank():
    layer = layers.Dense(8)
    layer.build((None, 4))
    layer.enable_lora(2, lora_alpha=3.0)
    assert layer.lora_rank == 2 and layer.lora_alpha == 3.0
    layer.lora_kernel_b.assign(np.random.default_rng(0).normal(size=(2, 8)))
    update = layer.lora_kernel_a.numpy() @ layer.lora_kernel_b.numpy()
    expected = layer._kernel.numpy() + (3.0 / 2) * update
    np.testing.assert_allclose(ops.convert_to_numpy(layer.kernel), expected, rtol=1e-6)
    x = np.random.default_rng(1).random((3, 4)).astype("float32")
    np.testing.assert_allclose(layer(x).numpy(), x @ expected + layer.bias.numpy(), rtol=1e-5)


def test_lora_rank_argument_builds_with_lora():
    layer = layers.Dense(5, activation="sigmoid", kernel_regularizer="l2", lora_rank=2)
    out = layer(np.ones((2, 3, 4), "float32"))
    assert out.shape == (2, 3, 5)
    assert len(layer.trainable_weights) == 3 and len(layer.non_trainable_weights) == 1
    assert len(layer.losses) == 2  # the kernel's regularizer acts on the two trainable factors
    assert layer.supports_masking
    assert layers.Dense(3, lora_rank=0).get_config().get("lora_rank") is None  # 0: no LoRA


def test_config_keeps_rank_and_alpha():
    layer = layers.Dense(5, lora_rank=2, lora_alpha=8)
    config = layer.get_config()
    assert config["lora_rank"] == 2 and config["lora_alpha"] == 8
    clone = layers.Dense.from_config(config)
    clone.build((None, 3))
    assert clone.lora_enabled and clone.lora_rank == 2 and clone.lora_alpha == 8
    assert "lora_rank" not in layers.Dense(5).get_config()
    enabled = lora_dense()
    assert enabled.get_config()["lora_rank"] == 4 and enabled.get_config()["lora_alpha"] == 4


def test_errors_keras_raises():
    with pytest.raises(ValueError, match="incompatible with kernel constraints"):
        layers.Dense(2, kernel_constraint="max_norm").enable_lora(rank=2)
    with pytest.raises(ValueError, match="Cannot enable lora on a layer that isn't yet built"):
        layers.Dense(2).enable_lora(rank=2)
    layer = lora_dense(2, 2, 2)
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(rank=2)
    with pytest.raises(AttributeError, match="not built"):
        layers.Dense(2).kernel
    with pytest.raises(ValueError, match="rank"):
        layers.Dense(2, lora_rank=1.5)


def fitted_lora_model():
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 8)), rng.random((64, 16))
    layer = lora_dense()
    a0, b0, k0 = layer.lora_kernel_a.numpy(), layer.lora_kernel_b.numpy(), layer._kernel.numpy()
    model = models.Sequential([layer])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    return model, layer, x, (a0, b0, k0)


def test_fit_trains_the_factors_only_through_the_replayed_step():
    model, layer, _, (a0, b0, k0) = fitted_lora_model()
    assert np.abs(layer.lora_kernel_a.numpy() - a0).max() > 0
    assert np.abs(layer.lora_kernel_b.numpy() - b0).max() > 0
    np.testing.assert_array_equal(layer._kernel.numpy(), k0)  # frozen
    # The step was traced and its replay agreed bit for bit with eager, so fit replayed it.
    assert any(r is not None for r in model._compiled_step.replays.values())


def test_replay_matches_eager_training():
    rng = np.random.default_rng(3)
    x, y = rng.random((48, 8)).astype("float32"), rng.random((48, 16)).astype("float32")
    results = []
    for run_eagerly in (False, True):
        keras.utils.set_random_seed(5)
        model = models.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu", lora_rank=3)])
        model.compile(optimizer="adam", loss="mse", run_eagerly=run_eagerly)
        model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
        results.append([w.numpy() for w in model.weights])
    for replayed, eager in zip(*results):
        np.testing.assert_array_equal(replayed, eager)


def test_save_and_load_model_keeps_predictions(tmp_path):
    model, _, x, _ = fitted_lora_model()
    path = str(tmp_path / "lora.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.layers[0].lora_enabled
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    # As in Keras the file holds the merged kernel; the loaded factors are zero.
    assert not loaded.layers[0].lora_kernel_a.numpy().any()
    assert not loaded.layers[0].lora_kernel_b.numpy().any()


def test_weights_move_between_lora_and_plain_models(tmp_path):
    model, _, x, _ = fitted_lora_model()
    path = str(tmp_path / "lora.weights.npz")
    model.save_weights(path)
    plain = models.Sequential([layers.Dense(16)])
    plain.build((None, 8))
    plain.load_weights(path)
    np.testing.assert_allclose(plain.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    plain.layers[0].bias.assign(np.full(16, 0.5, "float32"))
    plain.save_weights(path)
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), plain.predict(x, verbose=0), atol=1e-6)


def test_a_rank_larger_than_the_file_can_justify_is_refused(tmp_path):
    # The factors are not in the file; a rank whose factors outweigh twice the kernel is
    # refused while loading, before they are allocated.
    model = models.Sequential([layers.Input((3,)), layers.Dense(4, lora_rank=50)])
    path = str(tmp_path / "big.keras")
    model.save(path)
    with pytest.raises(ModelFormatError):
        keras.saving.load_model(path)
    small = models.Sequential([layers.Input((3,)), layers.Dense(4, lora_rank=3)])
    small.save(path)
    assert keras.saving.load_model(path).layers[-1].lora_rank == 3


@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_gradients_of_the_lora_path_in_float64(activation):
    layer = lora_dense(5, 4, 2, activation=activation, dtype="float64")
    layer.lora_kernel_b.assign(np.random.default_rng(2).normal(size=(2, 5)))
    layer.lora_alpha = 3.0
    x = np.random.default_rng(4).normal(size=(3, 4))
    check_gradients(layer, x, variables=[layer.lora_kernel_a, layer.lora_kernel_b, layer.bias])
