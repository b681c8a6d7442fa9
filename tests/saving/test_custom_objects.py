"""Custom objects as Keras 3 keeps them: the global dict, scopes and registered names."""
import numpy as np
import pytest

import gradiente as keras


def _scaled_tanh(x):
    return keras.ops.tanh(x) * 2.0


class Offset(keras.layers.Layer):
    def __init__(self, offset=1.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def call(self, inputs):
        return inputs + self.offset

    def get_config(self):
        config = super().get_config()
        config.update({"offset": self.offset})
        return config


def test_get_custom_objects_is_the_live_global_dict(clean_registry):
    objects = keras.saving.get_custom_objects()
    assert objects is keras.saving.get_custom_objects() is keras.utils.get_custom_objects()
    objects["Offset"] = Offset  # Keras documents writing to it directly
    assert keras.saving.get_registered_object("Offset") is Offset
    model = keras.Sequential([keras.Input((2,)), Offset(3.0, name="off")])
    rebuilt = keras.Sequential.from_config(model.get_config())
    assert isinstance(rebuilt.get_layer("off"), Offset) and rebuilt.get_layer("off").offset == 3.0


def test_register_keras_serializable_keys_package_and_name(clean_registry):
    assert keras.utils.register_keras_serializable is keras.saving.register_keras_serializable
    keras.saving.register_keras_serializable(package="my_package")(Offset)
    keras.saving.register_keras_serializable(package="my_package", name="fancy_tanh")(_scaled_tanh)
    assert keras.saving.get_registered_name(Offset) == "my_package>Offset"
    assert keras.saving.get_registered_name(_scaled_tanh) == "my_package>fancy_tanh"
    assert keras.saving.get_registered_object("my_package>Offset") is Offset
    assert keras.saving.get_registered_object("my_package>fancy_tanh") is _scaled_tanh
    assert keras.saving.get_custom_objects()["my_package>Offset"] is Offset
    assert keras.utils.get_registered_name is keras.saving.get_registered_name
    assert keras.utils.get_registered_object is keras.saving.get_registered_object


def test_default_package_is_custom_and_unregistered_names_are_dunder_name(clean_registry):
    def shifted(x):
        return x + 1.0

    keras.saving.register_keras_serializable()(shifted)
    assert keras.saving.get_registered_name(shifted) == "Custom>shifted"
    assert keras.saving.get_registered_name(_scaled_tanh) == "_scaled_tanh"
    assert keras.saving.get_registered_object("nothing>here") is None


def test_registering_a_class_without_get_config_is_refused(clean_registry):
    class NoConfig:
        pass

    with pytest.raises(ValueError, match="get_config"):
        keras.saving.register_keras_serializable()(NoConfig)


def test_custom_object_scope_names_and_aliases():
    assert keras.saving.custom_object_scope is keras.saving.CustomObjectScope
    assert keras.utils.custom_object_scope is keras.saving.CustomObjectScope
    assert keras.utils.CustomObjectScope is keras.saving.CustomObjectScope
    with keras.saving.custom_object_scope({"scaled": _scaled_tanh}) as scope:
        assert isinstance(scope, keras.saving.CustomObjectScope)
        assert keras.saving.get_registered_object("scaled") is _scaled_tanh
        # a scope's objects are not written into the global dict
        assert "scaled" not in keras.saving.get_custom_objects()
        with keras.utils.custom_object_scope({"Offset": Offset}):
            assert keras.saving.get_registered_object("Offset") is Offset
            assert keras.saving.get_registered_object("scaled") is _scaled_tanh
        assert keras.saving.get_registered_object("Offset") is None
    assert keras.saving.get_registered_object("scaled") is None


def test_get_registered_object_looks_in_scope_then_global_then_arguments(clean_registry):
    def other(x):
        return x

    keras.saving.get_custom_objects()["fn"] = other
    assert keras.saving.get_registered_object("fn", custom_objects={"fn": _scaled_tanh}) is other
    with keras.saving.custom_object_scope({"fn": _scaled_tanh}):
        assert keras.saving.get_registered_object("fn") is _scaled_tanh
    assert keras.saving.get_registered_object("only_here", custom_objects={"only_here": other}) is other
    assert keras.saving.get_registered_object("mod", module_objects={"mod": other}) is other


def test_scope_reaches_from_config_of_a_layer_holding_a_custom_function():
    # Keras's own example: a config naming a custom regularizer loads inside a scope.
    def my_regularizer(weights):
        return 0.01 * keras.ops.sum(keras.ops.abs(weights))

    config = keras.layers.Dense(3, kernel_regularizer=my_regularizer, activation=_scaled_tanh).get_config()
    with pytest.raises(ValueError, match="_scaled_tanh"):
        keras.layers.Dense.from_config(config)
    with pytest.raises(ValueError, match="my_regularizer"):
        with keras.saving.custom_object_scope({"_scaled_tanh": _scaled_tanh}):
            keras.layers.Dense.from_config(config)
    with keras.saving.custom_object_scope({"my_regularizer": my_regularizer, "_scaled_tanh": _scaled_tanh}):
        layer = keras.layers.Dense.from_config(config)
    assert layer.kernel_regularizer is my_regularizer and layer.activation is _scaled_tanh


def test_scope_rejects_a_non_dict():
    with pytest.raises(TypeError, match="dicts"):
        keras.saving.custom_object_scope(["not", "a", "dict"])


def test_registered_objects_load_from_a_file_with_no_custom_objects(tmp_path, clean_registry):
    keras.saving.register_keras_serializable(package="CO")(Offset)
    keras.saving.register_keras_serializable(package="CO")(_scaled_tanh)
    model = keras.Sequential([keras.Input((4,)), Offset(0.5, name="shift"),
                              keras.layers.Dense(3, activation=_scaled_tanh)])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.layers[-1].activation is _scaled_tanh
