"""Write the Keras fixture files under tests/saving/fixtures/keras/ with real Keras.

Not run by CI (it needs Keras). Keras 3 fixtures: a venv with ``pip install keras jax
jaxlib h5py`` and ``KERAS_BACKEND=jax python scripts/make_keras_fixtures.py keras3``.
Legacy fixtures come from tf.keras 2 (``pip install tf_keras tensorflow-cpu h5py``):
``TF_USE_LEGACY_KERAS=1 python scripts/make_keras_fixtures.py legacy``. The archives whose
preprocessing layers keep state in ``assets/`` (k3_text_int, k3_text_tfidf, k3_lookups)
need Keras's TensorFlow backend (its string layers run only there): with tensorflow-cpu
added to the Keras 3 venv, ``python scripts/make_keras_fixtures.py keras3-assets``; beside
each go its input strings/numbers, Keras's predictions, and ``<name>.<layer>.npy``: what
each preprocessing layer alone returns for its input.

Each model gets every weight drawn at random (so no weight is a trivial zero or one and
BatchNormalization's moving statistics matter), then ``<name>.x.npy`` (its input batch,
or ``<name>.x0.npy``, ``<name>.x1.npy`` for two inputs) and ``<name>.y.npy`` (the model's
predictions on it) are written beside the model file.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "saving", "fixtures", "keras")


def randomize(model, rng):
    values = []
    # A Normalization computes with the statistics adapt gave it, not its variables: set
    # from outside they would only take effect once reloaded. Keep them.
    adapted = {id(w) for layer in model._flatten_layers()
               if type(layer).__name__ == "Normalization" for w in layer.weights}
    for w in model.weights:
        name = w.path if hasattr(w, "path") else w.name
        shape = tuple(w.shape)
        if "int" in str(w.dtype) or id(w) in adapted:  # and counters keep their value
            values.append(np.asarray(w.numpy() if hasattr(w, "numpy") else w))
        elif "variance" in name:
            values.append(rng.uniform(0.5, 1.5, shape))
        else:
            values.append(rng.normal(0.0, 0.5, shape))
    model.set_weights([v if v.dtype.kind in "iu" else v.astype("float32") for v in values])


def models(keras, legacy):
    L = keras.layers
    rng = np.random.default_rng(0)
    out = {}

    def seq(layers, shape):
        inp = keras.Input(shape)
        x = inp
        for layer in layers:
            x = layer(x)
        return inp, x

    if not legacy:
        # The lecture MLP, full size.
        out["mlp"] = (keras.Sequential([keras.Input((28, 28)), L.Flatten(),
                                        L.Dense(300, activation="relu"),
                                        L.Dense(100, activation="relu"),
                                        L.Dense(10, activation="softmax")]),
                      rng.random((4, 28, 28)).astype("float32"))
    else:
        out["mlp"] = (keras.Sequential([L.Flatten(input_shape=(6, 6)),
                                        L.Dense(12, activation="relu"),
                                        L.Dense(8, activation="relu"),
                                        L.Dense(3, activation="softmax")]),
                      rng.random((4, 6, 6)).astype("float32"))
    # Wide & deep (Hands-On ML ch. 10), shrunk: two inputs, concatenate.
    wide = keras.Input((5,), name="wide_input")
    deep = keras.Input((6,), name="deep_input")
    h = L.Dense(8, activation="relu")(deep)
    h = L.Dense(8, activation="relu")(h)
    cat = L.concatenate([wide, h])
    model = keras.Model(inputs=[wide, deep], outputs=[L.Dense(1, name="output")(cat)])
    out["wide_deep"] = (model, [rng.normal(size=(4, 5)).astype("float32"),
                                rng.normal(size=(4, 6)).astype("float32")])
    out["cnn_bn"] = (keras.Sequential([
        keras.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same"), L.BatchNormalization(),
        L.Activation("relu"), L.MaxPooling2D(2), L.Conv2D(3, 3, activation="relu"),
        L.Flatten(), L.Dense(3, activation="softmax")]),
        rng.normal(size=(3, 8, 8, 2)).astype("float32"))
    out["lstm"] = (keras.Sequential([keras.Input((5, 3)), L.LSTM(4, return_sequences=True),
                                     L.LSTM(3), L.Dense(2)]),
                   rng.normal(size=(3, 5, 3)).astype("float32"))
    out["gru"] = (keras.Sequential([keras.Input((5, 3)), L.GRU(4, return_sequences=True),
                                    L.GRU(3), L.Dense(2)]),
                  rng.normal(size=(3, 5, 3)).astype("float32"))
    out["embed_bilstm"] = (keras.Sequential([
        keras.Input((6,), dtype="int32"), L.Embedding(20, 4),
        L.Bidirectional(L.LSTM(3)), L.Dense(1, activation="sigmoid")]),
        rng.integers(0, 20, size=(3, 6)).astype("int32"))
    if not legacy:
        inp = keras.Input((5, 8))
        att = L.MultiHeadAttention(num_heads=2, key_dim=4)(inp, inp)
        x = L.LayerNormalization()(L.Add()([inp, att]))
        x = L.GlobalAveragePooling1D()(x)
        model = keras.Model(inp, L.Dense(2)(x))
        out["mha_ln"] = (model, rng.normal(size=(3, 5, 8)).astype("float32"))
    for model, _ in out.values():
        randomize(model, rng)
    if not legacy:
        zoo_rng = np.random.default_rng(7)
        for name, (model, x) in zoo(keras, zoo_rng).items():
            randomize(model, zoo_rng)
            out[name] = (model, x)
    return out


def zoo(keras, rng):
    """Small models covering the other layers with weights, and nesting."""
    L = keras.layers
    out = {}
    out["zoo_conv"] = (keras.Sequential([
        keras.Input((8, 8, 3)), L.SeparableConv2D(4, 3, padding="same"), L.DepthwiseConv2D(3),
        L.Conv2DTranspose(4, 3, strides=2), L.GroupNormalization(groups=2), L.PReLU(),
        L.AveragePooling2D(2), L.Conv2D(3, 1), L.GlobalMaxPooling2D(), L.Dense(2)]),
        rng.normal(size=(2, 8, 8, 3)).astype("float32"))
    out["zoo_seq"] = (keras.Sequential([
        keras.Input((6, 4)), L.Conv1D(4, 2), L.SeparableConv1D(4, 2, padding="same"),
        L.SimpleRNN(3, return_sequences=True), L.TimeDistributed(L.Dense(2)),
        L.GRU(3, reset_after=False, return_sequences=True), L.LSTM(2, go_backwards=True),
        L.Dense(2)]),
        rng.normal(size=(2, 6, 4)).astype("float32"))
    inp = keras.Input((5, 8))
    x = L.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(inp, inp)
    x = L.EinsumDense("abc,cd->abd", output_shape=(None, 6), bias_axes="d")(x)
    x = L.RMSNormalization()(x)
    q = L.Dense(6)(x)
    x = L.Attention(use_scale=True)([q, x])
    x = L.AdditiveAttention()([x, q])
    out["zoo_attn"] = (keras.Model(inp, L.Dense(1)(L.GlobalAveragePooling1D()(x))),
                       rng.normal(size=(2, 5, 8)).astype("float32"))
    norm = L.Normalization()
    norm.adapt(rng.normal(2.0, 3.0, size=(50, 4)).astype("float32"))
    inner = keras.Sequential([keras.Input((3,)), L.Dense(3, activation="relu"), L.Dense(2)],
                             name="inner")
    inp = keras.Input((4,))
    h = L.Dense(3)(norm(inp))
    out["zoo_nested"] = (keras.Model(inp, L.Dense(1)(L.concatenate([inner(h), h]))),
                         rng.normal(size=(3, 4)).astype("float32"))
    out["zoo_masked"] = (keras.Sequential([
        keras.Input((6,), dtype="int32"), L.Embedding(10, 3, mask_zero=True), L.LSTM(2),
        L.Dense(1)]), np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]], dtype="int32"))
    return out


def save_io(name, x, y):
    if isinstance(x, list):
        for i, xi in enumerate(x):
            np.save(os.path.join(OUT, f"{name}.x{i}.npy"), xi)
    else:
        np.save(os.path.join(OUT, f"{name}.x.npy"), x)
    np.save(os.path.join(OUT, f"{name}.y.npy"), np.asarray(y, dtype="float32"))


def subclassed(keras):
    """A registered subclassed model; tests/saving/test_keras_files.py registers the same
    class (package "fixtures", name "TwoTower") in gradiente."""

    @keras.saving.register_keras_serializable(package="fixtures", name="TwoTower")
    class TwoTower(keras.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = keras.layers.Dense(units, activation="tanh")
            self.norm = keras.layers.LayerNormalization()
            self.head = keras.layers.Dense(2)

        def call(self, x):
            return self.head(self.norm(self.hidden(x)))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    rng = np.random.default_rng(5)
    model = TwoTower(units=4)
    x = rng.normal(size=(3, 5)).astype("float32")
    model(x)
    randomize(model, rng)
    y = model.predict(x, verbose=0)
    model.save(os.path.join(OUT, "k3_subclassed.keras"))
    save_io("k3_subclassed", x, y)


def trained(keras):
    """A classifier compiled with objects (not strings) and trained, so the archive holds
    a momentum optimizer's state and metric/loss configs."""
    rng = np.random.default_rng(11)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    x = rng.normal(size=(16, 4)).astype("float32")
    labels = rng.integers(0, 3, size=16)
    model.fit(x, labels, epochs=2, batch_size=8, verbose=0)
    model.save(os.path.join(OUT, "k3_trained.keras"))
    save_io("k3_trained", x, model.predict(x, verbose=0))
    np.save(os.path.join(OUT, "k3_trained.labels.npy"), labels)
    # One more step from the saved state: the loaded model must take the same step.
    model.train_on_batch(x[:8], labels[:8])
    np.save(os.path.join(OUT, "k3_trained.after_step.npy"), model.predict(x, verbose=0))


# --- preprocessing layers with assets (KERAS_BACKEND=tensorflow: Keras runs its string
# layers only there) -------------------------------------------------------------------------
TEXTS = ["The cat sat on the mat.", "the dog ate my homework", "A cat, and a dog!",
         "hello world again", "the end"]


def preprocessing(keras):
    """{name: (model, [inputs], {layer name: Keras's output of that layer alone})}: adapted
    TextVectorization ('int' into an Embedding, and 'tf_idf'), and a four-input model of
    the lookups and the other preprocessing layers, adapted or given their state."""
    L = keras.layers
    rng = np.random.default_rng(3)
    texts = np.array(TEXTS)[:, None]
    out = {}
    tv = L.TextVectorization(max_tokens=20, output_sequence_length=6, name="tv")
    tv.adapt(texts[:4])  # "the end": one known token, one out of the vocabulary
    inp = keras.Input((1,), dtype="string")
    h = L.GlobalAveragePooling1D()(L.Embedding(20, 4)(tv(inp)))
    out["text_int"] = (keras.Model(inp, L.Dense(2)(h)), [texts], ["tv"])
    tfidf = L.TextVectorization(max_tokens=12, ngrams=2, output_mode="tf_idf", name="tv_idf")
    tfidf.adapt(texts[:4])
    inp = keras.Input((1,), dtype="string")
    out["text_tfidf"] = (keras.Model(inp, L.Dense(2)(tfidf(inp))), [texts], ["tv_idf"])

    words = np.array([["red"], ["green"], ["blue"], ["red"], ["teal"]])
    ints = np.array([[3], [7], [3], [12], [99]], dtype="int64")
    floats = rng.normal(size=(5, 1)).astype("float32")
    pairs = rng.normal(1.0, 2.0, size=(5, 2)).astype("float32")
    s_in, i_in = keras.Input((1,), dtype="string"), keras.Input((1,), dtype="int64")
    f_in, n_in = keras.Input((1,)), keras.Input((2,))
    lookup = L.StringLookup(output_mode="one_hot", name="s_lookup")
    lookup.adapt(words[:4])
    given = L.StringLookup(vocabulary=["blue", "red"], mask_token="", output_mode="count",
                           name="s_given")
    ilookup = L.IntegerLookup(output_mode="tf_idf", name="i_lookup")
    ilookup.adapt(ints[:4])
    iindex = L.IntegerLookup(num_oov_indices=2, name="i_index")
    iindex.adapt(ints[:4])
    disc = L.Discretization(num_bins=4, name="disc")
    disc.adapt(rng.normal(size=(40, 1)).astype("float32"))
    norm = L.Normalization(name="norm")
    norm.adapt(rng.normal(1.0, 2.0, size=(40, 2)).astype("float32"))
    hashed = L.Hashing(num_bins=5, output_mode="one_hot", name="hash")
    parts = [lookup(s_in), given(s_in), ilookup(i_in), hashed(s_in),
             L.CategoryEncoding(4, output_mode="one_hot", name="cat")(disc(f_in)), norm(n_in),
             L.Flatten()(L.Embedding(8, 2)(iindex(i_in)))]
    model = keras.Model([s_in, i_in, f_in, n_in], L.Dense(1)(L.concatenate(parts)))
    out["lookups"] = (model, [words, ints, floats, pairs],
                      ["s_lookup", "s_given", "i_lookup", "i_index", "disc", "norm", "hash"])
    return out


def preprocessing_fixtures(keras):
    import tensorflow as tf

    for name, (model, xs, probed) in preprocessing(keras).items():
        rng = np.random.default_rng(4)
        for w in model.trainable_weights:  # Dense and Embedding weights, at random
            w.assign(rng.normal(0.0, 0.5, tuple(w.shape)).astype("float32"))
        model.compile(optimizer="adam", loss="mse")
        tensors = [tf.constant(x) for x in xs]
        y = model(tensors if len(xs) > 1 else tensors[0]).numpy()
        model.save(os.path.join(OUT, f"k3_{name}.keras"))
        save_io(f"k3_{name}", xs if len(xs) > 1 else xs[0], y)
        inputs = {"tv": 0, "tv_idf": 0, "s_lookup": 0, "s_given": 0, "hash": 0,
                  "i_lookup": 1, "i_index": 1, "disc": 2, "norm": 3}
        for layer_name in probed:
            result = model.get_layer(layer_name)(tensors[inputs[layer_name]]).numpy()
            np.save(os.path.join(OUT, f"k3_{name}.{layer_name}.npy"), result)


def main(kind):
    os.makedirs(OUT, exist_ok=True)
    if kind == "keras3":
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras

        for name, (model, x) in models(keras, legacy=False).items():
            # A compiled model also stores its compile_config.
            model.compile(optimizer="adam", loss="mse")
            y = model.predict(x, verbose=0)
            model.save(os.path.join(OUT, f"k3_{name}.keras"))
            save_io(f"k3_{name}", x, y)
            if name in ("cnn_bn", "embed_bilstm", "wide_deep"):
                model.save_weights(os.path.join(OUT, f"k3_{name}.weights.h5"))
        subclassed(keras)
        trained(keras)
        print("keras", keras.__version__)
    elif kind == "keras3-assets":
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import keras

        preprocessing_fixtures(keras)
        print("keras", keras.__version__)
    elif kind == "legacy":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tf_keras as keras

        for name, (model, x) in models(keras, legacy=True).items():
            model.compile(optimizer="adam", loss="mse")
            y = model.predict(x, verbose=0)
            model.save(os.path.join(OUT, f"legacy_{name}.h5"))
            # A plain '.h5' name gives the classic layout (layer_names, weight_names);
            # tf.keras 2.13+ writes a '.weights.h5' name in Keras 3's object-tree layout.
            model.save_weights(os.path.join(OUT, f"legacy_{name}_weights.h5"))
            if name == "wide_deep":
                model.save_weights(os.path.join(OUT, f"legacy_{name}.weights.h5"))
            save_io(f"legacy_{name}", x, y)
        print("tf_keras", keras.__version__)
    else:
        raise SystemExit("usage: make_keras_fixtures.py keras3|keras3-assets|legacy")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "keras3")
