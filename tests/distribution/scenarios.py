"""Training scenarios run by tests/distribution/test_distribution_mpi.py: once as one plain process (the
reference) and once under ``mpiexec -n 2``; each process writes its results to OUT.

    python scenarios.py OUT MODE      MODE: all | kill | resume | raise | stall
"""
import hashlib
import json
import os
import signal
import sys

import numpy as np

import gradiente as keras
from gradiente.distribution.communicator import world

OUT, MODE = sys.argv[1], sys.argv[2]
keras.distribution.initialize()
keras.distribution.set_distribution(keras.distribution.DataParallel())
RANK, SIZE = world().rank, world().size
L = keras.layers


def data(n, shape, classes, seed):
    rng = np.random.default_rng(seed)
    return rng.random((n, *shape), dtype=np.float32), rng.integers(0, classes, n)


def seeded(build):
    # Each process draws different initial weights: fit must start all from process 0's.
    keras.utils.set_random_seed(7 + 1000 * RANK)
    return build()


def mlp():
    return keras.Sequential([L.Input((784,)), L.Dense(300, activation="relu"),
                             L.Dense(100, activation="relu"), L.Dense(10, activation="softmax")])


def cnn():
    return keras.Sequential([L.Input((12, 12, 1)), L.Conv2D(4, 3, activation="relu"),
                             L.MaxPooling2D(2), L.Flatten(), L.Dense(10, activation="softmax")])


def lstm():
    return keras.Sequential([L.Input((6, 3)), L.LSTM(8), L.Dense(3, activation="softmax")])


class CustomStep(keras.Model):
    """A model with its own train_step (Keras's guide): fit runs it on every batch."""

    def __init__(self):
        super().__init__()
        self.hidden = L.Dense(16, activation="relu")
        self.out = L.Dense(10, activation="softmax")

    def call(self, x):
        return self.out(self.hidden(x))

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":  # weighted by rows, as the default train_step does
                metric.update_state(loss, sample_weight=len(x))
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, rows):
        super().__init__()
        self.x, self.y, self.rows = x, y, rows

    def __len__(self):
        return len(self.x) // self.rows

    def __getitem__(self, i):
        part = slice(i * self.rows, (i + 1) * self.rows)
        return self.x[part], self.y[part]


def record(name, model, history=None, **extra):
    weights = [np.asarray(w) for w in model.get_weights()]
    digest = hashlib.sha256(b"".join(w.tobytes() for w in weights)).hexdigest()
    np.savez(os.path.join(OUT, f"{name}.{RANK}.npz"), *weights)
    result = {"history": {k: [float(v) for v in vs] for k, vs in (history.history if history else {}).items()},
              "checksums": world().allgather_object(digest)}
    result.update(extra)
    with open(os.path.join(OUT, f"{name}.{RANK}.json"), "w") as f:
        json.dump(result, f)


def mlp_sgd():
    x, y = data(520, (784,), 10, 1)
    xv, yv = data(70, (784,), 10, 2)
    model = seeded(mlp)
    model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
    print(f"MARK fit on process {RANK}", flush=True)
    callbacks = [keras.callbacks.CSVLogger(os.path.join(OUT, "mlp.csv")),
                 keras.callbacks.ModelCheckpoint(os.path.join(OUT, "mlp_ckpt.keras")),
                 keras.callbacks.TensorBoard(os.path.join(OUT, "tensorboard"), write_graph=False),
                 # Stops when val_loss fails to fall by 10 in an epoch: after epoch 2 of 4.
                 keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=10.0, patience=1)]
    history = model.fit(x, y, batch_size=128, epochs=4, validation_data=(xv, yv), verbose=2,
                        callbacks=callbacks)
    model.save(os.path.join(OUT, "mlp.keras"))
    evaluated = model.evaluate(xv, yv, batch_size=32, verbose=0)
    predicted = model.predict(xv, batch_size=32, verbose=0)
    np.save(os.path.join(OUT, f"mlp_predict.{RANK}.npy"), predicted)
    record("mlp_sgd", model, history, evaluate=[float(v) for v in evaluated])


def mlp_adam():
    x, y = data(520, (784,), 10, 3)
    model = seeded(mlp)
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    # Never improving by 10, the learning rate halves after every epoch, on every process.
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)
    history = model.fit(x, y, batch_size=100, epochs=3, verbose=0, callbacks=[plateau],
                        class_weight={c: 1.0 + 0.1 * c for c in range(10)})
    record("mlp_adam", model, history)


def cnn_sgd():
    # 193 rows: the last global batch has one row, so process 1 takes an empty step.
    x, y = data(193, (12, 12, 1), 10, 4)
    weights = np.random.default_rng(5).random(193).astype(np.float32) + 0.5
    model = seeded(cnn)
    model.compile(keras.optimizers.SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, sample_weight=weights, batch_size=64, epochs=2, verbose=0)
    record("cnn_sgd", model, history)


def lstm_adam():
    x, y = data(130, (6, 3), 3, 6)
    model = seeded(lstm)
    # A loss object: the processes compare its name, not its repr (which holds an address).
    model.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=50, epochs=2, verbose=0, validation_split=0.2)
    record("lstm_adam", model, history)


def custom_step():
    x, y = data(129, (20,), 10, 7)  # an empty last share for process 1, as in cnn_sgd
    # Built before fit: fit would otherwise create the weights after drawing the epoch's
    # permutation on one process, before it on several (they must be broadcast first).
    def build():
        model = CustomStep()
        model(x[:1])
        return model

    model = seeded(build)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    record("custom_step", model, history)


def pydataset():
    # Two processes each take every other 32-row batch: one step = rows 64k..64k+63, as one
    # process training on arrays with batch 64.
    x, y = data(192, (20,), 10, 8)
    model = seeded(lambda: keras.Sequential([L.Input((20,)), L.Dense(10, activation="softmax")]))
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    if SIZE == 1:
        history = model.fit(x, y, batch_size=64, epochs=2, verbose=0, shuffle=False)
    else:
        history = model.fit(Batches(x, y, 32), epochs=2, verbose=0, shuffle=False)
    record("pydataset", model, history)


def batch_norm(synchronized):
    # 159 rows: the last batch's shares (16 and 15 rows) are a known shape on process 0 and a
    # new one on process 1, which must not make their steps differ in collectives.
    x, y = data(159, (10,), 3, 12)
    # No bias before the normalization: its gradient would be rounding noise, which Adam
    # turns into steps that differ with the summation order.
    model = seeded(lambda: keras.Sequential([
        L.Input((10,)), L.Dense(16, use_bias=False), L.BatchNormalization(synchronized=synchronized),
        L.Activation("relu"), L.Dense(3, activation="softmax")]))
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    name = "bn_sync" if synchronized else "bn_local"
    model.save(os.path.join(OUT, f"{name}.keras"))
    record(name, model, history)


def generator():
    # A Python generator (no length): each process keeps every other batch and all agree,
    # step by step, when the last one is gone. Validation comes from a generator too.
    x, y = data(224, (20,), 10, 14)
    model = seeded(lambda: keras.Sequential([L.Input((20,)), L.Dense(10, activation="softmax")]))
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])

    def batches(start, stop, rows):  # one process: global batches; two: half batches
        rows //= SIZE
        return ((x[i:i + rows], y[i:i + rows]) for i in range(start, stop, rows))

    history = None
    for _ in range(2):  # a generator is used up after one epoch: fit once per epoch
        step = model.fit(batches(0, 192, 64), epochs=1, verbose=0, validation_data=batches(192, 224, 32))
        if history is None:
            history = step
        else:
            for key, values in step.history.items():
                history.history[key].extend(values)
    record("generator", model, history)


def unsupported():
    """Refused on every process at once, with a clear error (no silent difference)."""
    x, y = data(64, (20,), 10, 15)
    messages = []
    for loss, regularizer in (("sum", None), ("sum_over_batch_size", "l1")):
        model = seeded(lambda: keras.Sequential([
            L.Input((20,)), L.Dense(10, activation="softmax", activity_regularizer=regularizer)]))
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(reduction=loss))
        try:
            model.fit(x, y, batch_size=32, epochs=1, verbose=0)
            messages.append(None)
        except NotImplementedError as err:
            messages.append(str(err))
    with open(os.path.join(OUT, f"unsupported.{RANK}.json"), "w") as f:
        json.dump({"errors": messages}, f)


def mismatch():
    x, y = data(128, (20,), 10, 9)
    model = seeded(lambda: keras.Sequential([L.Input((20,)), L.Dense(10, activation="softmax")]))
    model.compile("sgd", "sparse_categorical_crossentropy")
    try:
        model.fit(x, y, batch_size=32 + 32 * RANK, epochs=1, verbose=0)
        message = None
    except keras.distribution.DistributionMismatchError as err:
        message = str(err)
    with open(os.path.join(OUT, f"mismatch.{RANK}.json"), "w") as f:
        json.dump({"error": message}, f)


class KillAt(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if RANK == SIZE - 1 and self.epoch == 1 and batch == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch


def backup(kill=False):
    x, y = data(300, (20,), 10, 10)
    model = seeded(lambda: keras.Sequential([L.Input((20,)), L.Dense(16, activation="relu"),
                                             L.Dense(10, activation="softmax")]))
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    callbacks = [keras.callbacks.BackupAndRestore(os.path.join(OUT, "backup"))]
    if kill:
        callbacks.append(KillAt())
    history = model.fit(x, y, batch_size=40, epochs=3, verbose=0, callbacks=callbacks)
    record("backup", model, history)


def bad_shard():
    x, y = data(128, (20,), 10, 11)
    if RANK == SIZE - 1:
        y = y + 100  # labels out of range on one process only
    model = seeded(lambda: keras.Sequential([L.Input((20,)), L.Dense(10, activation="softmax")]))
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)


def stall():
    if RANK == SIZE - 1:
        import time

        time.sleep(600)  # never reaches fit: the others must not wait forever
    x, y = data(64, (20,), 10, 13)
    model = seeded(lambda: keras.Sequential([L.Input((20,)), L.Dense(10, activation="softmax")]))
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)


if MODE == "all":
    for scenario in (mlp_sgd, mlp_adam, cnn_sgd, lstm_adam, custom_step, pydataset, generator, mismatch,
                     backup):
        scenario()
    if SIZE > 1:
        unsupported()
    batch_norm(synchronized=True)
    batch_norm(synchronized=False)
elif MODE == "kill":
    backup(kill=True)
elif MODE == "resume":
    backup()
elif MODE == "raise":
    bad_shard()
elif MODE == "stall":
    stall()
