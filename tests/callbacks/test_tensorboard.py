"""TensorBoard: the event files it writes, read back record by record."""
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

import gradiente as keras

event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")


def read_events(folder):
    """{tag: [(step, value)]} from every event file under ``folder`` (TFRecord framing:
    length, its checksum, the Event message, its checksum)."""
    found = {}
    for path in sorted(Path(folder).glob("events.out.tfevents.*")):
        data = path.read_bytes()
        i = 0
        while i < len(data):
            (length,) = struct.unpack("<Q", data[i:i + 8])
            event = event_pb2.Event.FromString(data[i + 12:i + 12 + length])
            i += 12 + length + 4
            for v in event.summary.value:
                kind = v.WhichOneof("value")
                value = {"simple_value": v.simple_value, "histo": v.histo, "tensor": v.tensor}.get(kind)
                found.setdefault(v.tag, []).append((event.step, value))
    return found


def data(n=96):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


def model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(4, activation="relu"),
                          keras.layers.Dense(2, activation="softmax")])
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def test_epoch_and_batch_scalars_histograms_and_summary(tmp_path):
    x, y = data()
    m = model()
    board = keras.callbacks.TensorBoard(log_dir=tmp_path, histogram_freq=2, update_freq=2,
                                        write_steps_per_second=True)
    history = m.fit(x, y, batch_size=16, epochs=3, validation_split=0.25, verbose=0, callbacks=[board])
    train, val = read_events(tmp_path / "train"), read_events(tmp_path / "validation")
    assert [s for s, _ in train["epoch_loss"]] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in train["epoch_loss"]], history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in train["epoch_accuracy"]], history.history["accuracy"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in val["epoch_loss"]], history.history["val_loss"], rtol=1e-6)
    assert [v for _, v in train["epoch_learning_rate"]] == pytest.approx([0.1] * 3)
    assert all(v > 0 for _, v in train["epoch_steps_per_second"])
    # 72 training samples in batches of 16: 5 steps an epoch, 15 in all; every second one logged.
    assert [s for s, _ in train["batch_loss"]] == [2, 4, 6, 8, 10, 12, 14]
    histograms = {tag: steps for tag, steps in train.items() if tag.endswith("/histogram")}
    assert set(histograms) == {f"{w.path}/histogram" for w in m.weights}
    kernel = histograms[f"{m.weights[0].path}/histogram"]
    assert [s for s, _ in kernel] == [0, 2] and kernel[-1][1].num == m.weights[0].data.size
    (step, text), = train["model_summary/text_summary"]
    assert step == 0 and "Total params: 26" in text.string_val[0].decode()
    assert "epoch_val_loss" not in train and not any(tag.startswith("batch_") for tag in val)
    assert hasattr(m, "_compiled_step")  # the callback reads logs only: fit still replays


def test_batch_hooks_only_when_asked_and_arguments_checked(tmp_path):
    quiet = keras.callbacks.CallbackList([keras.callbacks.TensorBoard(tmp_path)])
    assert not quiet.should_call_train_batch_hooks
    assert keras.callbacks.CallbackList([keras.callbacks.TensorBoard(tmp_path, update_freq="batch")]) \
        .should_call_train_batch_hooks
    with pytest.raises(ValueError, match="profile_batch.*cProfile"):
        keras.callbacks.TensorBoard(profile_batch=2)
    with pytest.raises(ValueError, match="update_freq"):
        keras.callbacks.TensorBoard(update_freq="sometimes")
    with pytest.raises(ValueError, match="histogram_freq"):
        keras.callbacks.TensorBoard(histogram_freq=-1)


def test_per_class_metric_becomes_one_scalar_per_class(tmp_path):
    x, y = data()
    m = model()
    m.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=[keras.metrics.F1Score()])
    m.fit(x, keras.utils.to_categorical(y, 2), epochs=1, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(tmp_path, write_graph=False)])
    train = read_events(tmp_path / "train")
    assert {"epoch_f1_score/0", "epoch_f1_score/1"} <= set(train)
    assert not any(tag.startswith("model_summary") for tag in train)


def test_missing_tensorboardx_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    x, y = data()
    with pytest.raises(ImportError, match=r"gradiente\[tensorboard\]"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
