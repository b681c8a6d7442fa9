"""Text classification with a Transformer block, in the spirit of keras-io's "Text
classification with Transformer" tutorial, on synthetic movie reviews the script generates.

    python examples/text_classification_transformer.py

Each review is a sequence of word ids: mostly neutral words, plus one or three words that
are positive or negative; a review is positive when its positive words outnumber its
negative ones. The model must find the few words that matter among the many that do not,
which self-attention over token + position embeddings learns in a few epochs.
Two subclassed layers carry the model: ``TokenAndPositionEmbedding`` and
``TransformerBlock`` (multi-head self-attention and a feed-forward network, each with a
residual connection, dropout and layer normalization).
"""
import numpy as np

import gradiente as keras
from gradiente import layers, ops

VOCABULARY, MAXLEN = 100, 24
POSITIVE, NEGATIVE = np.arange(10, 20), np.arange(20, 30)


class TransformerBlock(layers.Layer):
    """(batch, steps, embed_dim) -> same shape: self-attention, then a position-wise
    feed-forward network, each added back to its input and normalized."""

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attended = self.dropout1(self.att(inputs, inputs), training=training)
        mixed = self.layernorm1(inputs + attended)
        transformed = self.dropout2(self.ffn(mixed), training=training)
        return self.layernorm2(mixed + transformed)


class TokenAndPositionEmbedding(layers.Layer):
    """Word ids (batch, steps) -> (batch, steps, embed_dim): a learned vector per word plus
    a learned vector per position, so attention can tell where each word stands."""

    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        positions = self.pos_emb(ops.arange(0, ops.shape(x)[-1], 1))
        return self.token_emb(x) + positions


def reviews(n, seed=0):
    """(ids (n, MAXLEN) int32, labels (n,) int32) from the rule in the module docstring."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(30, VOCABULARY, (n, MAXLEN))
    for row in ids:
        slots = rng.choice(MAXLEN, size=rng.choice([1, 3]), replace=False)  # an odd count: no ties
        row[slots] = rng.choice(np.concatenate([POSITIVE, NEGATIVE]), size=len(slots))
    score = np.isin(ids, POSITIVE).sum(axis=1) - np.isin(ids, NEGATIVE).sum(axis=1)
    return ids.astype("int32"), (score > 0).astype("int32")


def build(embed_dim=32, num_heads=2, ff_dim=32):
    inputs = layers.Input(shape=(MAXLEN,), dtype="int32")
    x = TokenAndPositionEmbedding(MAXLEN, VOCABULARY, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, num_heads, ff_dim)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def main(train=2000, epochs=5, verbose=1):
    keras.utils.set_random_seed(7)
    x_train, y_train = reviews(train, seed=0)
    x_test, y_test = reviews(1000, seed=1)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=verbose)
    results = model.evaluate(x_test, y_test, verbose=verbose, return_dict=True)
    if verbose:
        print(f"test accuracy {results['accuracy']:.3f} (the majority class: {max(y_test.mean(), 1 - y_test.mean()):.3f})")
    return model, history, results


if __name__ == "__main__":
    main()
