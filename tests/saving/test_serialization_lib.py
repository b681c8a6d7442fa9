"""keras.saving.serialize_keras_object / deserialize_keras_object and keras.layers.serialize /
deserialize, in Keras 3's record format, for every kind of object a model holds."""
import json

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import deserialize_keras_object, serialize_keras_object

RECORD_KEYS = {"module", "class_name", "config", "registered_name"}


def _roundtrip(obj, custom_objects=None):
    """serialize, through JSON text, deserialize, serialize again."""
    record = serialize_keras_object(obj)
    restored = deserialize_keras_object(json.loads(json.dumps(record)), custom_objects=custom_objects)
    return record, restored, serialize_keras_object(restored)


def _square(x):
    return x * x


class Scale(keras.layers.Layer):
    """A custom layer whose get_config() leaves out the base config, as Keras's docs show."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {"factor": self.factor}


class Wrapping(keras.layers.Layer):
    """Holds a layer and a function; get_config returns them as objects, __init__ takes
    either those or their records."""

    def __init__(self, factor, dense=None, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor
        self.dense = keras.layers.Dense(1, activation=_square) if dense is None else \
            keras.saving.deserialize_keras_object(dense)
        self.activation = keras.saving.deserialize_keras_object(activation)

    def call(self, x):
        return self.dense(x * self.factor)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "dense": self.dense,
                "activation": self.activation}


def test_aliases():
    assert keras.utils.serialize_keras_object is serialize_keras_object
    assert keras.utils.deserialize_keras_object is deserialize_keras_object


def test_builtin_layer_record_and_roundtrip():
    layer = keras.layers.Dense(3, name="foo", trainable=False, dtype="float64")
    record, restored, again = _roundtrip(layer)
    assert set(record) == RECORD_KEYS
    assert record["module"] == "keras.layers" and record["class_name"] == "Dense"
    assert record["registered_name"] is None and record["config"]["units"] == 3
    assert again == record
    assert (restored.name, restored.trainable, restored.dtype) == ("foo", False, "float64")
    assert keras.layers.serialize(layer) == record


def test_built_layer_record_carries_its_build_config():
    layer = keras.layers.Dense(2)
    layer(np.ones((4, 5), "float32"))
    record = keras.layers.serialize(layer)
    assert record["build_config"] == {"input_shape": (4, 5)}
    restored = keras.layers.deserialize(json.loads(json.dumps(record)))
    assert restored.built and restored.kernel.shape == (5, 2)


def test_plain_values_and_special_records_roundtrip():
    for obj in ["hello", b"hello", np.array([0, 1]), np.array([0.0, 1.0]), np.float32(1.0),
                ["hello", 0, "world", 1.0, True], {"1": "hello", "2": [True, False]},
                slice(None, 20, 1), slice(None, np.array([0, 1]), 1)]:
        record, _, again = _roundtrip(obj)
        assert json.loads(json.dumps(record)) == json.loads(json.dumps(again))
    assert serialize_keras_object((1, 2)) == (1, 2)  # tuples stay tuples, as in Keras
    _, restored, _ = _roundtrip(...)
    assert restored is Ellipsis
    _, restored, _ = _roundtrip({"x": keras.ops.convert_to_tensor(np.eye(2, dtype="float64"))})
    assert isinstance(restored["x"], keras.Tensor) and restored["x"].dtype == np.float64
    np.testing.assert_array_equal(restored["x"].numpy(), np.eye(2))


def test_builtin_and_unregistered_functions():
    record = serialize_keras_object(keras.activations.relu)
    assert record == {"module": "builtins", "class_name": "function", "config": "relu",
                      "registered_name": "function"}
    assert deserialize_keras_object(record) is keras.activations.relu
    record, restored, again = _roundtrip({"activation": _square}, {"_square": _square})
    assert restored["activation"] is _square and again == record
    with pytest.raises(TypeError, match="Could not locate function '_square'.*register_keras_serializable"):
        deserialize_keras_object(record)


def test_registered_function_needs_no_custom_objects(clean_registry):
    def custom_registered_fn(x):
        return x ** 2

    keras.saving.register_keras_serializable(package="serial_test")(custom_registered_fn)
    record = serialize_keras_object(custom_registered_fn)
    assert record["config"] == "serial_test>custom_registered_fn"
    assert deserialize_keras_object(record) is custom_registered_fn
    # Keras <= 3.6 stored the bare name; it still resolves to the one registered object
    old = dict(record, config="custom_registered_fn")
    assert deserialize_keras_object(old) is custom_registered_fn


@pytest.mark.parametrize("obj, module", [
    (keras.optimizers.Adam(learning_rate=0.01), "keras.optimizers"),
    (keras.losses.Huber(delta=2.0), "keras.losses"),
    (keras.metrics.MeanSquaredError(), "keras.metrics"),
    (keras.initializers.RandomNormal(stddev=0.3, seed=1), "keras.initializers"),
    (keras.regularizers.L1L2(l1=0.01, l2=0.02), "keras.regularizers"),
    (keras.constraints.MaxNorm(3.0), "keras.constraints"),
    (keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5), "keras.optimizers.schedules"),
])
def test_other_builtin_objects(obj, module):
    record, restored, again = _roundtrip(obj)
    assert record["module"] == module and record["class_name"] == type(obj).__name__
    assert type(restored) is type(obj) and again == record


def test_same_class_name_in_two_categories_is_chosen_by_module():
    record = serialize_keras_object(keras.metrics.MeanSquaredError())
    assert isinstance(deserialize_keras_object(record), keras.metrics.Metric)
    record = serialize_keras_object(keras.losses.MeanSquaredError())
    assert isinstance(deserialize_keras_object(record), keras.losses.Loss)
    with pytest.raises(TypeError, match="ambiguous.*keras.losses.MeanSquaredError"):
        deserialize_keras_object({"class_name": "MeanSquaredError", "config": {}})
    # a class name found in one category needs no module
    assert isinstance(deserialize_keras_object({"class_name": "Adam", "config": {}}), keras.optimizers.Adam)


def test_models_roundtrip():
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu")], name="seq")
    record, restored, _ = _roundtrip(seq)
    assert (record["module"], record["class_name"]) == ("keras", "Sequential")
    assert isinstance(restored, keras.Sequential) and restored.name == "seq"
    inputs = keras.Input((3,))
    func = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Dense(4)(inputs)))
    record, restored, _ = _roundtrip(func)
    assert record["class_name"] == "Functional"
    restored.set_weights(func.get_weights())
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(restored.predict(x, verbose=0), func.predict(x, verbose=0))


def test_custom_layers_roundtrip_with_custom_objects():
    x = keras.ops.convert_to_tensor(np.arange(4, dtype="float32").reshape(2, 2))
    layer = Scale(factor=2)
    _, restored, _ = _roundtrip(layer, {"Scale": Scale})
    np.testing.assert_array_equal(restored(x).numpy(), layer(x).numpy())

    layer = Wrapping(factor=2)
    y = layer(x)
    _, restored, _ = _roundtrip(layer, {"Wrapping": Wrapping, "_square": _square})
    restored(x)
    restored.set_weights(layer.get_weights())
    np.testing.assert_allclose(restored(x).numpy(), y.numpy())
    assert restored.dense is not layer.dense and restored.dense.activation is _square


def test_layers_deserialize_needs_a_layer_record():
    with pytest.raises(ValueError, match="not describe a layer"):
        keras.layers.deserialize(serialize_keras_object(keras.optimizers.SGD()))


def test_malformed_records_raise_type_errors_naming_the_problem():
    with pytest.raises(TypeError, match="Expected 'config' to be a dict"):
        deserialize_keras_object({"class_name": "Dense", "config": [1, 2, 3]})
    with pytest.raises(TypeError, match="Expected 'config' to be a non-null str"):
        deserialize_keras_object({"class_name": "function", "config": ["not", "a", "string"]})
    with pytest.raises(TypeError, match="Could not locate class 'system'.*never imports"):
        deserialize_keras_object({"module": "os", "class_name": "system", "config": {}})
    with pytest.raises(TypeError, match="non-numeric dtype"):
        deserialize_keras_object({"class_name": "__numpy__", "config": {"value": [1], "dtype": "object"}})
    with pytest.raises(TypeError, match="unexpected keyword"):
        deserialize_keras_object({}, category="layers")


def test_lambdas_are_refused():
    with pytest.raises(ValueError, match="lambda"):
        serialize_keras_object(lambda x: x)
    record = {"class_name": "__lambda__", "config": {"value": "anything"}}
    with pytest.raises(ValueError, match="arbitrary code execution"):
        deserialize_keras_object(record)
    with pytest.raises(ValueError, match="Lambda layer"):
        deserialize_keras_object(record, safe_mode=False)


def test_a_live_layer_is_not_taken_for_its_record():
    with pytest.raises(TypeError, match="Dense object 'inner' itself"):
        deserialize_keras_object(keras.layers.Dense(1, name="inner"))
    assert deserialize_keras_object(_square) is _square  # stateless values pass through


def test_objects_without_get_config_cannot_be_serialized():
    with pytest.raises(ValueError, match="get_config"):
        serialize_keras_object(object())


def test_a_class_defined_in_the_running_script_is_recorded_without_a_module():
    class ScriptLayer(keras.layers.Layer):
        pass

    ScriptLayer.__module__ = "__main__"  # as if defined in the script being run
    keras.saving.register_keras_serializable(package="script_test")(ScriptLayer)
    record = keras.saving.serialize_keras_object(ScriptLayer())
    assert record["module"] is None and record["registered_name"] == "script_test>ScriptLayer"
    assert type(keras.saving.deserialize_keras_object(record)) is ScriptLayer
