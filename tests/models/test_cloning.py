"""Model.from_config and clone_model with registered and custom objects, and clone_model's
Keras 3 arguments (clone_function, call_function, recursive, compiled models)."""
import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import registry

X = np.linspace(-1.0, 1.0, 12, dtype="float32").reshape(3, 4)


@pytest.fixture
def clean_registry():
    objects, names = dict(registry._GLOBAL_CUSTOM_OBJECTS), dict(registry._GLOBAL_CUSTOM_NAMES)
    yield
    registry._GLOBAL_CUSTOM_OBJECTS.clear()
    registry._GLOBAL_CUSTOM_OBJECTS.update(objects)
    registry._GLOBAL_CUSTOM_NAMES.clear()
    registry._GLOBAL_CUSTOM_NAMES.update(names)


def softsign_twice(x):
    return keras.ops.softsign(keras.ops.softsign(x))


class Gain(keras.layers.Layer):
    def __init__(self, gain=1.0, **kwargs):
        super().__init__(**kwargs)
        self.gain = gain

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return inputs * self.w * self.gain

    def get_config(self):
        config = super().get_config()
        config.update({"gain": self.gain})
        return config


def _functional():
    inputs = keras.Input((4,))
    hidden = Gain(2.0, name="gain")(inputs)
    outputs = keras.layers.Dense(3, activation=softsign_twice, name="out")(hidden)
    return keras.Model(inputs, outputs)


def _sequential():
    return keras.Sequential([keras.Input((4,)), Gain(2.0, name="gain"),
                             keras.layers.Dense(3, activation=softsign_twice, name="out")])


def _same_outputs(model, rebuilt):
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


@pytest.fixture
def registered(clean_registry):
    keras.saving.register_keras_serializable(package="Cloning")(Gain)
    keras.saving.register_keras_serializable(package="Cloning")(softsign_twice)


@pytest.mark.parametrize("make, cls", [(_functional, keras.Model), (_sequential, keras.Sequential)])
def test_from_config_finds_registered_layer_and_activation(registered, make, cls):
    model = make()
    rebuilt = cls.from_config(model.get_config())
    assert isinstance(rebuilt.get_layer("gain"), Gain) and rebuilt.get_layer("gain").gain == 2.0
    assert rebuilt.get_layer("out").activation is softsign_twice
    _same_outputs(model, rebuilt)


@pytest.mark.parametrize("make, cls", [(_functional, keras.Model), (_sequential, keras.Sequential)])
def test_from_config_with_custom_objects_or_a_scope(make, cls):
    model = make()
    config = model.get_config()
    with pytest.raises(ValueError, match="Gain"):
        cls.from_config(config)
    objects = {"Gain": Gain, "softsign_twice": softsign_twice}
    _same_outputs(model, cls.from_config(config, custom_objects=objects))
    with keras.saving.custom_object_scope(objects):
        _same_outputs(model, cls.from_config(config))


@pytest.mark.parametrize("make", [_functional, _sequential])
def test_clone_model_keeps_registered_and_custom_objects(make, clean_registry):
    model = make()
    with pytest.raises(ValueError, match="softsign_twice"):
        keras.models.clone_model(model)  # as in Keras: an unknown function cannot be found
    with keras.saving.custom_object_scope({"softsign_twice": softsign_twice}):
        clone = keras.models.clone_model(model)
    assert clone.get_layer("gain") is not model.get_layer("gain")
    _same_outputs(model, clone)
    keras.saving.register_keras_serializable(package="Cloning")(softsign_twice)
    clone = keras.models.clone_model(model)
    assert clone.get_layer("out").activation is softsign_twice


def test_layers_frozen_one_by_one_stay_frozen(tmp_path):
    inputs = keras.Input((4,))
    base = keras.layers.Dense(3, name="base", trainable=False)
    model = keras.Model(inputs, keras.layers.Dense(1, name="head")(base(inputs)))
    seq = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="base", trainable=False),
                            keras.layers.Dense(1, name="head")])
    for rebuilt in (keras.Model.from_config(model.get_config()), keras.models.clone_model(model),
                    keras.Sequential.from_config(seq.get_config()), keras.models.clone_model(seq)):
        assert not rebuilt.get_layer("base").trainable and rebuilt.get_layer("head").trainable
    model.save(tmp_path / "frozen.keras")
    loaded = keras.models.load_model(tmp_path / "frozen.keras")
    assert [w.path for w in loaded.trainable_weights] == ["head/kernel", "head/bias"]
    seq.trainable = False
    assert not keras.Sequential.from_config(seq.get_config()).get_layer("head").trainable


def test_clone_function_sees_each_layer_once_and_its_result_is_used():
    inputs = keras.Input((4,))
    shared = keras.layers.Dense(4, name="shared")
    outputs = shared(shared(inputs))
    model = keras.Model(inputs, outputs)
    seen = []

    def with_seed(layer):  # Keras's example: make the clone deterministic
        seen.append(layer.name)
        config = layer.get_config()
        if "kernel_initializer" in config:
            config["kernel_initializer"] = {"class_name": "GlorotUniform", "config": {"seed": 1337}}
        return layer.__class__.from_config(config)

    a = keras.models.clone_model(model, clone_function=with_seed)
    b = keras.models.clone_model(model, clone_function=with_seed)
    assert seen == ["shared", "shared"]  # once per clone, though called twice
    assert a.get_layer("shared") is not model.get_layer("shared")
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])


def test_call_function_inserts_layers_around_the_same_layers():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(2)])
    functional = keras.Model(model.inputs, model.outputs)

    def add_dropout(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if isinstance(layer, keras.layers.Dense):
            out = keras.layers.Dropout(0.5)(out)
        return out

    clone = keras.models.clone_model(functional, clone_function=lambda layer: layer,
                                     call_function=add_dropout)
    kinds = [type(layer).__name__ for layer in clone.layers]
    assert kinds == ["InputLayer", "Dense", "Dropout", "Dense", "Dropout"]
    assert clone.layers[1] is functional.layers[1]  # reused, not cloned
    with pytest.raises(ValueError, match="Functional models only"):
        keras.models.clone_model(model, call_function=add_dropout)


def test_recursive_clones_nested_models_layer_by_layer():
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="inner_dense")], name="inner")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(1, name="head")(inner(inputs)))
    seen = []

    def record(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    keras.models.clone_model(model, clone_function=record)
    assert seen == ["inner", "head"]
    seen.clear()
    clone = keras.models.clone_model(model, clone_function=record, recursive=True)
    assert seen == ["inner_dense", "head"]
    assert isinstance(clone.get_layer("inner"), keras.Sequential)


def test_clone_of_a_compiled_model_is_compiled_with_a_new_optimizer():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="mse", metrics=["mae"])
    clone = keras.models.clone_model(model)
    assert clone.compiled
    assert isinstance(clone.optimizer, keras.optimizers.Adam) and clone.optimizer is not model.optimizer
    assert float(clone.optimizer.learning_rate) == pytest.approx(0.005)
    clone.fit(X, np.zeros((3, 1), "float32"), epochs=1, verbose=0)
    assert not keras.models.clone_model(keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])).compiled


def test_subclassed_model_is_rebuilt_from_its_config():
    class Tower(keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = keras.layers.Dense(units)

        def call(self, inputs):
            return self.dense(inputs)

        def get_config(self):
            return {"units": self.units, "name": self.name}

    model = Tower(units=5, name="tower")
    model(X)
    clone = keras.models.clone_model(model)
    assert type(clone) is Tower and clone.units == 5 and clone is not model
    with pytest.raises(ValueError, match="Sequential and Functional models only"):
        keras.models.clone_model(model, clone_function=lambda layer: layer)


def test_unexpected_arguments_are_refused():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="unexpected keyword"):
        keras.models.clone_model(model, weights=True)
    with pytest.raises(ValueError, match="one input tensor"):
        keras.models.clone_model(model, input_tensors=[keras.Input((4,)), keras.Input((4,))])
