"""Subclassed models: layers made in __init__, computation in call, weights tracked."""
import numpy as np
import pytest

from gradiente import backend, layers, models, ops
from gradiente.autodiff import GradientTape
from gradiente.models import evaluation, training
from gradiente.testing import check_gradients


class WideAndDeep(models.Model):
    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.hidden1 = layers.Dense(units, activation=activation)
        self.hidden2 = layers.Dense(units, activation=activation)
        self.main_output = layers.Dense(1)

    def call(self, inputs):
        hidden2 = self.hidden2(self.hidden1(inputs))
        return self.main_output(layers.concatenate([inputs, hidden2]))


def functional_wide_and_deep():
    input_ = layers.Input(shape=(8,))
    hidden1 = layers.Dense(30, activation="relu")(input_)
    hidden2 = layers.Dense(30, activation="relu")(hidden1)
    concat = layers.concatenate([input_, hidden2])
    return models.Model(inputs=[input_], outputs=[layers.Dense(1)(concat)])


def test_subclassed_wide_and_deep_matches_the_functional_one():
    functional = functional_wide_and_deep()
    model = WideAndDeep()
    assert model.name == "wide_and_deep"
    assert not model.built and model.weights == []
    x = np.random.default_rng(0).standard_normal((5, 8)).astype("float32")
    model(x)
    assert model.built and model.count_params() == functional.count_params() == 1239
    model.set_weights(functional.get_weights())
    np.testing.assert_allclose(model(x).numpy(), functional(x).numpy(), rtol=1e-6)


def test_layers_and_weights_in_lists_and_dicts_are_tracked():
    class Blocks(models.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [layers.Dense(4), layers.Dense(4)]
            self.heads = {"a": layers.Dense(1), "b": layers.Dense(2)}
            self.scale = backend  # not a layer: ignored

        def call(self, inputs):
            for block in self.blocks:
                inputs = block(inputs)
            return {name: head(inputs) for name, head in self.heads.items()}

    model = Blocks()
    out = model(np.ones((2, 3), dtype="float32"))
    assert out["a"].shape == (2, 1) and out["b"].shape == (2, 2)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2", "dense_3"]
    assert len(model.trainable_weights) == 8
    assert model.count_params() == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1) + (4 * 2 + 2)
    model.heads["b"].trainable = False
    assert len(model.trainable_weights) == 6 and len(model.non_trainable_weights) == 2
    model.trainable = False
    assert model.trainable_weights == []


def test_training_argument_is_passed_when_call_accepts_it():
    class Noisy(models.Model):
        def __init__(self):
            super().__init__()
            self.dropout = layers.Dropout(0.5)

        def call(self, inputs, training=None):
            return self.dropout(inputs, training=training)

    model = Noisy()
    x = np.ones((3, 100), dtype="float32")
    np.testing.assert_array_equal(model(x).numpy(), x)
    assert (model(x, training=True).numpy() == 0).any()


def test_training_argument_is_dropped_when_call_does_not_take_it():
    model = WideAndDeep(units=2)
    assert model(np.ones((1, 8)), training=True).shape == (1, 1)


def test_build_creates_the_weights():
    model = WideAndDeep(units=3)
    model.build((None, 8))
    assert model.built and model.count_params() == (8 * 3 + 3) + (3 * 3 + 3) + (11 + 1)
    lines = []
    model.summary(print_fn=lines.append)
    assert lines[0] == 'Model: "wide_and_deep"' and lines[-4] == "Total params: 51"


def test_subclass_with_its_own_build():
    class Scale(models.Model):
        def build(self, input_shape):
            self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")

        def call(self, inputs):
            return inputs * self.w

    model = Scale()
    np.testing.assert_allclose(model(np.full((2, 3), 2.0)).numpy(), np.full((2, 3), 2.0))
    assert [v.path for v in model.weights] == ["scale/w"]


def test_subclassed_model_used_inside_a_functional_model():
    inner = WideAndDeep(units=4)
    inputs = layers.Input(shape=(8,))
    outer = models.Model(inputs, layers.Dense(2)(inner(inputs)))
    assert inner.built and len(outer.weights) == 8
    x = np.ones((3, 8), dtype="float32")
    head = outer.layers[-1]
    np.testing.assert_allclose(outer(x).numpy(), inner(x).numpy() @ head.kernel.numpy() + head.bias.numpy(), rtol=1e-6)


def test_forgetting_super_init_is_explained():
    class Forgetful(models.Model):
        def __init__(self):
            self.dense = layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(RuntimeError, match=r"super\(\).__init__"):
        Forgetful()(np.ones((1, 2)))


def test_a_model_without_call_is_explained():
    with pytest.raises(NotImplementedError, match="must define `call"):
        models.Model()(np.ones((1, 2)))


def test_subclass_passing_inputs_and_outputs_to_model_init_builds_a_graph():
    # Keras 3: a subclass given a graph becomes a Functional model of that subclass.
    class FromGraph(models.Model):
        def __init__(self, inputs, outputs):
            super().__init__(inputs=inputs, outputs=outputs)

    x = layers.Input(shape=(2,))
    model = FromGraph(x, layers.Dense(1)(x))
    assert isinstance(model, FromGraph) and isinstance(model, models.Functional)
    assert model(np.ones((3, 2), dtype="float32")).shape == (3, 1)


def test_subclass_given_only_positional_inputs_is_refused():
    class Confused(models.Model):
        pass

    with pytest.raises(TypeError, match="both given"):
        Confused(layers.Input(shape=(2,)))


def test_model_attributes_for_training():
    model = WideAndDeep()
    assert model.stop_training is False and model.optimizer is None


def test_training_methods_delegate_to_the_training_module(monkeypatch):
    calls = []
    for module, names in ((training, ("compile", "fit", "train_on_batch")),
                          (evaluation, ("evaluate", "predict", "predict_on_batch", "test_on_batch"))):
        for name in names:
            monkeypatch.setattr(module, name, lambda model, *a, _name=name, **k: calls.append((_name, model, a, k)) or _name)
    model = WideAndDeep()
    assert model.compile(optimizer="sgd", loss="mse") == "compile"
    assert model.fit(1, 2, epochs=3) == "fit"
    assert [c[0] for c in calls] == ["compile", "fit"]
    assert calls[1][1:3] == (model, (1, 2)) and calls[1][3]["epochs"] == 3
    for name in ("evaluate", "predict", "predict_on_batch", "train_on_batch", "test_on_batch"):
        assert getattr(model, name)(0) == name


@pytest.fixture
def float64():
    backend.set_floatx("float64")
    yield
    backend.set_floatx("float32")


def test_gradients_match_finite_differences(float64):
    model = WideAndDeep(units=3, activation="tanh")
    x = np.random.default_rng(1).standard_normal((2, 8))
    model(x)
    check_gradients(lambda t: model(t), x, variables=model.trainable_weights)


def test_gradient_tape_sees_a_subclassed_model():
    model = WideAndDeep(units=4)
    x = np.ones((2, 8), dtype="float32")
    with GradientTape() as tape:
        loss = ops.sum(model(x))
    grads = tape.gradient(loss, model.trainable_weights)
    assert len(grads) == 6 and all(g is not None for g in grads)
