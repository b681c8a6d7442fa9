"""keras-io's guide "Working with preprocessing layers" (guides/preprocessing_layers.py) as a
learner copies it, with ``import gradiente as keras`` and ``from gradiente import data as
tf_data``: adapt() on arrays, lists and Datasets; preprocessing inside a tf.data-style pipeline
(augmentation) or inside the model (Normalization); StringLookup / IntegerLookup one-hot,
Hashing + CategoryEncoding, TextVectorization int / multi-hot / TF-IDF models exported as
end-to-end string models.

    python examples/preprocessing_layers_guide.py

What differs from the guide: ``tf.constant([...])`` is ``np.array([...])``; CIFAR-10 is a
small random uint8 array of its shape; ``keras.applications.ResNet50`` (which gradiente does
not have) is a small convnet, and its dataset repeats (64 images, not 50,000, for 5 steps);
each section is a function returning what the guide prints.
"""
import numpy as np

import gradiente as keras
from gradiente import data as tf_data
from gradiente import layers

ADAPT_DATA = np.array(["The Brain is wider than the Sky", "For put them side by side",
                       "The one the other will contain", "With ease and You beside"])
TRAIN_TEXT = (["The Brain is deeper than the sea", "for if they are held Blue to Blue"], [1, 0])


def normalization():
    data = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]])
    layer = layers.Normalization()
    layer.adapt(data)
    normalized_data = layer(data)
    return normalized_data.numpy().mean(), normalized_data.numpy().std()


def string_lookup_fixed_vocabulary():
    vocab = ["a", "b", "c", "d"]
    data = np.array([["a", "c", "d"], ["d", "z", "b"]])
    layer = layers.StringLookup(vocabulary=vocab)
    return layer(data)


def augmented_pipeline(steps_per_epoch=5):
    data_augmentation = keras.Sequential([
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.1),
    ])
    rng = np.random.default_rng(0)  # keras.datasets.cifar10.load_data()'s layout, 64 images
    x_train, y_train = rng.integers(0, 256, (64, 32, 32, 3), dtype="uint8"), rng.integers(0, 10, (64, 1))
    input_shape = x_train.shape[1:]
    classes = 10
    train_dataset = tf_data.Dataset.from_tensor_slices((x_train, y_train))
    train_dataset = train_dataset.batch(16).map(lambda x, y: (data_augmentation(x), y))
    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(8, 3, activation="relu")(x)  # the guide: keras.applications.ResNet50
    outputs = layers.Dense(classes, activation="softmax")(layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return model.fit(train_dataset.repeat(), steps_per_epoch=steps_per_epoch, verbose=0)


def one_hot_lookups():
    data = tf_data.Dataset.from_tensor_slices(np.array(["a", "b", "c", "b", "c", "a"])).batch(3)
    lookup = layers.StringLookup(output_mode="one_hot")
    lookup.adapt(data)
    strings = lookup(np.array(["a", "b", "c", "d", "e", ""]))
    data = tf_data.Dataset.from_tensor_slices(np.array([10, 20, 20, 10, 30, 0])).batch(3)
    lookup = layers.IntegerLookup(output_mode="one_hot")
    lookup.adapt(data)
    integers = lookup(np.array([10, 10, 20, 50, 60, 0]))
    return strings, integers


def hashing_trick():
    data = np.random.randint(0, 100000, size=(10000, 1))
    hasher = layers.Hashing(num_bins=64, salt=1337)
    encoder = layers.CategoryEncoding(num_tokens=64, output_mode="multi_hot")
    return encoder(hasher(data))


def text_model(output_mode, ngrams=None):
    """The guide's three text sections: (encoded sentence, end-to-end model's output)."""
    text_vectorizer = layers.TextVectorization(output_mode=output_mode, ngrams=ngrams)
    text_vectorizer.adapt(ADAPT_DATA)
    encoded = text_vectorizer(["The Brain is deeper than the sea"]).numpy()
    if output_mode == "int":
        inputs = keras.Input(shape=(None,), dtype="int64")
        x = layers.Embedding(input_dim=text_vectorizer.vocabulary_size(), output_dim=16)(inputs)
        x = layers.GRU(8)(x)
    else:
        inputs = keras.Input(shape=(text_vectorizer.vocabulary_size(),))
        x = inputs
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    train_dataset = tf_data.Dataset.from_tensor_slices(TRAIN_TEXT)
    train_dataset = train_dataset.batch(2).map(lambda x, y: (text_vectorizer(x), y))
    model.compile(optimizer="rmsprop", loss="mse")
    model.fit(train_dataset, verbose=0)
    inputs = keras.Input(shape=(1,), dtype="string")
    x = text_vectorizer(inputs)
    outputs = model(x)
    end_to_end_model = keras.Model(inputs, outputs)
    test_data = np.array(["The one the other will absorb"])
    return encoded, end_to_end_model(test_data)


def main():
    print("Features mean: %.2f, std: %.2f" % normalization())
    print(string_lookup_fixed_vocabulary())
    print("augmented pipeline loss:", augmented_pipeline().history["loss"])
    for encoded in one_hot_lookups():
        print(encoded)
    print(hashing_trick().shape)
    for mode, ngrams in (("int", None), ("multi_hot", 2), ("tf_idf", 2)):
        encoded, output = text_model(mode, ngrams)
        print(f"{mode} encoded text:\n", encoded, "\nModel output:", output)


if __name__ == "__main__":
    main()
