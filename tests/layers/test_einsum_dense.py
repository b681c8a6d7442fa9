"""EinsumDense (layers/einsum_dense.py): Keras 3's kernel, bias and output shapes for the
equations its tests list, values against numpy.einsum on both the matmul path and the
general einsum path, float64 gradient checks, fans for the initializer, config, LoRA."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, models
from gradiente.testing import check_gradients

# (equation, bias_axes, input shape, output_shape, kernel, bias, output) as Keras's test table.
CASES = [
    ("ab,b->a", None, (2, 32), (), (32,), None, (2,)),
    ("ab,bc->ac", None, (2, 32), 64, (32, 64), None, (2, 64)),
    ("abc,cde->abde", None, (2, 1, 2), (1, 3, 4), (2, 3, 4), None, (2, 1, 3, 4)),
    ("abc,cde->abde", "e", (2, 1, 2), (1, 3, 4), (2, 3, 4), (4,), (2, 1, 3, 4)),
    ("abc,cde->abde", "d", (2, 1, 2), (1, 3, 4), (2, 3, 4), (3, 1), (2, 1, 3, 4)),
    ("abc,cde->abde", "be", (2, 7, 2), (7, 3, 4), (2, 3, 4), (7, 1, 4), (2, 7, 3, 4)),
    ("BFNH,NHD->BFD", None, (2, 1, 2, 3), (1, 4), (2, 3, 4), None, (2, 1, 4)),
    ("abc,cd->abd", None, (2, 1, 2), (1, 4), (2, 4), None, (2, 1, 4)),
    ("i,d->id", None, (2,), (2,), (2,), None, (2, 2)),
    ("ibd,nd->ibn", None, (2, 2, 1), (2, 2), (2, 1), None, (2, 2, 2)),
    ("...b,bc->...c", None, (2, 32), (64,), (32, 64), None, (2, 64)),
    ("...bc,bc->...b", None, (2, 32, 64), (32,), (32, 64), None, (2, 32)),
    ("...b,bc->...c", None, (2, 3, 32), (64,), (32, 64), None, (2, 3, 64)),
    ("...c,cde->...de", "e", (2, 1, 2), (3, 4), (2, 3, 4), (4,), (2, 1, 3, 4)),
    ("...c,cde->...de", "d", (2, 1, 2), (3, 4), (2, 3, 4), (3, 1), (2, 1, 3, 4)),
    ("...c,cde->...de", "de", (2, 1, 2), (3, 4), (2, 3, 4), (3, 4), (2, 1, 3, 4)),
    ("bc...,cd->bd...", None, (2, 1, 2, 3), (4,), (1, 4), None, (2, 4, 2, 3)),
    ("bc...,cde->bde...", "d", (2, 1, 2), (3, 4), (1, 3, 4), (3, 1, 1), (2, 3, 4, 2)),
]


def reference(equation, x, kernel, bias):
    y = np.einsum(equation, x, kernel)
    return y if bias is None else y + bias


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}|{c[1]}" for c in CASES])
def test_shapes_and_values(case):
    equation, bias_axes, in_shape, out_shape, kernel, bias, output = case
    layer = layers.EinsumDense(equation, out_shape, bias_axes=bias_axes, bias_initializer="random_normal",
                               dtype="float64")
    x = np.random.default_rng(0).normal(size=in_shape)
    y = layer(x)
    assert layer.kernel.shape == kernel
    assert (None if layer.bias is None else layer.bias.shape) == bias
    assert y.shape == output
    assert layer.compute_output_shape(in_shape) == output
    np.testing.assert_allclose(y.numpy(), reference(equation, x, layer.kernel.numpy(),
                                                    None if layer.bias is None else layer.bias.numpy()),
                               atol=1e-12)


@pytest.mark.parametrize("equation,bias_axes,in_shape,out_shape", [
    ("abc,cde->abde", "de", (2, 3, 4), (3, 2, 5)),      # matmul path, flat bias
    ("abcd,cde->abe", "e", (2, 3, 2, 5), (3, 4)),        # matmul path (attention output)
    ("abc,cde->abde", "be", (2, 3, 4), (3, 2, 5)),       # matmul path, bias added after
    ("ibd,nd->ibn", None, (2, 2, 3), (2, 4)),            # general einsum path
])
def test_gradients(equation, bias_axes, in_shape, out_shape):
    layer = layers.EinsumDense(equation, out_shape, bias_axes=bias_axes, activation="tanh",
                               bias_initializer="random_normal", dtype="float64")
    x = np.random.default_rng(1).normal(size=in_shape)
    layer(x)
    check_gradients(layer, x, variables=layer.trainable_weights)


def test_kernel_fans_come_from_the_equation_axes():
    # (16, 8, 64) with input axis 0: fan_in 16, fan_out 512 -> glorot limit sqrt(6 / 528).
    layer = layers.EinsumDense("abc,cde->abde", (10, 8, 64), kernel_initializer="glorot_uniform")
    layer.build((None, 10, 16))
    limit = np.sqrt(6 / (16 + 8 * 64))
    assert np.abs(layer.kernel.numpy()).max() <= limit
    assert np.abs(layer.kernel.numpy()).max() > 0.9 * limit
    assert layer.kernel_initializer.input_axes is None  # the configured initializer is untouched


def test_errors():
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        layers.EinsumDense("ab->b", 3).build((2, 3))
    with pytest.raises(ValueError, match="Bias dimension 'z'"):
        layers.EinsumDense("ab,bc->ac", 3, bias_axes="z").build((2, 3))
    with pytest.raises(ValueError, match="Weight dimension 'x'"):
        layers.EinsumDense("ab,bx->a", ()).build((2, 3))
    with pytest.raises(ValueError, match="do not match at shared dimension"):
        layers.EinsumDense("abc,cd->abd", (5, 4)).build((2, 3, 2))


def test_config_round_trip_and_activation():
    layer = layers.EinsumDense("ab,bcd->acd", output_shape=(8, 32), bias_axes="d", activation="relu")
    layer.build((None, 3))
    config = layer.get_config()
    assert config["output_shape"] == (8, 32) and config["equation"] == "ab,bcd->acd"
    clone = layers.EinsumDense.from_config(config)
    clone.build((None, 3))
    clone.set_weights(layer.get_weights())
    x = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())
    assert layer(x).numpy().min() >= 0
    assert layer.count_params() == 3 * 8 * 32 + 32


def test_lora_shapes_and_merged_kernel():
    layer = layers.EinsumDense("abc,cde->abde", (4, 3, 5), bias_axes="de", lora_rank=2)
    layer.build((None, 4, 6))
    assert layer.lora_kernel_a.shape == (6, 3, 2) and layer.lora_kernel_b.shape == (2, 5)
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]
    layer.lora_kernel_b.assign(np.ones((2, 5), "float32"))
    expected = layer._kernel.numpy() + layer.lora_kernel_a.numpy() @ np.ones((2, 5)) * 1.0
    np.testing.assert_allclose(layer.kernel.numpy(), expected, rtol=1e-5, atol=1e-7)
    assert layer.get_config()["lora_rank"] == 2


def test_fit_replays_and_learns(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(256, 4, 6)).astype("float32")
    y = (x[:, :, 0].sum(1) > 0).astype("int32")
    model = models.Sequential([
        keras.Input((4, 6)),
        layers.EinsumDense("abc,cde->abde", (4, 2, 8), bias_axes="de", activation="relu"),
        layers.Reshape((4 * 16,)),
        layers.Dense(2),
    ])
    model.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    # The step was traced and its replay agreed bit for bit with eager, so fit replayed it.
    assert any(r is not None for r in model._compiled_step.replays.values())
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_a_saved_lora_einsum_dense_loads_with_the_merged_kernel(tmp_path):
    # The file holds the merged kernel and no factors (as Keras saves them); the loader's
    # weight check must still let the factors be created.
    inputs = keras.Input(shape=(5, 8))
    model = keras.Model(inputs, layers.EinsumDense("abc,cd->abd", (5, 6), lora_rank=2)(inputs))
    model.layers[1].lora_kernel_b.assign(np.random.default_rng(0).random((2, 6)).astype("float32"))
    x = np.random.default_rng(1).random((3, 5, 8)).astype("float32")
    path = tmp_path / "lora.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
