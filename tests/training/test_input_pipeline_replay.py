"""fit replays models whose text and category preprocessing layers read the model's inputs:
those layers run on each batch before the step, the recorded step replays the rest, and
training gives bit for bit what ``run_eagerly=True`` gives."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers

WORDS = ["good", "great", "bad", "awful", "the", "movie", "plot", "was", "a", "film", "actor", "so"]


def reviews(n=150, seed=0):
    rng = np.random.default_rng(seed)
    texts = np.array([" ".join(rng.choice(WORDS, rng.integers(2, 9))) for _ in range(n)], dtype=object)
    labels = np.array([("good" in t or "great" in t) for t in texts], dtype="float32")
    return texts[:, None], labels


class StepLosses(keras.callbacks.Callback):
    """Every batch's running loss: the runs must agree step by step, not only per epoch."""

    def on_train_begin(self, logs=None):
        self.losses = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])


def train(build, x, y, run_eagerly, epochs=3, loss="binary_crossentropy", **fit_kwargs):
    keras.utils.set_random_seed(1)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, metrics=["accuracy"],
                  run_eagerly=run_eagerly)
    steps = StepLosses()
    keras.utils.set_random_seed(2)
    history = model.fit(x, y, batch_size=16, epochs=epochs, verbose=0, callbacks=[steps], **fit_kwargs)
    return model, history, steps.losses


def replayed(model):
    step = getattr(model, "_compiled_step", None)
    return step is not None and any(r is not None for r in step.replays.values())


def assert_replay_equals_eager(build, x, y, **kwargs):
    model, history, losses = train(build, x, y, run_eagerly=False, **kwargs)
    eager, eager_history, eager_losses = train(build, x, y, run_eagerly=True, **kwargs)
    assert replayed(model)
    assert not hasattr(eager, "_compiled_step")
    assert losses == eager_losses and len(losses) > 10
    assert history.history == eager_history.history
    for a, b in zip(model.get_weights(), eager.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    return model


def text_classifier(sequence_length=10, mask_zero=True):
    x, _ = reviews()

    def build():
        vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=sequence_length)
        vectorize.adapt(x)
        inputs = keras.Input(shape=(1,), dtype="string")
        h = layers.Embedding(20, 8, mask_zero=mask_zero)(vectorize(inputs))
        h = layers.GlobalAveragePooling1D()(h)
        h = layers.Dropout(0.2)(h)  # random draws inside the replay stay in step with eager
        return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(h))
    return build


def test_text_classifier_replays_and_equals_eager_with_masks_and_sample_weights():
    x, y = reviews()
    # float32: float64 weights are cast outside the ops by the losses, which keeps any
    # model's step eager (a limitation of the losses, not of the input pipeline).
    weights = np.random.default_rng(3).uniform(0.5, 2.0, len(y)).astype("float32")
    model = assert_replay_equals_eager(text_classifier(), x, y, sample_weight=weights, validation_split=0.2)
    # The replayed step starts at the vectorizer's integer output: no strings in its signature.
    assert all(dtype.kind in "iuf" for sig in model._compiled_step.replays for _, dtype in sig)


def test_text_classifier_padding_to_the_longest_sample_replays_per_shape():
    x, y = reviews()
    model = assert_replay_equals_eager(text_classifier(sequence_length=None, mask_zero=False), x, y)
    assert len({sig[0][0] for sig in model._compiled_step.replays}) > 1  # batches of several lengths


def test_unbuilt_sequential_starting_with_text_vectorization_replays():
    x, y = reviews()

    def build():
        vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=8)
        vectorize.adapt(x)
        return keras.Sequential([vectorize, layers.Embedding(20, 4), layers.GlobalAveragePooling1D(),
                                 layers.Dense(1, activation="sigmoid")])
    assert_replay_equals_eager(build, x[:, 0], y)


def ids_data(n=160, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 12, size=(n, 3))
    return ids, ((ids % 3 == 0).sum(axis=1) >= 1).astype("float32")


def integer_lookup():
    return keras.Sequential([keras.Input(shape=(3,), dtype="int64"),
                             layers.IntegerLookup(vocabulary=list(range(10)), output_mode="multi_hot"),
                             layers.Dense(1, activation="sigmoid")])


def hashing():
    return keras.Sequential([keras.Input(shape=(3,), dtype="string"),
                             layers.Hashing(num_bins=8, output_mode="count"),
                             layers.Dense(1, activation="sigmoid")])


def category_encoding():
    return keras.Sequential([keras.Input(shape=(3,), dtype="int64"),
                             layers.CategoryEncoding(num_tokens=12, output_mode="count"),
                             layers.Dense(1, activation="sigmoid")])


def discretization_then_encoding():  # a prefix of two preprocessing layers
    inputs = keras.Input(shape=(3,))
    bins = layers.Discretization(bin_boundaries=[2.5, 5.5, 8.5])(inputs)
    h = layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")(bins)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(h))


@pytest.mark.parametrize("build", [integer_lookup, hashing, category_encoding, discretization_then_encoding])
def test_category_layer_prefixes_replay_and_equal_eager(build):
    ids, y = ids_data()
    x = {hashing: ids.astype(str), discretization_then_encoding: ids.astype("float64")}.get(build, ids)
    assert_replay_equals_eager(build, x, y)


def test_string_input_through_a_lookup_beside_a_numeric_input():
    ids, y = ids_data()
    colors = np.array(["red", "green", "blue", "pink"])[ids[:, :1] % 4]
    amounts = ids[:, 1:]  # integers into a float32 Input: a cast inside the replay

    def build():
        color = keras.Input(shape=(1,), dtype="string", name="color")
        amount = keras.Input(shape=(2,), name="amount")
        onehot = layers.StringLookup(vocabulary=["red", "green", "blue"], output_mode="one_hot")(color)
        h = layers.Concatenate()([onehot, layers.Dense(4, activation="relu")(amount)])
        return keras.Model({"color": color, "amount": amount}, layers.Dense(1, activation="sigmoid")(h))
    model = assert_replay_equals_eager(build, {"color": colors, "amount": amounts}, y)
    dtypes = [dtype for _, dtype in next(iter(model._compiled_step.replays))]
    assert dtypes[0] == np.int64  # the raw numeric input (cast in the step), then the one-hot rows


@pytest.mark.filterwarnings("ignore:Gradients do not exist")  # nothing flows back through the bins
def test_a_preprocessing_layer_after_a_trainable_layer_keeps_fit_eager():
    """Discretization of a Dense layer's output is not input preprocessing: the step stays
    eager (it would need the lookup inside the replay), and trains as run_eagerly does."""
    ids, y = ids_data()
    x = ids.astype("float32")

    def build():
        inputs = keras.Input(shape=(3,))
        h = layers.Discretization(bin_boundaries=[0.0, 1.0])(layers.Dense(2)(inputs))
        h = layers.CategoryEncoding(num_tokens=3, output_mode="multi_hot")(h)
        return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(h))
    model, history, losses = train(build, x, y, run_eagerly=False)
    eager, eager_history, eager_losses = train(build, x, y, run_eagerly=True)
    assert not hasattr(model, "_compiled_step")
    assert losses == eager_losses and history.history == eager_history.history


@pytest.mark.filterwarnings("ignore:Gradients do not exist")
def test_a_preprocessing_layer_shared_by_the_input_and_a_later_layer_keeps_fit_eager():
    ids, y = ids_data()

    def build():
        inputs = keras.Input(shape=(3,))
        bins = layers.Discretization(bin_boundaries=[2.5, 5.5])
        late = bins(layers.Dense(3)(inputs))
        h = layers.Concatenate()([keras.ops.cast(bins(inputs), "float32"), keras.ops.cast(late, "float32")])
        return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(h))
    model, _, losses = train(build, ids.astype("float32"), y, run_eagerly=False)
    assert not hasattr(model, "_compiled_step") and np.isfinite(losses).all()


def test_gradient_monitor_follows_the_replayed_text_classifier():
    x, y = reviews()
    records = []
    for eager in (False, True):
        monitor = keras.callbacks.GradientMonitor(verbose=0)
        keras.backend.clear_session()  # the same layer names in both runs
        keras.utils.set_random_seed(0)
        vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=10)
        vectorize.adapt(x)
        inputs = keras.Input(shape=(1,), dtype="string")
        h = layers.GlobalAveragePooling1D()(layers.Embedding(20, 8)(vectorize(inputs)))
        h = layers.Dense(8, activation="relu")(h)
        model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(h))
        model.compile("adam", "binary_crossentropy", run_eagerly=eager)
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[monitor])
        records.append(monitor.records)
        assert replayed(model) != eager
    assert records[0] == records[1] and len(records[0]) > 0
