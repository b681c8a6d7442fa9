"""The image augmentation layers inside fit's traced-and-replayed step: the step is replayed
(not left eager), replays equal eager training bit for bit (so each replayed step draws new
augmentations, as the eager step does), a replay run twice on one batch augments it
differently, seeded layers reproduce, and predict does not augment."""
import numpy as np

import gradiente as keras


def data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.uniform(0, 1, (n, 8, 8, 3)).astype("float32")
    x[y == 1, :, :4] += 0.5  # brighter left half for class 1
    return x, y


def build(seeded):
    s = (lambda k: k) if seeded else (lambda k: None)
    return keras.Sequential([
        keras.Input((8, 8, 3)),
        keras.layers.RandomFlip("vertical", seed=s(1)),
        keras.layers.RandomRotation(0.05, seed=s(2)),
        keras.layers.RandomZoom(0.1, seed=s(3)),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=s(4)),
        keras.layers.RandomContrast(0.2, value_range=(0, 2), seed=s(5)),
        keras.layers.RandomBrightness(0.1, value_range=(0, 2), seed=s(6)),
        keras.layers.RandomCrop(7, 7, seed=s(7)),
        keras.layers.Resizing(6, 6),
        keras.layers.Flatten(),
        keras.layers.Dense(2, activation="softmax"),
    ])


def train(seeded, run_eagerly, epochs=3):
    keras.utils.set_random_seed(5)
    model = build(seeded)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"],
                  run_eagerly=run_eagerly)
    x, y = data()
    history = model.fit(x, y, batch_size=16, epochs=epochs, verbose=0)
    return model, history


def test_replayed_fit_equals_eager_and_is_really_replayed():
    for seeded in (False, True):
        (fast, h_fast), (eager, h_eager) = train(seeded, False), train(seeded, True)
        replays = [r for r in fast._compiled_step.replays.values() if r is not None]
        assert replays, "the augmentation step fell back to eager"
        assert h_fast.history == h_eager.history
        for a, b in zip(fast.get_weights(), eager.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_each_replay_draws_new_augmentations():
    model, _ = train(True, False, epochs=1)
    (replay,) = [r for r in model._compiled_step.replays.values() if r is not None]
    x, y = data()
    first = replay.run([x[:16], y[:16]])[0]
    second = replay.run([x[:16], y[:16]])[0]
    assert first != second  # same batch and weights, different random transforms


def test_seeded_models_reproduce_and_predict_does_not_augment():
    (a, _), (b, _) = train(True, False, epochs=1), train(True, False, epochs=1)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    x, _ = data(8, seed=1)
    np.testing.assert_array_equal(a.predict(x, verbose=0), a.predict(x, verbose=0))
    # At inference RandomCrop resizes the largest window of its aspect ratio (here all 8x8) to 7x7.
    plain = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Resizing(7, 7), keras.layers.Resizing(6, 6),
                              keras.layers.Flatten(), a.layers[-1]])
    np.testing.assert_allclose(a.predict(x, verbose=0), plain.predict(x, verbose=0), rtol=1e-6)
