"""keras-io's "Text classification from scratch" (examples/nlp/text_classification_from_scratch.py)
as a learner copies it, with ``import gradiente as keras``: files -> text_dataset_from_directory
-> TextVectorization with a custom standardization -> Conv1D classifier -> an end-to-end model
that reads raw strings.

    python examples/text_classification_from_scratch.py [folder holding aclImdb/]

Without a folder the script writes a small review corpus laid out as IMDB's ``aclImdb``
(``train/pos``, ``train/neg``, ``train/unsup``, ``test/...``; HTML line breaks in the text):
neutral filler words plus a few words of the review's sentiment. The tutorial's code is kept;
what differs from it:
- its ``custom_standardization`` uses TensorFlow's string ops (``tf.strings.lower``,
  ``tf.strings.regex_replace``); here the layer hands the callable a NumPy string array, so
  the same steps are ``np.char.lower``, ``np.char.replace`` and ``re`` per string;
- ``tf.expand_dims`` is ``keras.ops.expand_dims``;
- batches print ``str`` where tf.data prints ``bytes``;
- the sizes (sequence length, epochs) are cut to the small corpus: ``main``'s arguments.
"""
import os
import re
import shutil
import string
import sys
import tempfile

import numpy as np

import gradiente as keras
from gradiente import layers

NEUTRAL = ("the film plot actor scene story director camera music script cast screen evening ticket "
           "popcorn hall seat sequel trailer studio budget minute hour character dialogue").split()
POSITIVE = "great wonderful superb moving brilliant delightful charming excellent".split()
NEGATIVE = "awful boring dreadful dull clumsy tedious weak terrible".split()


def write_aclimdb(root, per_class=200, seed=0):
    """Write ``root/aclImdb`` (train: ``per_class`` reviews a class, test: half as many)."""
    rng = np.random.default_rng(seed)
    for split, count in (("train", per_class), ("test", per_class // 2)):
        for label, own, other in (("pos", POSITIVE, NEGATIVE), ("neg", NEGATIVE, POSITIVE)):
            folder = os.path.join(root, "aclImdb", split, label)
            os.makedirs(folder, exist_ok=True)
            for i in range(count):
                words = list(rng.choice(NEUTRAL, rng.integers(15, 30))) + list(rng.choice(own, 3))
                words += list(rng.choice(other, rng.integers(0, 2)))
                rng.shuffle(words)
                text = " ".join(words[:10]).capitalize() + ".<br /><br />" + " ".join(words[10:]) + "!"
                with open(os.path.join(folder, f"{i}_{rng.integers(1, 11)}.txt"), "w", encoding="utf-8") as f:
                    f.write(text)
    # Unlabelled reviews, which the tutorial deletes before reading the class folders.
    os.makedirs(os.path.join(root, "aclImdb", "train", "unsup"), exist_ok=True)
    with open(os.path.join(root, "aclImdb", "train", "unsup", "0_0.txt"), "w", encoding="utf-8") as f:
        f.write("An unlabelled review.")


def custom_standardization(input_data):
    lowercase = np.char.lower(input_data)
    stripped_html = np.char.replace(lowercase, "<br />", " ")
    punctuation = re.compile(f"[{re.escape(string.punctuation)}]")
    return np.vectorize(lambda text: punctuation.sub("", text), otypes=[str])(stripped_html)


def main(root, max_features=20000, embedding_dim=128, sequence_length=500, epochs=3, verbose=1):
    """The tutorial on ``root/aclImdb``; returns (end_to_end_model, history, test results of
    the string model)."""
    shutil.rmtree(os.path.join(root, "aclImdb", "train", "unsup"), ignore_errors=True)
    batch_size = 32
    raw_train_ds = keras.utils.text_dataset_from_directory(
        os.path.join(root, "aclImdb/train"), batch_size=batch_size, validation_split=0.2, subset="training",
        seed=1337, verbose=bool(verbose),
    )
    raw_val_ds = keras.utils.text_dataset_from_directory(
        os.path.join(root, "aclImdb/train"), batch_size=batch_size, validation_split=0.2, subset="validation",
        seed=1337, verbose=bool(verbose),
    )
    raw_test_ds = keras.utils.text_dataset_from_directory(os.path.join(root, "aclImdb/test"),
                                                          batch_size=batch_size, verbose=bool(verbose))
    if verbose:
        print(f"Number of batches in raw_train_ds: {raw_train_ds.cardinality()}")
        for text_batch, label_batch in raw_train_ds.take(1):
            for i in range(5):
                print(text_batch.numpy()[i])
                print(label_batch.numpy()[i])

    vectorize_layer = keras.layers.TextVectorization(
        standardize=custom_standardization,
        max_tokens=max_features,
        output_mode="int",
        output_sequence_length=sequence_length,
    )
    text_ds = raw_train_ds.map(lambda x, y: x)
    vectorize_layer.adapt(text_ds)

    def vectorize_text(text, label):
        text = keras.ops.expand_dims(text, -1)
        return vectorize_layer(text), label

    train_ds = raw_train_ds.map(vectorize_text)
    val_ds = raw_val_ds.map(vectorize_text)
    train_ds = train_ds.cache().prefetch(buffer_size=10)
    val_ds = val_ds.cache().prefetch(buffer_size=10)

    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=verbose)

    # The end-to-end model reads raw strings: the vectorization becomes part of the model.
    inputs = keras.Input(shape=(1,), dtype="string")
    indices = vectorize_layer(inputs)
    outputs = model(indices)
    end_to_end_model = keras.Model(inputs, outputs)
    end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    results = end_to_end_model.evaluate(raw_test_ds, verbose=verbose, return_dict=True)
    return end_to_end_model, history, results


if __name__ == "__main__":
    keras.utils.set_random_seed(1337)
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as scratch:
            write_aclimdb(scratch)
            # The generated reviews are short: 64 tokens hold all of one.
            main(scratch, sequence_length=64, epochs=10)
