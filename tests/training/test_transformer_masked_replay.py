"""A Transformer text classifier whose padding comes from Embedding(mask_zero=True): fit
replays its traced step (the mask is an op on each batch's ids, and MultiHeadAttention,
Add, LayerNormalization, Dropout and the masked GlobalAveragePooling1D use it through ops),
the replayed losses and weights match a run_eagerly=True run, and padded positions never
reach the output."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers

VOCAB, LENGTH, WIDTH = 30, 10, 16


def _reviews(n, seed=0):
    """Token ids 1..29 padded with 0 after a random length; positive when more ids fall
    below 10 than above 20."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, VOCAB, size=(n, LENGTH))
    lengths = rng.integers(2, LENGTH + 1, size=n)
    tokens[np.arange(LENGTH)[None] >= lengths[:, None]] = 0
    real = tokens != 0
    labels = ((tokens < 10) & real).sum(1) > ((tokens > 20) & real).sum(1)
    return tokens.astype("int32"), labels.astype("int32")


def _classifier(seed=5, dropout=0.1):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((LENGTH,), dtype="int32")
    x = layers.Embedding(VOCAB, WIDTH, mask_zero=True)(inputs)
    # A post-norm encoder block, as Keras's Transformer examples write it.
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=8, dropout=dropout)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, layers.Dropout(dropout)(attended)]))
    ff = layers.Dense(WIDTH)(layers.Dense(32, activation="relu")(x))
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, layers.Dropout(dropout)(ff)]))
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(2)(x))


class _BatchLosses(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.model._seen_losses.append(logs["loss"])


def _fit(model, x, y, run_eagerly, epochs=2):
    model.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], run_eagerly=run_eagerly)
    model._seen_losses = []
    keras.utils.set_random_seed(11)  # the same shuffles and dropout draws for both runs
    history = model.fit(x, y, epochs=epochs, batch_size=32, verbose=0, callbacks=[_BatchLosses()])
    return history, np.array(model._seen_losses)


@pytest.mark.parametrize("dropout", [0.0, 0.1])
def test_masked_transformer_is_replayed_and_matches_eager(dropout):
    x, y = _reviews(384)
    replayed, eager = _classifier(dropout=dropout), _classifier(dropout=dropout)
    _, replayed_losses = _fit(replayed, x, y, run_eagerly=False)
    _, eager_losses = _fit(eager, x, y, run_eagerly=True)
    step = replayed._compiled_step
    # One signature (384 = 12 full batches): traced, checked against eager, then replayed.
    assert len(step.replays) == 1 and all(r is not None for r in step.replays.values())
    assert len(replayed_losses) == len(eager_losses) == 24
    np.testing.assert_allclose(replayed_losses, eager_losses, rtol=1e-6, atol=1e-7)
    for a, b in zip(replayed.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_replayed_steps_read_each_batchs_padding():
    """Batches padded differently from the traced one: a replay that kept the traced mask
    would differ from eager at once, and the replay is trusted only if it does not."""
    x, y = _reviews(256, seed=3)
    x[:32, 5:] = 0   # the traced batch: heavily padded
    x[32:64] = np.where(x[32:64] == 0, 4, x[32:64])  # the checked batch: no padding at all
    replayed, eager = _classifier(dropout=0.0), _classifier(dropout=0.0)
    replayed.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    eager.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), run_eagerly=True)
    a = replayed.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    b = eager.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    assert all(r is not None for r in replayed._compiled_step.replays.values())
    np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=1e-6)


def test_padded_positions_never_reach_the_output():
    x, y = _reviews(384)
    model = _classifier(dropout=0.1)
    history, _ = _fit(model, x, y, run_eagerly=False, epochs=4)
    assert any(r is not None for r in model._compiled_step.replays.values())
    assert history.history["accuracy"][-1] > 0.75  # chance is about 0.5
    before = model.predict(x[:64], verbose=0)
    embedding = model.layers[1]
    table = embedding.embeddings.numpy().copy()
    table[0] = np.random.default_rng(0).normal(scale=5.0, size=WIDTH)  # the padding id's vector
    embedding.embeddings.assign(table)
    after = model.predict(x[:64], verbose=0)
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)
    # ... while a real id's vector does matter (the check above can fail).
    table[x[0, 0]] += 5.0
    embedding.embeddings.assign(table)
    assert not np.allclose(model.predict(x[:64], verbose=0), before, atol=1e-3)


class TransformerBlock(layers.Layer):
    """The block of Keras's text-classification example, with the one gradiente-specific
    line a subclassed layer needs to be replayed: ``traceable = True`` (its call is layers
    and ops only), and ``supports_masking`` so the padding mask reaches the pooling."""

    traceable = True

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim // num_heads)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1, self.dropout2 = layers.Dropout(rate), layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.dropout1(self.att(inputs, inputs), training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.dropout2(self.ffn(out1), training=training)
        return self.layernorm2(out1 + ffn_output)


def test_a_subclassed_transformer_block_replays_with_the_padding_mask():
    x, y = _reviews(384, seed=4)

    def build():
        keras.utils.set_random_seed(5)
        inputs = keras.Input((LENGTH,), dtype="int32")
        h = layers.Embedding(VOCAB, WIDTH, mask_zero=True)(inputs)
        h = layers.GlobalAveragePooling1D()(TransformerBlock(WIDTH, 2, 32)(h))
        return keras.Model(inputs, layers.Dense(2)(h))

    replayed, eager = build(), build()
    _, replayed_losses = _fit(replayed, x, y, run_eagerly=False)
    _, eager_losses = _fit(eager, x, y, run_eagerly=True)
    assert all(r is not None for r in replayed._compiled_step.replays.values())
    np.testing.assert_allclose(replayed_losses, eager_losses, rtol=1e-6, atol=1e-7)
    # The mask went through the block: padding changes nothing.
    table = replayed.layers[1].embeddings.numpy().copy()
    before = replayed.predict(x[:32], verbose=0)
    table[0] += 4.0
    replayed.layers[1].embeddings.assign(table)
    np.testing.assert_allclose(replayed.predict(x[:32], verbose=0), before, rtol=1e-5, atol=1e-6)
