"""Time-series classification with a Transformer encoder, in the spirit of keras-io's
"Timeseries classification with a Transformer model" tutorial, on synthetic signals the
script generates (the tutorial uses the FordA engine recordings).

    python examples/timeseries_transformer.py

Each series is 64 noisy samples of one channel. Class 0 is a slow sine, class 1 a sine of
twice the frequency; phase and amplitude are random, so no single time step tells them
apart and the model must compare steps, as attention does. A convolution first lifts each
step and its neighbours to a few features (the tutorial's recordings feed the block directly). The encoder block is written as
a function of Keras layers (Functional API): layer normalization, multi-head
self-attention, dropout and a residual connection, then a position-wise feed-forward
network of two kernel-size-1 convolutions with its own residual connection.
"""
import numpy as np

import gradiente as keras
from gradiente import layers

STEPS = 64


def signals(n, seed=0):
    """(series (n, STEPS, 1) float32, labels (n,) int32)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    t = np.arange(STEPS) / STEPS
    cycles = np.where(labels == 0, 2.0, 4.0)[:, None]
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    amplitude = rng.uniform(0.5, 1.5, (n, 1))
    series = amplitude * np.sin(2 * np.pi * cycles * t + phase) + rng.normal(0, 0.3, (n, STEPS))
    return series[..., None].astype("float32"), labels.astype("int32")


def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0.0):
    x = layers.LayerNormalization(epsilon=1e-6)(inputs)
    x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads, dropout=dropout)(x, x)
    x = layers.Dropout(dropout)(x)
    res = layers.Add()([x, inputs])
    x = layers.LayerNormalization(epsilon=1e-6)(res)
    x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
    return layers.Add()([x, res])


def build(model_dim=16, head_size=16, num_heads=2, ff_dim=8, num_blocks=2, mlp_units=(32,), dropout=0.1, mlp_dropout=0.1,
          n_classes=2):
    inputs = keras.Input(shape=(STEPS, 1))
    # One channel would leave layer normalization nothing to normalize (its output would be
    # constant), and attention and pooling ignore order, so a convolution first lifts each
    # step, with its neighbours, to a few features.
    x = layers.Conv1D(model_dim, kernel_size=5, padding="same")(inputs)
    for _ in range(num_blocks):
        x = transformer_encoder(x, head_size, num_heads, ff_dim, dropout)
    x = layers.GlobalAveragePooling1D(data_format="channels_last")(x)
    for units in mlp_units:
        x = layers.Dense(units, activation="relu")(x)
        x = layers.Dropout(mlp_dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main(train=1000, epochs=10, verbose=1):
    keras.utils.set_random_seed(1)
    x_train, y_train = signals(train, seed=0)
    x_test, y_test = signals(500, seed=1)
    model = build()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(3e-3),
                  metrics=["sparse_categorical_accuracy"])
    callbacks = [keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)]
    history = model.fit(x_train, y_train, validation_split=0.2, epochs=epochs, batch_size=32,
                        callbacks=callbacks, verbose=verbose)
    results = model.evaluate(x_test, y_test, verbose=verbose, return_dict=True)
    if verbose:
        print(f"test accuracy {results['sparse_categorical_accuracy']:.3f} (chance: 0.5)")
    return model, history, results


if __name__ == "__main__":
    main()
