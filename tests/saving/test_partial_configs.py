"""Custom layers whose get_config() leaves out the base config, or whose __init__ takes
no name/trainable: they still rebuild, in models, clones and files."""
import numpy as np
import pytest

import gradiente as keras

X = np.linspace(-2.0, 2.0, 8, dtype="float32").reshape(2, 4)


class Halve(keras.layers.Layer):
    """get_config() without super(): only the constructor's own argument."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {"factor": self.factor}


class Narrow(keras.layers.Layer):
    """__init__ takes no name/trainable/dtype, but get_config() starts from super()."""

    def __init__(self, units):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))

    def call(self, x):
        return keras.ops.matmul(x, self.kernel)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


class Guided(keras.layers.Layer):
    """The guides' pattern: **kwargs to super().__init__, config = super().get_config()."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1], self.units), initializer="random_normal")

    def call(self, x):
        return keras.ops.matmul(x, self.w)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


CUSTOM = {"Halve": Halve, "Narrow": Narrow, "Guided": Guided}


def _model():
    inputs = keras.Input((4,))
    narrow = Narrow(3)
    narrow.name = "narrow_one"  # its __init__ takes no name
    outputs = Guided(2, name="guided", trainable=False)(narrow(Halve(0.5)(inputs)))
    return keras.Model(inputs, outputs, name="partial")


def test_layer_without_base_config_rebuilds_with_a_fresh_name():
    layer = Halve(0.5)
    record = keras.layers.serialize(layer)
    assert record["config"] == {"factor": 0.5}
    again = keras.layers.deserialize(record, custom_objects=CUSTOM)
    assert again.factor == 0.5 and again.name != layer.name  # Keras names it anew


def test_base_keys_an_init_cannot_take_are_set_after_construction():
    layer = Narrow(3)
    layer.name, layer.trainable = "narrow_one", False
    config = layer.get_config()
    with pytest.raises(TypeError, match="name"):
        Narrow.from_config(config)  # Layer.from_config is cls(**config), as in Keras
    again = keras.layers.deserialize(keras.layers.serialize(layer), custom_objects=CUSTOM)
    assert (again.units, again.name, again.trainable) == (3, "narrow_one", False)
    wide = keras.layers.deserialize({"class_name": "Narrow", "config": {**config, "dtype": "float64"}},
                                    custom_objects=CUSTOM)
    wide(X.astype("float64"))
    assert wide.kernel.dtype == np.float64


def test_guide_pattern_keeps_name_trainable_and_dtype():
    layer = Guided(5, name="g", trainable=False, dtype="float64")
    again = keras.layers.deserialize(keras.layers.serialize(layer), custom_objects=CUSTOM)
    assert (again.units, again.name, again.trainable, again.dtype) == (5, "g", False, "float64")


def test_functional_model_keeps_its_layer_names_and_wiring():
    model = _model()
    names = [layer.name for layer in model.layers]
    rebuilt = keras.Model.from_config(model.get_config(), custom_objects=CUSTOM)
    assert [layer.name for layer in rebuilt.layers] == names
    assert rebuilt.get_layer("guided").trainable is False
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def test_clone_and_file_roundtrip(tmp_path):
    model = _model()
    with keras.saving.custom_object_scope(CUSTOM):
        clone = keras.models.clone_model(model)
    assert [layer.name for layer in clone.layers][2:] == ["narrow_one", "guided"]
    model.save(tmp_path / "partial.keras")
    loaded = keras.models.load_model(tmp_path / "partial.keras", custom_objects=CUSTOM)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_the_serialization_guides_custom_model_example(tmp_path, clean_registry):
    # Keras 3's serialization guide: a registered layer whose get_config() is only its own
    # argument and a registered activation, saved and loaded with no custom_objects.
    @keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
    def custom_fn(x):
        return x ** 2

    @keras.saving.register_keras_serializable(package="MyLayers")
    class CustomLayer(keras.layers.Layer):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(1, activation=custom_fn)(CustomLayer(0.5)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="mean_squared_error")
    model.fit(np.random.random((4, 4)), np.random.random((4, 1)), verbose=0)
    model.save(tmp_path / "custom_model.keras")
    test_input = np.random.random((4, 4))
    reconstructed = keras.models.load_model(tmp_path / "custom_model.keras")
    np.testing.assert_allclose(model.predict(test_input, verbose=0), reconstructed.predict(test_input, verbose=0))
    with keras.saving.custom_object_scope({"CustomLayer": CustomLayer, "custom_fn": custom_fn}):
        keras.models.load_model(tmp_path / "custom_model.keras")


def test_the_serialization_guides_nested_layer_examples(clean_registry):
    # The guide's appendix: layers holding layers in their config, registered under a name
    # of their own, rebuilt from keras.layers.serialize and from a model config.
    @keras.saving.register_keras_serializable(package="MyLayers", name="KernelMult")
    class MyDense(keras.layers.Layer):
        def __init__(self, units, *, kernel_regularizer=None, kernel_initializer=None,
                     nested_model=None, **kwargs):
            super().__init__(**kwargs)
            self.hidden_units = units
            self.kernel_regularizer = kernel_regularizer
            self.kernel_initializer = kernel_initializer
            self.nested_model = nested_model

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.hidden_units, "kernel_regularizer": self.kernel_regularizer,
                           "kernel_initializer": self.kernel_initializer,
                           "nested_model": self.nested_model})
            return config

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.hidden_units),
                                          regularizer=self.kernel_regularizer,
                                          initializer=self.kernel_initializer)

        def call(self, inputs):
            return keras.ops.matmul(inputs, self.kernel)

    @keras.saving.register_keras_serializable(package="ComplexModels")
    class CustomModel(keras.layers.Layer):
        def __init__(self, first_layer, second_layer=None, **kwargs):
            super().__init__(**kwargs)
            self.first_layer = first_layer
            self.second_layer = second_layer if second_layer is not None else keras.layers.Dense(8)

        def get_config(self):
            config = super().get_config()
            config.update({"first_layer": self.first_layer, "second_layer": self.second_layer})
            return config

        @classmethod
        def from_config(cls, config):
            config["first_layer"] = keras.layers.deserialize(config["first_layer"])
            config["second_layer"] = keras.layers.deserialize(config["second_layer"])
            return cls(**config)

        def call(self, inputs):
            return self.first_layer(self.second_layer(inputs))

    layer = MyDense(units=16, kernel_regularizer="l1", kernel_initializer="ones")
    outer = MyDense(units=64, nested_model=layer)
    record = keras.layers.serialize(outer)
    assert record["registered_name"] == "MyLayers>KernelMult"
    assert record["config"]["nested_model"]["registered_name"] == "MyLayers>KernelMult"
    assert isinstance(keras.layers.deserialize(record), MyDense)

    inputs = keras.Input((32,))
    model = keras.Model(inputs, CustomModel(first_layer=layer)(inputs))
    new_model = keras.Model.from_config(model.get_config())
    nested = new_model.layers[1]
    assert isinstance(nested, CustomModel) and isinstance(nested.first_layer, MyDense)
    assert nested.first_layer is not layer and nested.first_layer.hidden_units == 16
