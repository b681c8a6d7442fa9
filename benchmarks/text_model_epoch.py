"""One epoch of keras-io's text classifier with its TextVectorization inside the model:
fit's replayed step (the vectorizer runs on each batch before it) beside run_eagerly=True.

    python benchmarks/text_model_epoch.py [--samples 10000] [--repeats 5]

Input(shape=(1,), dtype="string") -> TextVectorization(max_tokens=5000,
output_sequence_length=40) -> Embedding(5000, 64, mask_zero=True) -> GlobalAveragePooling1D
-> Dense(32, relu) -> Dense(1, sigmoid); 10,000 generated reviews (4 to 30 words from
2,000 made-up words, Zipf-like), batch 32, shuffled, Adam, binary cross-entropy, accuracy.
Both models start from the same weights; each gets a warm-up epoch (the replayed one
traces and checks its step there), then their epochs take turns, so a machine that slows
down for a while slows both. The benchmark checks that the replay is in use and that the
warm-up epochs gave bit-identical weights. Printed, for the wall time of each
``fit(epochs=1)`` call and for its epoch alone (batches, without fit's set-up): the best of
each, the ratio of the best (replayed / eager) and the median of the ratios of epochs run
side by side.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

import gradiente as keras  # noqa: E402

VOCAB, LENGTH, BATCH = 5000, 40, 32


def reviews(n, seed=0):
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = ["".join(rng.choice(letters, rng.integers(2, 9))) for _ in range(2000)]
    weights = 1.0 / np.arange(1, 2001)
    weights /= weights.sum()
    texts, labels = [], []
    for _ in range(n):
        picks = rng.choice(2000, size=rng.integers(4, 31), p=weights)
        texts.append(" ".join(words[i] for i in picks).capitalize() + ".")
        labels.append(float(picks.mean() < 300))  # a function of which words occur
    return np.array(texts, dtype=object)[:, None], np.array(labels, dtype="float32")


def build(x, run_eagerly):
    keras.utils.set_random_seed(0)
    vectorize = keras.layers.TextVectorization(max_tokens=VOCAB, output_sequence_length=LENGTH)
    vectorize.adapt(x)
    inputs = keras.Input(shape=(1,), dtype="string")
    h = keras.layers.Embedding(VOCAB, 64, mask_zero=True)(vectorize(inputs))
    h = keras.layers.GlobalAveragePooling1D()(h)
    h = keras.layers.Dense(32, activation="relu")(h)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"],
                  run_eagerly=run_eagerly)
    return model


class EpochTimer(keras.callbacks.Callback):
    """The epoch's own time: the batches, without fit's set-up before them."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


def epoch(model, x, y):
    """(wall time of fit(epochs=1), time of its epoch alone)."""
    timer = EpochTimer()
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[timer])
    return time.perf_counter() - start, timer.seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    x, y = reviews(args.samples)
    replayed, eager = build(x, False), build(x, True)
    for model in (replayed, eager):
        keras.utils.set_random_seed(1)  # the same shuffle for both warm-up epochs
        epoch(model, x, y)
    step = replayed._compiled_step
    if not any(r is not None for r in step.replays.values()):
        raise SystemExit("the replayed model's step is not replayed: nothing to measure")
    for a, b in zip(replayed.get_weights(), eager.get_weights(), strict=True):
        if not np.array_equal(a, b):
            raise SystemExit("the warm-up epochs differ between replay and eager")
    times = {"replayed": [], "eager": []}
    for _ in range(args.repeats):
        times["replayed"].append(epoch(replayed, x, y))
        times["eager"].append(epoch(eager, x, y))
    print(f"{args.samples} strings, batch {BATCH}, {args.repeats} epochs each, taking turns")
    for i, what in enumerate(("fit(epochs=1) wall", "epoch alone")):
        best = {k: min(t[i] for t in v) for k, v in times.items()}
        side = statistics.median(r[i] / e[i] for r, e in zip(times["replayed"], times["eager"]))
        print(f"{what:18}: replayed best {best['replayed']:.3f} s, run_eagerly best {best['eager']:.3f} s, "
              f"ratio replayed / eager: best {best['replayed'] / best['eager']:.3f}, "
              f"median side by side {side:.3f}")

if __name__ == "__main__":
    main()
