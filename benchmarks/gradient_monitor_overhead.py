"""Cost of GradientMonitor: one epoch of an MNIST-sized MLP with and without it.

Run: python benchmarks/gradient_monitor_overhead.py [samples]. Prints the best of three
epochs each way (alternating, so load on the machine hits both alike) and the overhead.
"""
import sys
import time

import numpy as np

import gradiente as keras
from gradiente.callbacks import GradientMonitor


def epoch_time(model, x, y, callbacks):
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=callbacks)
    return time.perf_counter() - start


def main(samples=8192):
    rng = np.random.default_rng(0)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, samples)
    keras.utils.set_random_seed(0)
    L = keras.layers
    model = keras.Sequential([L.Input((784,)), L.Dense(300, activation="relu"),
                              L.Dense(100, activation="tanh"), L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    epoch_time(model, x[:256], y[:256], [])  # warm-up
    plain, monitored = [], []
    for _ in range(3):
        plain.append(epoch_time(model, x, y, []))
        monitored.append(epoch_time(model, x, y, [GradientMonitor(verbose=0)]))
    base, with_monitor = min(plain), min(monitored)
    print(f"{samples} samples, batch 32, 784-300(relu)-100(tanh)-10")
    print(f"epoch without monitor: {base:.3f} s; with GradientMonitor: {with_monitor:.3f} s; "
          f"overhead {100 * (with_monitor / base - 1):+.1f}%")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8192)
