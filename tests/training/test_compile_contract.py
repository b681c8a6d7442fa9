"""What compile's arguments mean, as in Keras 3: weighted_metrics, several outputs (dict and
list specs, log names), losses added by the model alone, and fit's validation callbacks."""
import numpy as np
import pytest

import gradiente as keras


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], dtype=np.float32)
    return (centres[y] + 0.6 * rng.standard_normal((n, 4))).astype(np.float32), y


def classifier(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])


# --- weighted_metrics --------------------------------------------------------------------
def test_sample_weight_reaches_weighted_metrics_but_not_plain_metrics():
    x, y = blobs()
    model = classifier()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    weights = np.where(y == 0, 1.0, 0.0).astype(np.float32)
    logs = model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True)
    correct = model.predict(x, verbose=0).argmax(-1) == y
    # Keras: "accuracy" stays unweighted; the same name among weighted_metrics is renamed.
    assert set(logs) == {"loss", "accuracy", "weighted_accuracy"}
    assert logs["accuracy"] == pytest.approx(correct.mean())
    assert logs["weighted_accuracy"] == pytest.approx(correct[y == 0].mean())


def test_class_weight_weights_the_loss_and_weighted_metrics_only():
    x, y = blobs()
    model = classifier()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["acc"])
    history = model.fit(x, y, class_weight={0: 1.0, 1: 0.0, 2: 0.0}, batch_size=200, epochs=1, verbose=0)
    correct = model.predict(x, verbose=0).argmax(-1) == y
    assert history.history["accuracy"][0] == pytest.approx(correct.mean())
    assert history.history["acc"][0] == pytest.approx(correct[y == 0].mean())


def test_class_weight_with_sample_weight_is_refused_as_in_keras():
    x, y = blobs(30)
    model = classifier()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="class_weight.*sample_weight"):
        model.fit(x, y, sample_weight=np.ones(30), class_weight={0: 2.0}, verbose=0)


def test_a_single_metric_not_in_a_list_is_refused_as_in_keras():
    with pytest.raises(ValueError, match=r"metrics=\['accuracy'\]"):
        classifier().compile(optimizer="sgd", loss="mse", metrics="accuracy")


# --- several outputs -------------------------------------------------------------------------
def ticket_model(seed=0):
    """Keras's Functional API guide: two inputs, outputs named priority and department."""
    keras.utils.set_random_seed(seed)
    title = keras.Input(shape=(6,), name="title")
    body = keras.Input(shape=(5,), name="body")
    merged = keras.layers.concatenate([title, body])
    hidden = keras.layers.Dense(16, activation="relu")(merged)
    priority = keras.layers.Dense(1, name="priority")(hidden)
    department = keras.layers.Dense(3, activation="softmax", name="department")(hidden)
    return keras.Model(inputs=[title, body], outputs=[priority, department])


def ticket_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    title = rng.standard_normal((n, 6)).astype(np.float32)
    body = rng.standard_normal((n, 5)).astype(np.float32)
    priority = (title[:, :1] - body[:, :1]).astype(np.float32)
    department = np.argmax(title[:, 1:4], axis=1)
    return {"title": title, "body": body}, {"priority": priority, "department": department}


def test_dict_losses_metrics_and_loss_weights_give_keras_log_names():
    x, y = ticket_data()
    model = ticket_model()
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss={"priority": "mse", "department": "sparse_categorical_crossentropy"},
                  loss_weights={"priority": 1.0, "department": 0.2},
                  metrics={"department": ["accuracy"], "priority": ["mae"]})
    # Targets given in another order than the outputs: matched by name, not position.
    y_swapped = {"department": y["department"], "priority": y["priority"]}
    history = model.fit(x, y_swapped, batch_size=32, epochs=8, verbose=0)
    assert set(history.history) == {"loss", "priority_loss", "department_loss",
                                    "priority_mae", "department_accuracy"}
    h = history.history
    # The total is the weighted sum; the per-output entries are unweighted (Keras 3).
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["priority_loss"] + 0.2 * logs["department_loss"], rel=1e-4)
    assert h["department_accuracy"][-1] > 0.6 and h["priority_loss"][-1] < h["priority_loss"][0]


def test_list_losses_and_targets_follow_output_order():
    x, y = ticket_data()
    model = ticket_model()
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5])
    logs = model.evaluate([x["title"], x["body"]], [y["priority"], y["department"]], verbose=0, return_dict=True)
    p, d = model.predict(x, verbose=0)
    mse = float(np.mean((p - y["priority"]) ** 2))
    ce = float(np.mean(-np.log(d[np.arange(len(d)), y["department"]])))
    assert logs["priority_loss"] == pytest.approx(mse, rel=1e-4)
    assert logs["department_loss"] == pytest.approx(ce, rel=1e-4)
    assert logs["loss"] == pytest.approx(mse + 0.5 * ce, rel=1e-4)
    values = model.evaluate(x, y, verbose=0)
    assert values == pytest.approx([logs["loss"], logs["priority_loss"], logs["department_loss"]], rel=1e-6)


def test_an_output_without_a_loss_needs_no_targets():
    x, y = ticket_data(64)
    model = ticket_model()
    model.compile(optimizer="sgd", loss={"department": "sparse_categorical_crossentropy"})
    # The priority head gets no gradient; the warning names its weights by layer, as Keras.
    with pytest.warns(UserWarning, match=r"\['priority/kernel', 'priority/bias'\]"):
        history = model.fit(x, {"department": y["department"]}, epochs=1, verbose=0)
    assert set(history.history) == {"loss"}


def test_dict_outputs_are_predicted_as_a_dict():
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    outputs = {"a": keras.layers.Dense(1)(inputs), "b": keras.layers.Dense(2)(inputs)}
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss={"a": "mse", "b": "mse"})
    x = np.ones((5, 4), dtype=np.float32)
    pred = model.predict(x, verbose=0)
    assert set(pred) == {"a", "b"} and pred["b"].shape == (5, 2)
    logs = model.evaluate(x, {"a": np.zeros((5, 1)), "b": np.zeros((5, 2))}, verbose=0, return_dict=True)
    assert logs["a_loss"] == pytest.approx(float(np.mean(pred["a"] ** 2)), rel=1e-5)


def test_unknown_output_names_in_loss_or_targets_are_refused():
    x, y = ticket_data(16)
    model = ticket_model()
    with pytest.raises(ValueError, match="prio"):
        model.compile(optimizer="sgd", loss={"prio": "mse"})
        model.fit(x, y, verbose=0)
    model.compile(optimizer="sgd", loss={"priority": "mse"})
    with pytest.raises(ValueError, match="urgency"):
        model.fit(x, {"urgency": y["priority"]}, verbose=0)


# --- losses the model adds itself -------------------------------------------------------------
class ActivityPenalty(keras.layers.Layer):
    def call(self, inputs):
        self.add_loss(keras.ops.sum(inputs * inputs) * 0.01)
        return inputs


def test_fit_without_y_trains_on_add_loss_alone():
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    outputs = ActivityPenalty()(keras.layers.Dense(3)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.5))  # no loss argument
    x = np.random.default_rng(0).standard_normal((64, 4)).astype(np.float32)
    history = model.fit(x, batch_size=16, epochs=5, verbose=0)
    assert set(history.history) == {"loss"}
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.evaluate(x, batch_size=16, verbose=0) == pytest.approx(
        0.01 * float(np.sum(model.predict(x, verbose=0) ** 2)) / 4, rel=1e-4)


def test_no_loss_at_all_is_a_clear_error():
    model = classifier()
    model.compile(optimizer="sgd")
    x, y = blobs(20)
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(x, y, verbose=0)


def test_a_loss_without_targets_is_a_clear_error():
    model = classifier()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="needs targets"):
        model.fit(blobs(20)[0], verbose=0)


# --- callbacks during validation ----------------------------------------------------------------
def test_fit_validation_calls_the_test_hooks():
    events = []

    class Recorder(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            events.append("test_begin")

        def on_test_batch_begin(self, batch, logs=None):
            events.append(f"test_batch_begin {batch}")

        def on_test_batch_end(self, batch, logs=None):
            events.append(f"test_batch_end {batch} {sorted(logs)}")

        def on_test_end(self, logs=None):
            events.append(f"test_end {sorted(logs)}")

        def on_epoch_end(self, epoch, logs=None):
            events.append("epoch_end")

    x, y = blobs(60)
    model = classifier()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, validation_split=0.5, batch_size=20, epochs=1, verbose=0, callbacks=[Recorder()])
    assert events == [
        "test_begin",
        "test_batch_begin 0", "test_batch_end 0 ['accuracy', 'loss']",
        "test_batch_begin 1", "test_batch_end 1 ['accuracy', 'loss']",
        "test_end ['accuracy', 'loss']",
        "epoch_end",
    ]


# --- masks of the outputs ---------------------------------------------------------------------
def test_padded_time_steps_count_in_neither_loss_nor_metrics():
    keras.utils.set_random_seed(0)
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]] * 8)
    y = np.array([[1, 0, 1, 1, 1], [0, 1, 1, 1, 1]] * 8)
    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Embedding(10, 4, mask_zero=True),
                              keras.layers.LSTM(4, return_sequences=True),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    probabilities = model.predict(x, verbose=0)
    valid = x != 0
    picked = np.take_along_axis(probabilities, y[..., None], axis=-1)[..., 0]
    expected_loss = float(np.mean(-np.log(picked[valid])))
    expected_accuracy = float(np.mean((probabilities.argmax(-1) == y)[valid]))
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert logs["accuracy"] == pytest.approx(expected_accuracy)
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    assert history.history["accuracy"][0] == pytest.approx(expected_accuracy)


def test_train_on_batch_metrics_skip_padded_time_steps():
    keras.utils.set_random_seed(0)
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    y = np.array([[1, 0, 1, 1, 1], [0, 1, 1, 1, 1]])
    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Embedding(10, 4, mask_zero=True),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    correct = model.predict(x, verbose=0).argmax(-1) == y
    logs = model.train_on_batch(x, y, return_dict=True)
    assert logs["accuracy"] == pytest.approx(float(np.mean(correct[x != 0])))


def test_a_subclassed_model_whose_call_takes_mask_receives_its_inputs_mask():
    class Inner(keras.Model):
        def call(self, inputs, mask=None):
            self.received = mask
            return inputs

    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.embed = keras.layers.Embedding(10, 3, mask_zero=True)
            self.inner = Inner()

        def call(self, inputs):
            return self.inner(self.embed(inputs))

    model = Outer()
    model(np.array([[1, 2, 0]]))
    np.testing.assert_array_equal(np.asarray(model.inner.received), [[True, True, False]])
