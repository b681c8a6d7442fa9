"""The lecture's code as a user writes it, checked by mypy in tests/test_typing.py (never run).

``import gradiente as keras``, then the Sequential classifier and the Functional wide & deep
regressor, compiled, trained, evaluated, saved and loaded.
"""
import numpy as np

import gradiente as keras
from gradiente import layers

x_train = np.random.default_rng(0).random((100, 28, 28), dtype=np.float32)
y_train = np.random.default_rng(0).integers(0, 10, 100)

# --- the Sequential classifier ---------------------------------------------------------------
model = keras.Sequential([
    keras.Input(shape=(28, 28)),
    layers.Flatten(),
    layers.Dense(300, activation="relu"),
    layers.Dropout(0.2),
    layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
    layers.Dense(10, activation="softmax"),
])
model.summary()
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=3, batch_size=32, validation_split=0.1, verbose=0)
print(history.history["loss"], history.epoch)
loss, accuracy = model.evaluate(x_train, y_train, verbose=0)
probabilities = model.predict(x_train[:3], verbose=0)
print(probabilities.argmax(axis=-1), loss, accuracy)
model.save("classifier.keras")
restored = keras.models.load_model("classifier.keras")
restored.summary()
same = keras.saving.load_model("classifier.keras")
first = model.layers[1]
weights, biases = first.get_weights()
print(first.name, weights.shape, biases.shape, model.count_params())

# --- the Functional wide & deep regressor ----------------------------------------------------
x_wide = np.random.default_rng(1).random((200, 8), dtype=np.float32)
y_wide = x_wide.sum(axis=1, keepdims=True)
normalization = layers.Normalization()
normalization.adapt(x_wide)
input_ = keras.Input(shape=(8,), name="features")
normalized = normalization(input_)
hidden1 = layers.Dense(30, activation="relu")(normalized)
hidden2 = layers.Dense(30, activation="relu")(hidden1)
concat = layers.concatenate([normalized, hidden2])
output = layers.Dense(1)(concat)
wide_deep = keras.Model(inputs=[input_], outputs=[output])
wide_deep.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse", metrics=["RootMeanSquaredError"])
wide_deep.fit(x_wide, y_wide, epochs=2, validation_data=(x_wide, y_wide), verbose=0,
              callbacks=[keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)])
mse = wide_deep.evaluate(x_wide, y_wide, verbose=0, return_dict=True)
print(mse["loss"], wide_deep.predict(x_wide[:2], verbose=0))

# --- other common layers ---------------------------------------------------------------------
images = keras.Input(shape=(28, 28, 1))
features = layers.Conv2D(32, 3, padding="same", activation="relu")(images)
features = layers.BatchNormalization()(features)
features = layers.MaxPooling2D(pool_size=2)(features)
features = layers.Conv2D(64, (3, 3), strides=(1, 1))(features)
cnn = keras.Model(images, layers.Dense(10)(layers.Flatten()(features)))
tokens = keras.Input(shape=(20,), dtype="int32")
embedded = layers.Embedding(input_dim=1000, output_dim=16, mask_zero=True)(tokens)
sequence = layers.LSTM(32, return_sequences=True)(embedded)
sequence = layers.GRU(16, dropout=0.1)(sequence)
rnn = keras.Model(tokens, layers.LayerNormalization()(layers.Dense(4)(sequence)))
signal = keras.Input(shape=(50, 3))
conv1d = layers.Conv1D(filters=8, kernel_size=5, activation="relu")(signal)
simple = layers.SimpleRNN(8)(conv1d)
print(cnn.count_params(), rnn.count_params(), keras.Model(signal, simple).output_shape)

# --- keras.ops -------------------------------------------------------------------------------
t = keras.ops.convert_to_tensor(np.ones((2, 3), dtype=np.float32))
u = keras.ops.matmul(t, keras.ops.transpose(t))
print(keras.ops.sum(u, axis=0), keras.ops.mean(t), keras.ops.relu(t), keras.ops.softmax(t, axis=-1))
print(keras.ops.reshape(t, (3, 2)), keras.ops.concatenate([t, t], axis=0), keras.ops.exp(t))
