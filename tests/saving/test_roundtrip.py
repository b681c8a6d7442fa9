"""Save/load round trips: bit-exact predictions, resumed training, configs, JSON, weights."""
import json
import os

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import ModelFormatError, register_keras_serializable
from saving_helpers import small_mlp


def test_sequential_predict_bit_exact_and_compile_state(tmp_path, data):
    x, y = data
    model = small_mlp()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is keras.Sequential
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert type(loaded.optimizer).__name__ == "Adam"
    assert int(loaded.optimizer.iterations.data) == int(model.optimizer.iterations.data) == 12
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.data, b.data)
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_training_continues_exactly(tmp_path, data, optimizer):
    x, y = data
    model = small_mlp(optimizer=keras.optimizers.get(optimizer) if optimizer != "sgd"
                      else keras.optimizers.SGD(0.05, momentum=0.9))
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    keras.backend.set_random_seed(5)
    hist_a = model.fit(x, y, epochs=2, batch_size=16, verbose=0).history
    loaded = keras.models.load_model(path)
    keras.backend.set_random_seed(5)
    hist_b = loaded.fit(x, y, epochs=2, batch_size=16, verbose=0).history
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert hist_a == hist_b


def test_load_without_compile(tmp_path, data):
    model = small_mlp()
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert getattr(loaded, "_compile_state", None) is None
    np.testing.assert_array_equal(model.predict(data[0], verbose=0), loaded.predict(data[0], verbose=0))


def test_loading_does_not_change_the_random_stream(tmp_path):
    model = small_mlp()
    model.save(tmp_path / "m.keras")
    keras.backend.set_random_seed(3)
    expected = keras.backend.rng().random(4)
    keras.backend.set_random_seed(3)
    keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(keras.backend.rng().random(4), expected)


def _functional():
    keras.backend.set_random_seed(2)
    a = keras.Input((5,), name="a")
    b = keras.Input((3,), name="b")
    shared = keras.layers.Dense(4, activation="tanh", name="shared")
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, keras.layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    ha = shared(a)
    hb = shared(keras.layers.Dense(5, name="lift")(b))
    merged = keras.layers.Concatenate(name="cat")([ha, hb])
    out1 = keras.layers.Dense(1, name="out1")(merged)
    out2 = inner(keras.layers.Add(name="add")([ha, hb]))
    model = keras.Model([a, b], [out1, out2], name="two_heads")
    model.compile(optimizer="adam", loss=["mse", "mae"], loss_weights=[1.0, 0.5],
                  metrics=[["mae"], ["mse"]])
    return model


def test_functional_shared_nested_multi_io(tmp_path):
    model = _functional()
    rng = np.random.default_rng(1)
    xa, xb = rng.normal(size=(32, 5)).astype("float32"), rng.normal(size=(32, 3)).astype("float32")
    y1, y2 = rng.normal(size=(32, 1)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")
    model.fit([xa, xb], [y1, y2], epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "f.keras")
    loaded = keras.models.load_model(tmp_path / "f.keras")
    assert len(loaded.weights) == len(model.weights)
    for p, q in zip(model.predict([xa, xb], verbose=0), loaded.predict([xa, xb], verbose=0)):
        np.testing.assert_array_equal(p, q)
    # the shared layer is one layer with two calls, the nested model a model
    assert len(loaded.get_layer("shared")._inbound_nodes) >= 2
    assert isinstance(loaded.get_layer("inner"), keras.Model)
    keras.backend.set_random_seed(7)
    model.fit([xa, xb], [y1, y2], epochs=1, batch_size=8, verbose=0)
    keras.backend.set_random_seed(7)
    loaded.fit([xa, xb], [y1, y2], epochs=1, batch_size=8, verbose=0)
    for p, q in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(p, q)


def test_get_config_from_config_round_trip():
    model = _functional()
    clone = keras.Model.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    seq = small_mlp()
    assert keras.Sequential.from_config(seq.get_config()).get_config() == seq.get_config()


def test_to_json_and_model_from_json():
    model = _functional()
    text = model.to_json()
    json.loads(text)
    rebuilt = keras.models.model_from_json(text)
    assert rebuilt.get_config() == model.get_config()
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in model.weights]
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        keras.models.model_from_json("{not json")


@register_keras_serializable(package="TestSaving")
class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@register_keras_serializable(package="TestSaving")
def cube(x):
    return x * x * x


@register_keras_serializable(package="TestSaving")
class TwoLayer(keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))

    def get_config(self):
        return {"name": self.name, "units": self.units}


def test_registered_custom_layer_and_activation(tmp_path, data):
    x, y = data
    keras.backend.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), Scale(3.0, name="scale"),
                              keras.layers.Dense(2, activation=cube)])
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "c.keras")
    loaded = keras.models.load_model(tmp_path / "c.keras")
    assert isinstance(loaded.get_layer("scale"), Scale) and loaded.get_layer("scale").factor == 3.0
    assert loaded.layers[-1].activation is cube
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_registered_subclassed_model(tmp_path, data):
    x, y = data
    keras.backend.set_random_seed(0)
    model = TwoLayer(units=5, name="two")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    model.save(tmp_path / "s.keras")
    loaded = keras.models.load_model(tmp_path / "s.keras")
    assert isinstance(loaded, TwoLayer) and loaded.units == 5
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert keras.saving.get_registered_name(TwoLayer) == "TestSaving>TwoLayer"
    assert keras.saving.get_registered_object("TestSaving>TwoLayer") is TwoLayer


def test_custom_objects_argument_and_unknown_class(tmp_path):
    class Unregistered(keras.layers.Layer):
        def call(self, inputs):
            return inputs + 1.0

    model = keras.Sequential([keras.Input((3,)), Unregistered(name="plus")])
    model.save(tmp_path / "u.keras")
    with pytest.raises(ModelFormatError, match=r"'Unregistered'.*TestSaving>Scale"):
        keras.models.load_model(tmp_path / "u.keras")
    loaded = keras.models.load_model(tmp_path / "u.keras", custom_objects={"Unregistered": Unregistered})
    np.testing.assert_array_equal(loaded.predict(np.zeros((2, 3), "float32"), verbose=0), np.ones((2, 3)))
    with keras.saving.custom_object_scope({"Unregistered": Unregistered}):
        assert keras.models.load_model(tmp_path / "u.keras").layers[0].name == "plus"


def test_unserializable_loss_warns_and_keeps_weights(tmp_path, data):
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=lambda t, p: keras.ops.mean((t - p) ** 2))
    with pytest.warns(UserWarning, match="compile arguments were not saved"):
        model.save(tmp_path / "l.keras")
    loaded = keras.models.load_model(tmp_path / "l.keras")
    np.testing.assert_array_equal(model.predict(data[0], verbose=0), loaded.predict(data[0], verbose=0))


def test_save_weights_load_weights(tmp_path, data):
    x, _ = data
    model = small_mlp(seed=1)
    other = small_mlp(seed=2)
    model.save_weights(tmp_path / "w.weights.npz")
    with np.load(tmp_path / "w.weights.npz", allow_pickle=False) as npz:  # a NumPy-readable file
        np.testing.assert_array_equal(npz["arr_0"], model.weights[0].data)
    other.load_weights(tmp_path / "w.weights.npz")
    np.testing.assert_array_equal(model.predict(x, verbose=0), other.predict(x, verbose=0))
    # from a .keras file too
    third = small_mlp(seed=3)
    model.save(tmp_path / "m.keras")
    third.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(model.predict(x, verbose=0), third.predict(x, verbose=0))


def test_load_weights_mismatch_names_weight_and_keeps_model(tmp_path):
    model = small_mlp()
    model.save_weights(tmp_path / "w.weights.npz")
    wider = keras.Sequential([keras.layers.Dense(17, activation="relu", input_shape=(6,)),
                              keras.layers.Dropout(0.2), keras.layers.Dense(1)])
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"weight 0 \('sequential_?\d*/dense_?\d*/kernel'\).*\(6, 17\).*\(6, 16\)"):
        wider.load_weights(tmp_path / "w.weights.npz")
    for a, b in zip(before, wider.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing changed
    with pytest.warns(UserWarning, match="Skipping"):
        wider.load_weights(tmp_path / "w.weights.npz", skip_mismatch=True)
    np.testing.assert_array_equal(wider.weights[-1].data, model.weights[-1].data)
    fewer = keras.Sequential([keras.layers.Dense(1, input_shape=(6,))])
    with pytest.raises(ValueError, match="holds 4 weights, but model"):
        fewer.load_weights(tmp_path / "w.weights.npz")


def test_save_rejects_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match="extension"):
        small_mlp().save(tmp_path / "model")
    with pytest.raises(FileExistsError):
        model = small_mlp()
        model.save(tmp_path / "m.keras")
        model.save(tmp_path / "m.keras", overwrite=False)


def test_model_checkpoint_writes_loadable_keras_files(tmp_path, data):
    x, y = data
    model = small_mlp()
    ckpt = keras.callbacks.ModelCheckpoint(str(tmp_path / "ck-{epoch:02d}.keras"), monitor="loss")
    wck = keras.callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.weights.npz"),
                                          save_weights_only=True, monitor="loss")
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[ckpt, wck])
    assert sorted(os.listdir(tmp_path)) == ["ck-01.keras", "ck-02.keras", "w-01.weights.npz",
                                            "w-02.weights.npz"]
    loaded = keras.models.load_model(tmp_path / "ck-02.keras")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    other = small_mlp(seed=9)
    other.load_weights(tmp_path / "w-02.weights.npz")
    np.testing.assert_array_equal(model.predict(x, verbose=0), other.predict(x, verbose=0))


def test_nan_weights_load_with_warning(tmp_path, data):
    model = small_mlp()
    model.weights[0].data[0, 0] = np.nan
    model.save(tmp_path / "n.keras")
    with pytest.warns(UserWarning, match="NaN"):
        loaded = keras.models.load_model(tmp_path / "n.keras")
    assert np.isnan(loaded.weights[0].data[0, 0])


@register_keras_serializable(package="TestSaving")
def halve(x):
    return x * 0.5


def test_lambda_by_name_loads_in_safe_mode(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(halve, name="half")])
    model.save(tmp_path / "lam.keras")
    loaded = keras.models.load_model(tmp_path / "lam.keras")
    assert loaded.get_layer("half").function is halve
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 3), "float32"), verbose=0), 0.5)


def test_lambda_bytecode_refused_unless_safe_mode_false(tmp_path):
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Lambda(lambda x, k=3.0: x * k, name="triple")])
    model.save(tmp_path / "code.keras")
    with pytest.raises(ModelFormatError, match="arbitrary code.*safe_mode=False"):
        keras.models.load_model(tmp_path / "code.keras")
    with pytest.raises(ModelFormatError, match="arbitrary code"):
        keras.models.model_from_json(model.to_json())
    loaded = keras.models.load_model(tmp_path / "code.keras", safe_mode=False)
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 3), "float32"), verbose=0), 3.0)
    with pytest.raises(ValueError, match="arbitrary code"):
        keras.layers.Lambda.from_config(model.layers[0].get_config())


def test_save_weights_under_an_hdf5_name_writes_hdf5_and_round_trips(tmp_path, data):
    model, other = small_mlp(seed=1), small_mlp(seed=2)
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    assert path.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"  # real HDF5, never a zip
    with pytest.raises(ValueError, match=r"must end in '\.weights\.h5'"):
        model.save_weights(tmp_path / "m.h5")
    assert not (tmp_path / "m.h5").exists()
    other.load_weights(path)
    np.testing.assert_array_equal(model.predict(data[0], verbose=0), other.predict(data[0], verbose=0))
