"""Issue 14's benchmark: one epoch of a 2-block Transformer encoder classifier, gradiente beside PyTorch.

    python benchmarks/transformer_epoch.py [--repeats 5] [--threads 1] [--profile]

Dense(64) projection of 64 steps x 16 random features -> 2 post-norm encoder blocks
(MultiHeadAttention(4 heads, key_dim 16) + residual + LayerNormalization, Dense(128, relu) ->
Dense(64) + residual + LayerNormalization, no dropout) -> GlobalAveragePooling1D ->
Dense(10, softmax). 10 000 synthetic samples, batch 32, shuffled, Adam lr 1e-3, sparse
categorical cross-entropy, after a warm-up epoch. gradiente's step must be replayed (the
compiled step, not the eager fall-back): the benchmark checks it.

When PyTorch is importable it runs the same model (nn.MultiheadAttention(batch_first=True),
nn.LayerNorm, nn.Linear) in a child process of this job (so gradiente's imports and allocator
settings stay out of it), and the two take turns epoch by epoch: a machine that slows down
for a while slows both. Printed: the ratio of the two best epochs, and the median of the
ratios of epochs run side by side (target <= 1.0). PyTorch is not a dependency; without it
only gradiente's times are printed (``pip install torch`` to compare).

Both get the same number of threads, ``--threads`` (default 1).
"""
import os
import sys

import torch_side_by_side as harness  # first: pins the BLAS threads before NumPy loads

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES, BATCH, LR, CLASSES = 10_000, 32, 1e-3, 10
SEQ, FEATURES, WIDTH, HEADS, KEY_DIM, FF, BLOCKS = 64, 16, 64, 4, 16, 128, 2
MODEL = f"Transformer encoder ({BLOCKS} blocks, seq {SEQ}, width {WIDTH}, {HEADS} heads, ff {FF})"


def data():
    rng = np.random.default_rng(0)
    return rng.random((SAMPLES, SEQ, FEATURES), dtype=np.float32), rng.integers(0, CLASSES, SAMPLES)


# --- gradiente ------------------------------------------------------------------------------
def gradiente_model():
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import gradiente as keras
    from gradiente import layers

    keras.utils.set_random_seed(0)
    inputs = layers.Input((SEQ, FEATURES))
    x = layers.Dense(WIDTH)(inputs)
    for _ in range(BLOCKS):
        # Post-norm, as nn.TransformerEncoderLayer's default (norm_first=False).
        attended = layers.MultiHeadAttention(HEADS, KEY_DIM)(x, x)
        x = layers.LayerNormalization(epsilon=1e-5)(layers.Add()([x, attended]))
        hidden = layers.Dense(WIDTH)(layers.Dense(FF, activation="relu")(x))
        x = layers.LayerNormalization(epsilon=1e-5)(layers.Add()([x, hidden]))
    outputs = layers.Dense(CLASSES, activation="softmax")(layers.GlobalAveragePooling1D()(x))
    net = keras.Model(inputs, outputs)
    net.compile(optimizer=keras.optimizers.Adam(LR), loss="sparse_categorical_crossentropy")
    return net


def gradiente_epoch():
    """A function running one epoch with model.fit; it checks that the step was replayed."""
    net = gradiente_model()

    def epoch(x, y):
        net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        replays = net._compiled_step.replays
        # Every batch signature seen twice or more must have a trusted replay (None: eager).
        if not replays or any(r is None for r in replays.values()):
            raise RuntimeError("gradiente's step was not replayed (eager fall-back): the timing would "
                               "measure the eager path")

    return epoch


# --- PyTorch, in the child process ------------------------------------------------------------
def torch_epoch():
    """The same epoch in PyTorch (eager, as its tutorials train)."""
    import torch
    from torch import nn

    torch.manual_seed(0)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
            self.norm1, self.norm2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
            self.ff = nn.Sequential(nn.Linear(WIDTH, FF), nn.ReLU(), nn.Linear(FF, WIDTH))

        def forward(self, x):
            x = self.norm1(x + self.attention(x, x, x, need_weights=False)[0])
            return self.norm2(x + self.ff(x))

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.project = nn.Linear(FEATURES, WIDTH)
            self.blocks = nn.Sequential(*[Block() for _ in range(BLOCKS)])
            self.head = nn.Linear(WIDTH, CLASSES)

        def forward(self, x):
            return self.head(self.blocks(self.project(x)).mean(dim=1))

    net = Classifier()
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()  # on logits: the softmax is inside, as in Keras's fused loss

    def epoch(x, y):
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        order = torch.randperm(len(xt))
        for i in range(0, len(xt), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            loss_fn(net(xt[idx]), yt[idx]).backward()
            opt.step()

    return epoch


def main():
    args = harness.arguments(__doc__)
    if args.torch_server:
        return harness.serve(lambda _: (torch_epoch(), data()))
    child = harness.TorchChild.start(__file__, args.threads)
    print(child.label if child else "PyTorch not installed (pip install torch): gradiente's times only")
    x, y = data()
    harness.compare(MODEL, "epoch", gradiente_epoch(), x, y, child, args, profile_rows=25)
    if child:
        child.close()


if __name__ == "__main__":
    main()
