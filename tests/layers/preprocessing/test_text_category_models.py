"""The text and category layers inside models: fit on strings, predict, save/load."""
import numpy as np

import gradiente as keras
from gradiente import layers

POSITIVE = ["good", "great", "fine", "love", "nice"]
NEGATIVE = ["bad", "awful", "poor", "hate", "ugly"]
FILLER = ["the", "movie", "was", "a", "plot", "and", "it", "so"]


def _reviews(n, seed):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(2))
        words = list(rng.choice(FILLER, 5)) + list(rng.choice(POSITIVE if label else NEGATIVE, 2))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + "!")
        labels.append(label)
    return np.array(texts, dtype=object)[:, None], np.array(labels)


def test_text_classifier_trains_on_strings_and_survives_save_load(tmp_path):
    keras.utils.set_random_seed(0)
    x, y = _reviews(300, 0)
    x_test, y_test = _reviews(200, 1)
    vectorize = layers.TextVectorization(max_tokens=40, output_sequence_length=10)
    vectorize.adapt(x)
    inputs = keras.Input(shape=(1,), dtype="string")
    h = vectorize(inputs)
    assert h.shape == (None, 10) and h.dtype == np.int64
    h = layers.Embedding(40, 8)(h)
    h = layers.GlobalAveragePooling1D()(h)
    outputs = layers.Dense(1, activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.9  # chance is 0.5
    path = tmp_path / "text.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[1].get_vocabulary() == vectorize.get_vocabulary()
    np.testing.assert_array_equal(loaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0))
    # str arrays, and (batch,) arrays into the (batch, 1) Input as Keras 3 allows, work too.
    expected = model.predict(x_test, verbose=0)
    np.testing.assert_array_equal(model.predict(x_test.astype(str), verbose=0), expected)
    np.testing.assert_array_equal(model.predict(x_test[:, 0], verbose=0), expected)
    model.fit(x[:, 0], y, epochs=1, batch_size=32, verbose=0)


def test_sequential_with_a_string_input_and_a_scalar_string_shape():
    model = keras.Sequential([
        keras.Input(shape=(), dtype="string"),
        layers.StringLookup(vocabulary=["red", "green", "blue"], output_mode="one_hot"),
        layers.Dense(2),
    ])
    out = model.predict(np.array(["red", "blue", "pink"]), verbose=0)
    assert out.shape == (3, 2)
    dense = model.layers[-1]
    np.testing.assert_allclose(out[2], dense.kernel.numpy()[0] + dense.bias.numpy(), rtol=1e-6)  # OOV: slot 0
    np.testing.assert_allclose(out[1], dense.kernel.numpy()[3] + dense.bias.numpy(), rtol=1e-6)
    assert model.get_config()["layers"][0]["config"]["dtype"] == "string"


def test_every_layer_saves_and_loads_what_it_learned(tmp_path):
    words = np.array([["a b"], ["b c c"], ["c d"]], dtype=object)
    text = layers.TextVectorization(output_mode="tf_idf", ngrams=2)
    text.adapt(words)
    tag = keras.Input(shape=(2,), dtype="string", name="tags")
    tags = layers.StringLookup(num_oov_indices=2, output_mode="count")
    tags.adapt(np.array([["x", "y"], ["y", "z"]]))
    ids = keras.Input(shape=(2,), dtype="int64", name="ids")
    id_lookup = layers.IntegerLookup(output_mode="multi_hot")
    id_lookup.adapt(np.array([[3, 4], [4, 9]]))
    value = keras.Input(shape=(1,), name="value")
    bins = layers.Discretization(num_bins=3)
    bins.adapt(np.arange(12.0))
    sentence = keras.Input(shape=(1,), dtype="string", name="sentence")
    parts = [
        text(sentence),
        tags(tag),
        id_lookup(ids),
        layers.CategoryEncoding(num_tokens=3, output_mode="one_hot")(bins(value)),
        layers.Hashing(num_bins=4, salt=7, output_mode="one_hot")(tag),
    ]
    parts[-1] = layers.Flatten()(parts[-1])
    joined = layers.Concatenate()([layers.Lambda(lambda t: keras.ops.cast(t, "float32"))(p) for p in parts])
    model = keras.Model([sentence, tag, ids, value], layers.Dense(3)(joined))
    data = [np.array([["a b c"], ["d d q"]], dtype=object), np.array([["x", "q"], ["z", "z"]]),
            np.array([[3, 5], [9, 9]]), np.array([[1.0], [10.0]])]
    expected = model.predict(data, verbose=0)
    path = tmp_path / "all.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-6)
    by_name = {layer.name: layer for layer in loaded.layers}
    assert by_name[text.name].get_vocabulary() == text.get_vocabulary()
    assert by_name[tags.name].get_vocabulary() == tags.get_vocabulary()
    assert by_name[bins.name].bin_boundaries == bins.bin_boundaries


def test_lookup_in_front_of_a_dense_model_fits_and_gets_no_gradient():
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 20, size=(200, 3))
    y = (ids % 2 == 0).sum(axis=1) >= 2  # a function of which ids occur
    model = keras.Sequential([
        keras.Input(shape=(3,), dtype="int64"),
        layers.IntegerLookup(vocabulary=list(range(20)), output_mode="multi_hot"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ids, y.astype("float32"), epochs=15, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.85
    lookup = model.layers[0]
    # Not traceable: fit runs it on each batch before the replayed step (models.input_pipeline).
    assert lookup.trainable_weights == [] and not lookup.traceable and lookup.input_pipeline
    assert lookup([[1, 2, 3]]).numpy().sum() == 3  # eagerly, on a plain list


def test_adapt_and_fit_from_a_dataset_of_string_batches():
    from gradiente.data import Dataset

    x, y = _reviews(64, 2)
    ds = Dataset.from_tensor_slices((x[:, 0], y.astype("float32"))).batch(16)
    vectorize = layers.TextVectorization(output_sequence_length=6)
    vectorize.adapt(ds.map(lambda text, label: text))  # Keras's idiom for labelled datasets
    direct = layers.TextVectorization(output_sequence_length=6)
    direct.adapt(x[:, 0])
    assert vectorize.get_vocabulary() == direct.get_vocabulary()
    inputs = keras.Input(shape=(1,), dtype="string")
    h = layers.GlobalAveragePooling1D()(layers.Embedding(vectorize.vocabulary_size(), 4)(vectorize(inputs)))
    model = keras.Model(inputs, layers.Dense(1)(h))
    model.compile("adam", "mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


@keras.saving.register_keras_serializable(package="test_text_category_models")
def _shout(strings):
    return np.char.upper(strings)


def test_a_registered_standardize_function_saves_and_loads(tmp_path):
    vectorize = layers.TextVectorization(standardize=_shout, vocabulary=["A", "B"])
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, vectorize(inputs))
    model.save(tmp_path / "shout.keras")
    loaded = keras.models.load_model(tmp_path / "shout.keras")
    assert loaded.predict(np.array([["a b c"]]), verbose=0).tolist() == [[2, 3, 1]]


def test_an_unbuilt_sequential_builds_a_string_input_from_its_first_batch():
    keras.utils.set_random_seed(3)
    x, y = _reviews(200, 3)
    vectorize = layers.TextVectorization(max_tokens=40, output_sequence_length=10)
    vectorize.adapt(x)
    model = keras.Sequential([vectorize, layers.Embedding(40, 8), layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert model.inputs[0].dtype == object and history.history["accuracy"][-1] > 0.9
    hashed = keras.Sequential([layers.Hashing(num_bins=5, output_mode="one_hot")])
    assert hashed(np.array(["A", "B"])).numpy().tolist() == np.eye(5)[[4, 3]].tolist()  # FarmHash64 % 5
