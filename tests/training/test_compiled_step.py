"""fit's traced-and-replayed step must give exactly what the eager step gives."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import ops


def data(n=150, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = rng.standard_normal((n, features)).astype(np.float32) + y[:, None]
    return x, y


def train(build, run_eagerly, epochs=4, **fit_kwargs):
    keras.utils.set_random_seed(3)
    model = build()
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], run_eagerly=run_eagerly)
    x, y = data()
    keras.utils.set_random_seed(4)
    history = model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, **fit_kwargs)
    return model, history


def mlp():
    return keras.Sequential([
        keras.layers.Input(shape=[6]),
        keras.layers.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-3)),
        keras.layers.Dense(8, activation="tanh"),
        keras.layers.Dense(3, activation="softmax"),
    ])


def assert_same(a, b):
    (model_a, hist_a), (model_b, hist_b) = a, b
    assert hist_a.history == hist_b.history
    for wa, wb in zip(model_a.get_weights(), model_b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_replayed_training_equals_eager_bit_for_bit():
    compiled = train(mlp, run_eagerly=False, validation_split=0.2)
    eager = train(mlp, run_eagerly=True, validation_split=0.2)
    assert_same(compiled, eager)
    step = compiled[0]._compiled_step
    # 120 training samples: full batches of 32 and a last one of 24, each replayed once checked.
    assert sum(r is not None for r in step.replays.values()) == 2


def test_run_eagerly_and_gradient_watchers_stay_eager():
    model, _ = train(mlp, run_eagerly=True)
    assert not hasattr(model, "_compiled_step")


def test_functional_multi_output_replay_equals_eager():
    def build():
        a = keras.layers.Input(shape=[6], name="a")
        h = keras.layers.Dense(8, activation="relu")(a)
        out1 = keras.layers.Dense(3, activation="softmax", name="cls")(h)
        out2 = keras.layers.Dense(1, name="reg")(keras.layers.concatenate([a, h]))
        return keras.Model(inputs=a, outputs=[out1, out2])

    x, y = data()
    target = x.sum(axis=1, keepdims=True)
    runs = []
    for eager in (False, True):
        keras.utils.set_random_seed(0)
        model = build()
        model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"],
                      loss_weights=[1.0, 0.1], run_eagerly=eager)
        history = model.fit(x, [y, target], epochs=3, verbose=0, shuffle=False)
        runs.append((model, history))
    assert_same(*runs)
    assert any(r is not None for r in runs[0][0]._compiled_step.replays.values())


def test_conv_model_replay_equals_eager():
    def build():
        return keras.Sequential([
            keras.layers.Input(shape=[6, 6, 1]),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ])

    rng = np.random.default_rng(1)
    x = rng.random((64, 6, 6, 1)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    runs = []
    for eager in (False, True):
        keras.utils.set_random_seed(0)
        model = build()
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", run_eagerly=eager)
        runs.append((model, model.fit(x, y, epochs=3, verbose=0)))
    assert_same(*runs)


def test_lstm_model_replay_equals_eager():
    def build():
        return keras.Sequential([
            keras.layers.Input(shape=[5, 3]),
            keras.layers.LSTM(4),
            keras.layers.Dense(3, activation="softmax"),
        ])

    rng = np.random.default_rng(2)
    x = rng.random((48, 5, 3)).astype(np.float32)
    y = rng.integers(0, 3, 48)
    runs = []
    for eager in (False, True):
        keras.utils.set_random_seed(0)
        model = build()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=eager)
        runs.append((model, model.fit(x, y, batch_size=16, epochs=4, verbose=0)))
    assert_same(*runs)
    assert any(r is not None for r in runs[0][0]._compiled_step.replays.values())


class NoisyButClaimsTraceable(keras.layers.Layer):
    """Draws its noise in Python: a replay would freeze it. It wrongly claims to be
    traceable, so only the replay-vs-eager check can catch it."""

    traceable = True

    def call(self, inputs):
        noise = keras.backend.rng().standard_normal(inputs.shape).astype(np.float32)
        return ops.add(inputs, noise)


def test_a_replay_that_disagrees_with_eager_is_never_used():
    def build():
        return keras.Sequential([
            keras.layers.Input(shape=[6]),
            NoisyButClaimsTraceable(),
            keras.layers.Dense(3, activation="softmax"),
        ])

    compiled = train(build, run_eagerly=False)
    eager = train(build, run_eagerly=True)
    assert all(r is None for r in compiled[0]._compiled_step.replays.values())
    assert_same(compiled, eager)


def test_dropout_masks_are_drawn_afresh_in_replayed_steps():
    def build():
        return keras.Sequential([
            keras.layers.Input(shape=[6]),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(3, activation="softmax"),
        ])

    compiled = train(build, run_eagerly=False)
    eager = train(build, run_eagerly=True)
    assert any(r is not None for r in compiled[0]._compiled_step.replays.values())
    assert_same(compiled, eager)


def test_batch_normalization_replay_updates_moving_statistics_as_eager_does():
    def build():
        return keras.Sequential([
            keras.layers.Input(shape=[6]),
            keras.layers.Dense(16),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dense(3, activation="softmax"),
        ])

    compiled = train(build, run_eagerly=False)
    eager = train(build, run_eagerly=True)
    assert any(r is not None for r in compiled[0]._compiled_step.replays.values())
    assert_same(compiled, eager)  # get_weights includes moving_mean and moving_variance


def test_layers_not_known_to_be_pure_keep_fit_eager():
    def build():
        return keras.Sequential([
            keras.layers.Input(shape=[6]),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.5, seed=1),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(3, activation="softmax"),
        ])

    model, history = train(build, run_eagerly=False)
    assert not hasattr(model, "_compiled_step")
    assert np.isfinite(history.history["loss"]).all()


def test_gradient_monitor_sees_the_same_steps_when_they_are_replayed():
    records = []
    for eager in (False, True):
        monitor = keras.callbacks.GradientMonitor(verbose=0)
        keras.backend.clear_session()  # the same layer names in both runs
        keras.utils.set_random_seed(0)
        model = mlp()
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", run_eagerly=eager)
        x, y = data()
        model.fit(x, y, epochs=3, verbose=0, callbacks=[monitor])
        records.append(monitor.records)
        if not eager:
            assert any(r is not None for r in model._compiled_step.replays.values())
    replayed, eager = records
    assert len(replayed) == len(eager) > 0
    for a, b in zip(replayed, eager):
        assert a["layer"] == b["layer"]
        assert a["dead_fraction"] == b["dead_fraction"]
        assert a["saturated_fraction"] == b["saturated_fraction"]
        assert a["grad_norm"] == pytest.approx(b["grad_norm"])


def test_a_callback_that_reads_gradients_but_cannot_follow_a_replay_keeps_fit_eager():
    class Norms(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = 0

        def on_train_gradients(self, batch, grads, variables):
            self.seen += 1

    callback = Norms()
    keras.utils.set_random_seed(0)
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = data()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    assert not hasattr(model, "_compiled_step")
    assert callback.seen == 5


@pytest.mark.parametrize("run_eagerly", [False, True])
@pytest.mark.parametrize("optimizer", [
    lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    lambda: keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.5), weight_decay=0.01),
], ids=["nesterov", "schedule-and-weight-decay"])
def test_fit_with_the_learning_rate_folded_matches_a_loop_on_raw_gradients(run_eagerly, optimizer):
    """fit seeds backprop with SGD's learning rate (one pass less per weight); the weights
    must be what applying the raw gradients gives, up to float32 rounding."""
    x, y = data()
    keras.utils.set_random_seed(5)
    model = mlp()
    model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy", run_eagerly=run_eagerly)
    keras.utils.set_random_seed(5)
    twin = mlp()
    twin.set_weights(model.get_weights())
    opt, loss_fn = optimizer(), keras.losses.SparseCategoricalCrossentropy()
    calls = []
    real_apply = type(model.optimizer).apply

    def spy(self, grads, variables=None, *, lr_folded=False):
        calls.append(lr_folded)
        return real_apply(self, grads, variables, lr_folded=lr_folded)

    model.optimizer.apply = spy.__get__(model.optimizer)
    model.fit(x, y, batch_size=30, epochs=2, shuffle=False, verbose=0)
    assert calls == [True] * 10
    for _ in range(2):
        for i in range(0, len(x), 30):
            with keras.GradientTape() as tape:
                loss = loss_fn(y[i:i + 30], twin(x[i:i + 30], training=True))
                for penalty in twin.losses:
                    loss = ops.add(loss, penalty)
            opt.apply(tape.gradient(loss, twin.trainable_weights), twin.trainable_weights)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def test_a_gradient_watcher_sees_raw_gradients():
    """GradientMonitor's thresholds are on gradient sizes: with a watcher fit does not fold."""
    x, y = data()
    keras.utils.set_random_seed(6)
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    monitor = keras.callbacks.GradientMonitor(every=1, verbose=0)
    model.fit(x[:32], y[:32], batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[monitor])
    first = monitor.records[0]
    keras.utils.set_random_seed(6)
    fresh = mlp()
    with keras.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy()(y[:32], fresh(x[:32], training=True))
        for penalty in fresh.losses:
            loss = ops.add(loss, penalty)
    grads = tape.gradient(loss, fresh.trainable_weights)
    first_layer = sorted(float(np.linalg.norm(g.numpy())) for g in grads[:2])
    assert sorted(first["grad_norm"].values()) == pytest.approx(first_layer, rel=1e-5)


def test_float64_sample_weights_are_replayed_like_float32_ones():
    # NumPy's default float64 weights once froze a cast copy into the recorded step, so every
    # step trained eagerly; the loss reads them as float32 either way, as Keras's does.
    x, y = data()
    weights = np.random.default_rng(1).uniform(0.5, 2.0, len(x))  # float64
    runs = []
    for sample_weight in (weights, weights.astype(np.float32)):
        keras.utils.set_random_seed(3)
        model = mlp()
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
        history = model.fit(x, y, sample_weight=sample_weight, batch_size=32, epochs=2, verbose=0, shuffle=False)
        replays = model._compiled_step.replays
        assert replays and all(r is not None for r in replays.values())
        runs.append((model, history))
    assert_same(*runs)


def test_plain_data_attributes_do_not_hide_sublayers():
    layer = keras.layers.TextVectorization(max_tokens=50, output_sequence_length=4)
    layer.adapt(["a b c", "b c d", "c d e"])
    assert [type(l).__name__ for l in layer._flatten_layers()] == ["TextVectorization", "StringLookup"]
    # The names listed are real attributes (once adapted), so a rename cannot leave one behind.
    for layer, data in ((keras.layers.StringLookup(), ["a", "b"]), (keras.layers.IntegerLookup(), [1, 2]),
                        (layer, ["a b"])):
        layer.adapt(data)
        assert type(layer)._plain_data_attributes <= set(vars(layer)), type(layer).__name__
