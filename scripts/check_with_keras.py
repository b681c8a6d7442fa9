"""Check that real Keras 3 loads what gradiente writes for it (not run by CI).

Step 1, with gradiente (its venv):   python scripts/check_with_keras.py write /tmp/gk
  builds and trains a few models, writes each with
  ``keras.saving.save_model(model, "<name>.keras", keras_compatible=True)`` and
  ``model.save_weights("<name>.weights.h5")`` and ``model.save("<name>.h5")`` (legacy HDF5),
  plus its input batch and predictions.
Step 2, with Keras 3 (a separate venv: pip install keras jax jaxlib h5py):
  KERAS_BACKEND=jax python scripts/check_with_keras.py check /tmp/gk
  loads each archive with ``keras.saving.load_model``, compares its predictions, then sets
  the weights of a fresh copy from the ``.weights.h5`` file and compares again; also checks
  that the optimizer state came through, and loads the legacy ``.h5``. Its output is recorded in
  scripts/check_with_keras.out.txt.
Step 3, Keras 3 with its TensorFlow backend (tensorflow-cpu added to that venv; Keras runs
  its string layers only there):  KERAS_BACKEND=tensorflow python scripts/check_with_keras.py
  check-assets /tmp/gk
  loads the archives of adapted TextVectorization ('int', 'tf_idf') and lookup layers, whose
  vocabularies gradiente wrote as asset files and idf weights, and compares the predictions
  and what each preprocessing layer alone returns. Also recorded in check_with_keras.out.txt.
"""
import os
import sys

import numpy as np

# The fixture script's preprocessing models (adapted here, by gradiente).
ASSET_NAMES = ["text_int", "text_tfidf", "lookups"]
NAMES = ["mlp", "wide_deep", "cnn_bn", "lstm", "gru", "embed_bilstm", "mha_ln",
         "zoo_conv", "zoo_seq", "zoo_attn", "zoo_nested", "zoo_masked"]


def build(keras, name):
    L = keras.layers
    rng = np.random.default_rng(1)
    if name.startswith("zoo_"):  # the fixture script's small models of the other layers
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from make_keras_fixtures import zoo

        return zoo(keras, rng)[name]
    if name == "mlp":
        model = keras.Sequential([keras.Input((28, 28)), L.Flatten(),
                                  L.Dense(300, activation="relu"), L.Dense(100, activation="relu"),
                                  L.Dense(10, activation="softmax")])
        x = rng.random((8, 28, 28)).astype("float32")
    elif name == "wide_deep":
        wide, deep = keras.Input((5,), name="wide_input"), keras.Input((6,), name="deep_input")
        h = L.Dense(8, activation="relu")(deep)
        h = L.Dense(8, activation="relu")(h)
        model = keras.Model([wide, deep], L.Dense(1, name="output")(L.concatenate([wide, h])))
        x = [rng.normal(size=(8, 5)).astype("float32"), rng.normal(size=(8, 6)).astype("float32")]
    elif name == "cnn_bn":
        model = keras.Sequential([keras.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same"),
                                  L.BatchNormalization(), L.Activation("relu"), L.MaxPooling2D(2),
                                  L.Conv2D(3, 3, activation="relu"), L.Flatten(),
                                  L.Dense(3, activation="softmax")])
        x = rng.normal(size=(8, 8, 8, 2)).astype("float32")
    elif name in ("lstm", "gru"):
        rnn = L.LSTM if name == "lstm" else L.GRU
        model = keras.Sequential([keras.Input((5, 3)), rnn(4, return_sequences=True), rnn(3),
                                  L.Dense(2)])
        x = rng.normal(size=(8, 5, 3)).astype("float32")
    elif name == "embed_bilstm":
        model = keras.Sequential([keras.Input((6,), dtype="int32"), L.Embedding(20, 4),
                                  L.Bidirectional(L.LSTM(3)), L.Dense(1, activation="sigmoid")])
        x = rng.integers(0, 20, size=(8, 6)).astype("int32")
    elif name == "mha_ln":
        inp = keras.Input((5, 8))
        att = L.MultiHeadAttention(num_heads=2, key_dim=4)(inp, inp)
        h = L.GlobalAveragePooling1D()(L.LayerNormalization()(L.Add()([inp, att])))
        model = keras.Model(inp, L.Dense(2)(h))
        x = rng.normal(size=(8, 5, 8)).astype("float32")
    return model, x


def write(folder):
    import gradiente as keras

    os.makedirs(folder, exist_ok=True)
    for name in NAMES:
        model, x = build(keras, name)
        y_shape = model.output_shape[1:]
        n = len(x[0] if isinstance(x, list) else x)
        y = np.random.default_rng(2).random((n,) + tuple(y_shape)).astype("float32")
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=2, batch_size=4, verbose=0)  # optimizer state, BN statistics
        keras.saving.save_model(model, os.path.join(folder, f"{name}.keras"), keras_compatible=True)
        model.save_weights(os.path.join(folder, f"{name}.weights.h5"))
        model.save(os.path.join(folder, f"{name}.h5"))  # the legacy format, as Keras 3 writes it
        xs = x if isinstance(x, list) else [x]
        for i, xi in enumerate(xs):
            np.save(os.path.join(folder, f"{name}.x{i}.npy"), xi)
        np.save(os.path.join(folder, f"{name}.y.npy"), model.predict(x, verbose=0))
        np.savez(os.path.join(folder, f"{name}.opt.npz"),
                 *[np.asarray(v.data) for v in model.optimizer.variables])
        print(f"wrote {name}: iterations={int(model.optimizer.iterations)}")
    write_assets(folder)


def _preprocessing(keras):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_keras_fixtures import preprocessing

    return preprocessing(keras)


def write_assets(folder):
    import gradiente as keras

    for name, (model, xs, probed) in _preprocessing(keras).items():
        rng = np.random.default_rng(4)
        for w in model.trainable_weights:
            w.assign(rng.normal(0.0, 0.5, tuple(w.shape)).astype("float32"))
        model.compile(optimizer="adam", loss="mse")
        keras.saving.save_model(model, os.path.join(folder, f"{name}.keras"), keras_compatible=True)
        for i, x in enumerate(xs):
            np.save(os.path.join(folder, f"{name}.x{i}.npy"), x)
        np.save(os.path.join(folder, f"{name}.y.npy"),
                model.predict(xs if len(xs) > 1 else xs[0], verbose=0))
        for layer in probed:
            x = xs[_PROBE_INPUT[layer]]
            np.save(os.path.join(folder, f"{name}.{layer}.npy"), model.get_layer(layer)(x).numpy())
        print(f"wrote {name} (layers {', '.join(probed)})")


_PROBE_INPUT = {"tv": 0, "tv_idf": 0, "s_lookup": 0, "s_given": 0, "hash": 0,
                "i_lookup": 1, "i_index": 1, "disc": 2, "norm": 3}


def check_assets(folder):
    import keras
    import tensorflow as tf

    print(f"keras {keras.__version__}, backend {keras.backend.backend()}")
    failures = 0
    for name in ASSET_NAMES:
        xs = [np.load(os.path.join(folder, f)) for f in sorted(os.listdir(folder))
              if f.startswith(f"{name}.x")]
        tensors = [tf.constant(x) for x in xs]
        model = keras.saving.load_model(os.path.join(folder, f"{name}.keras"))
        y = model(tensors if len(xs) > 1 else tensors[0]).numpy()
        diff = float(np.abs(y - np.load(os.path.join(folder, f"{name}.y.npy"))).max())
        probes = []
        for f in sorted(os.listdir(folder)):
            layer = f[len(name) + 1:-4]
            if f.startswith(f"{name}.") and layer in _PROBE_INPUT:
                got = model.get_layer(layer)(tensors[_PROBE_INPUT[layer]]).numpy()
                want = np.load(os.path.join(folder, f))
                probes.append((layer, float(np.abs(got - want).max()) if got.shape == want.shape
                               else float("inf")))
        ok = diff < 1e-5 and all(d < 1e-5 for _, d in probes)
        failures += not ok
        print(f"{name:11s} load_model max|diff|={diff:.2e}  layers alone: "
              + ", ".join(f"{layer} {d:.1e}" for layer, d in probes) + f"  {'OK' if ok else 'FAIL'}")
    print("all OK" if not failures else f"{failures} FAILED")
    return failures


def check(folder):
    import keras

    print(f"keras {keras.__version__}, backend {keras.backend.backend()}")
    failures = 0
    for name in NAMES:
        xs = sorted(f for f in os.listdir(folder) if f.startswith(f"{name}.x"))
        x = [np.load(os.path.join(folder, f)) for f in xs]
        x = x if len(x) > 1 else x[0]
        expected = np.load(os.path.join(folder, f"{name}.y.npy"))
        model = keras.saving.load_model(os.path.join(folder, f"{name}.keras"))
        diff = float(np.abs(model.predict(x, verbose=0) - expected).max())
        iterations = int(model.optimizer.iterations.numpy()) if model.optimizer is not None else None
        with np.load(os.path.join(folder, f"{name}.opt.npz")) as saved:
            ours = [saved[f"arr_{i}"] for i in range(len(saved.files))]
        theirs = [np.asarray(v.numpy()) for v in model.optimizer.variables]
        diff_opt = max(float(np.abs(a.astype("float64") - b).max()) if a.size else 0.0
                       for a, b in zip(theirs, ours)) if len(theirs) == len(ours) else float("inf")
        fresh, _ = build(keras, name)
        fresh.load_weights(os.path.join(folder, f"{name}.weights.h5"))
        diff_w = float(np.abs(fresh.predict(x, verbose=0) - expected).max())
        # compile=False: Keras 3.15.1 cannot rebuild loss="mse" from a legacy .h5 training
        # config ("Could not deserialize 'keras.metrics.mse'"), its own .h5 files included.
        legacy = keras.saving.load_model(os.path.join(folder, f"{name}.h5"), compile=False)
        diff_h5 = float(np.abs(legacy.predict(x, verbose=0) - expected).max())
        ok = diff < 1e-5 and diff_w < 1e-5 and diff_opt == 0.0 and diff_h5 < 1e-5
        failures += not ok
        print(f"{name:13s} load_model max|diff|={diff:.2e} optimizer iterations={iterations}, "
              f"{len(theirs)} variables max|diff|={diff_opt:.1e}  "
              f"load_weights into a Keras-built copy max|diff|={diff_w:.2e}  "
              f"legacy .h5 max|diff|={diff_h5:.2e}  {'OK' if ok else 'FAIL'}")
    print("all OK" if not failures else f"{failures} FAILED")
    return failures


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check", "check-assets"):
        raise SystemExit("usage: check_with_keras.py write|check|check-assets FOLDER")
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "check":
        sys.exit(1 if check(sys.argv[2]) else 0)
    else:
        sys.exit(1 if check_assets(sys.argv[2]) else 0)
