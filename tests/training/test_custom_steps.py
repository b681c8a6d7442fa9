"""A model's own train_step / test_step / predict_step / compute_loss / compute_metrics,
called by fit, evaluate and predict as in Keras's guide "Customizing what happens in fit()"."""
import warnings

import numpy as np
import pytest

import gradiente as keras


def regression_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 8)).astype(np.float32)
    y = (x @ rng.standard_normal((8, 1)) + 0.5).astype(np.float32)
    return x, y


def functional(cls, units=1):
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(8,))
    return cls(inputs, keras.layers.Dense(units)(inputs))


class GuideModel(keras.Model):
    """The guide's first example: compile's loss and metrics, one loop over self.metrics."""

    calls = 0

    def train_step(self, data):
        type(self).calls += 1
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_fit_calls_an_overridden_train_step_for_every_batch_and_logs_what_it_returns():
    x, y = regression_data()
    GuideModel.calls = 0
    model = functional(GuideModel)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert GuideModel.calls == 3 * 8
    # Keras 3: the compile metrics come back as one nested dict, spread out in the logs.
    assert set(history.history) == {"loss", "mae"}
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_metrics_listed_by_the_metrics_property_are_reset_every_epoch():
    class OwnTrackers(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.loss_fn(y, y_pred)
            self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_weights), self.trainable_weights))
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    x, y = regression_data()
    model = functional(OwnTrackers)
    model.compile(optimizer="adam")  # no loss: the step computes its own
    history = model.fit(x, y, epochs=2, batch_size=64, verbose=0)
    # Reset at each epoch start: the tracker has seen only the last epoch's 4 batches.
    assert float(model.loss_tracker.count.numpy()) == 4
    assert history.history["loss"][1] < history.history["loss"][0]


def test_train_step_receives_sample_weight_and_class_weight_as_a_third_element():
    seen = []

    class Weighted(keras.Model):
        def train_step(self, data):
            seen.append(len(data))
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            if sample_weight is not None:
                seen.append(np.asarray(sample_weight).shape)
            return super().train_step(data)

    x, y = regression_data(64)
    model = functional(Weighted)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    model.fit(x, y, sample_weight=np.ones(64), batch_size=32, epochs=1, verbose=0)
    assert seen == [2, 2, 3, (32,), 3, (32,)]


def test_evaluate_and_fit_validation_call_an_overridden_test_step():
    calls = []

    class CountingTest(keras.Model):
        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            calls.append(len(x))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = regression_data(100)
    model = functional(CountingTest)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    result = model.evaluate(x, y, batch_size=50, verbose=0, return_dict=True)
    assert calls == [50, 50] and set(result) == {"loss", "mae"}
    expected = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    assert result["loss"] == pytest.approx(expected, rel=1e-5)
    calls.clear()
    history = model.fit(x, y, validation_data=(x[:30], y[:30]), batch_size=50, epochs=1, verbose=0)
    assert calls == [30] and "val_mae" in history.history


def test_predict_calls_an_overridden_predict_step():
    class Doubled(keras.Model):
        def predict_step(self, data):
            x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
            return self(x, training=False) * 2.0

    x, _ = regression_data(70)
    model = functional(Doubled)
    plain = model(x).numpy()
    np.testing.assert_allclose(model.predict(x, batch_size=32, verbose=0), 2 * plain, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), 2 * plain[:5], rtol=1e-6)


def test_overridden_compute_loss_is_used_by_fit_and_evaluate():
    class Penalised(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            base = super().compute_loss(x, y, y_pred, sample_weight, training=training)
            return base + 10.0

    x, y = regression_data(64)
    model = functional(Penalised)
    model.compile(optimizer="sgd", loss="mse")
    mse = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + 10.0, rel=1e-5)
    history = model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert history.history["loss"][0] == pytest.approx(mse + 10.0, rel=1e-5)


def test_overridden_compute_loss_without_training_argument_still_works():
    class OldStyle(keras.Model):
        def compute_loss(self, x, y, y_pred, sample_weight):
            return keras.ops.mean((y_pred - y) ** 2) * 0.0 + 3.0

    x, y = regression_data(32)
    model = functional(OldStyle)
    model.compile(optimizer="sgd")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(3.0)


def test_overridden_compute_metrics_reports_an_extra_metric():
    class Extra(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.max_error = keras.metrics.Mean(name="max_error")

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            results = super().compute_metrics(x, y, y_pred, sample_weight)
            self.max_error.update_state(float(np.max(np.abs(y_pred.numpy() - y.numpy()))))
            results["max_error"] = self.max_error.result()
            return results

    x, y = regression_data(64)
    model = functional(Extra)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "mae", "max_error"}
    assert history.history["max_error"][0] >= history.history["mae"][0]


def test_the_default_train_step_matches_the_fast_path():
    """Calling Model.train_step by hand gives the update fit's own path makes."""
    x, y = regression_data(32)
    a, b = functional(keras.Model), functional(keras.Model)
    for model in (a, b):
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    a.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    b.reset_metrics()
    logs = b.train_step((keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y)))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
    assert float(logs["loss"]) == pytest.approx(a.history.history["loss"][0], rel=1e-6)
    assert float(logs["mae"]) == pytest.approx(a.history.history["mae"][0], rel=1e-6)


def test_model_metrics_lists_loss_tracker_compile_metrics_and_tracked_metrics():
    class Tracked(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.extra = keras.metrics.Mean(name="extra")

    model = functional(Tracked)
    assert [m.name for m in model.metrics] == ["extra"]
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    assert model.metrics_names == ["loss", "compile_metrics", "extra"]


def test_compiled_loss_and_compiled_metrics_of_tf_keras_2_still_work():
    class Legacy(keras.Model):
        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = regression_data(128)
    model = functional(Legacy)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "mae"}
    # The "loss" entry is the loss (as in tf.keras 2), not some other running mean.
    assert history.history["loss"][1] < history.history["loss"][0]
    assert history.history["loss"][0] > history.history["mae"][0] ** 2 * 0.5


def test_a_step_that_returns_no_dict_gets_a_clear_error():
    class Bad(keras.Model):
        def train_step(self, data):
            return 1.0

    x, y = regression_data(32)
    model = functional(Bad)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="must return a dict"):
        model.fit(x, y, verbose=0)


def test_fit_before_compile_says_so():
    model = functional(keras.Model)
    with pytest.raises(ValueError, match=r"compile\(\)"):
        model.fit(*regression_data(8), verbose=0)
