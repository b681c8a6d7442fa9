"""Issue 5's benchmark: one epoch of (a) a small CNN and (b) an LSTM, gradiente beside PyTorch.

    python benchmarks/conv_rnn_epoch.py [--model a|b|both] [--repeats 5] [--threads 1] [--profile]

(a) Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Flatten -> Dense(10, softmax) on 28x28x1;
(b) LSTM(64) on 28 steps x 28 features -> Dense(10, softmax). Each: 10 000 synthetic samples,
batch 32, shuffled, SGD lr 0.01, sparse categorical cross-entropy, after a warm-up epoch.

When PyTorch is importable it runs the same models in a child process of this job (so
gradiente's imports and allocator settings stay out of it), and the two take turns epoch by
epoch: a machine that slows down for a while slows both. Printed: the ratio of the two best
epochs, and the median of the ratios of epochs run side by side (target <= 1.0). PyTorch is not a dependency; without it only gradiente's
times are printed.

Both get the same number of threads, ``--threads`` (default 1: on a small shared machine a
second thread mostly waits for a busy core, and timings swing widely).
"""
import os
import sys

import torch_side_by_side as harness  # first: pins the BLAS threads before NumPy loads

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES, BATCH, LR, CLASSES = 10_000, 32, 0.01, 10
STEPS, FEATURES, UNITS = 28, 28, 64
MODELS = {"a": "Conv2D(32, 3) -> MaxPooling2D -> Dense(10)", "b": "LSTM(64) -> Dense(10)"}


def data(model):
    rng = np.random.default_rng(0)
    shape = (SAMPLES, 28, 28, 1) if model == "a" else (SAMPLES, STEPS, FEATURES)
    return rng.random(shape, dtype=np.float32), rng.integers(0, CLASSES, SAMPLES)


# --- gradiente ------------------------------------------------------------------------------
def gradiente_epoch(model):
    """A function running one epoch of ``model`` ("a" or "b") with model.fit."""
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import gradiente as keras
    from gradiente import layers

    keras.utils.set_random_seed(0)
    if model == "a":
        stack = [layers.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Flatten(), layers.Dense(CLASSES, activation="softmax")]
    else:
        stack = [layers.Input((STEPS, FEATURES)), layers.LSTM(UNITS), layers.Dense(CLASSES, activation="softmax")]
    net = keras.models.Sequential(stack)
    net.compile(optimizer=keras.optimizers.SGD(LR), loss="sparse_categorical_crossentropy")
    return lambda x, y: net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)


# --- PyTorch, in the child process ------------------------------------------------------------
def torch_epoch(model):
    """The same epoch in PyTorch (eager, as its tutorials train)."""
    import torch

    torch.manual_seed(0)
    if model == "a":
        net = torch.nn.Sequential(torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                  torch.nn.Flatten(), torch.nn.Linear(32 * 13 * 13, CLASSES))
    else:
        class LastStep(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = torch.nn.LSTM(FEATURES, UNITS, batch_first=True)
                self.head = torch.nn.Linear(UNITS, CLASSES)

            def forward(self, inputs):
                return self.head(self.lstm(inputs)[0][:, -1])

        net = LastStep()
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()  # on logits: the softmax is inside, as in Keras's fused loss

    def epoch(x, y):
        if model == "a":
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # PyTorch wants channels first
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        order = torch.randperm(len(xt))
        for i in range(0, len(xt), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            loss_fn(net(xt[idx]), yt[idx]).backward()
            opt.step()

    return epoch


def main():
    args = harness.arguments(__doc__, lambda p: p.add_argument("--model", choices=["a", "b", "both"], default="both"))
    if args.torch_server:
        return harness.serve(lambda model: (torch_epoch(model), data(model)))
    child = harness.TorchChild.start(__file__, args.threads)
    print(child.label if child else "PyTorch not installed: gradiente's times only")
    for model in ("a", "b") if args.model == "both" else (args.model,):
        x, y = data(model)
        harness.compare(f"({model}) {MODELS[model]}", model, gradiente_epoch(model), x, y, child, args)
    if child:
        child.close()


if __name__ == "__main__":
    main()
