"""Text classification from a folder of text files, in the spirit of keras-io's "Text
classification from scratch" tutorial: files -> text_dataset_from_directory ->
TextVectorization -> Embedding -> pooling -> Dense.

    python examples/text_classification_from_files.py [folder]

Without a folder the script writes a small synthetic review corpus first, laid out as
IMDB's (``train/pos``, ``train/neg``, ``test/pos``, ``test/neg``, one review per ``.txt``):
mostly neutral filler words, plus a few words of the review's sentiment and fewer of the
other. The model must learn which words carry sentiment, which an averaged embedding does
in a few epochs.
"""
import os
import sys
import tempfile

import numpy as np

import gradiente as keras
from gradiente import layers

NEUTRAL = ("the film plot actor scene story director camera music script cast screen evening ticket "
           "popcorn hall seat sequel trailer studio budget minute hour character dialogue").split()
POSITIVE = "great wonderful superb moving brilliant delightful charming excellent".split()
NEGATIVE = "awful boring dreadful dull clumsy tedious weak terrible".split()
MAX_TOKENS, SEQUENCE_LENGTH = 200, 40


def write_reviews(folder, per_class, seed=0):
    """Write ``per_class`` reviews into ``folder/pos`` and ``folder/neg``."""
    rng = np.random.default_rng(seed)
    for label, own, other in (("pos", POSITIVE, NEGATIVE), ("neg", NEGATIVE, POSITIVE)):
        os.makedirs(os.path.join(folder, label), exist_ok=True)
        for i in range(per_class):
            words = list(rng.choice(NEUTRAL, rng.integers(15, 30)))
            words += list(rng.choice(own, rng.integers(2, 4))) + list(rng.choice(other, rng.integers(0, 2)))
            rng.shuffle(words)
            text = " ".join(words).capitalize() + "."
            with open(os.path.join(folder, label, f"{i}_{label}.txt"), "w", encoding="utf-8") as handle:
                handle.write(text)


def main(directory=None, per_class=300, epochs=6, verbose=1):
    """Train on ``directory/train`` (20% held out for validation), evaluate on
    ``directory/test``; returns (model, history, test results)."""
    keras.utils.set_random_seed(42)
    scratch = None
    if directory is None:
        scratch = tempfile.TemporaryDirectory()
        directory = scratch.name
        write_reviews(os.path.join(directory, "train"), per_class, seed=0)
        write_reviews(os.path.join(directory, "test"), per_class // 2, seed=1)
    try:
        raw_train, raw_val = keras.utils.text_dataset_from_directory(
            os.path.join(directory, "train"), batch_size=32, validation_split=0.2, subset="both", seed=1337,
            verbose=bool(verbose))
        raw_test = keras.utils.text_dataset_from_directory(os.path.join(directory, "test"), batch_size=32,
                                                           verbose=bool(verbose))
        if verbose:
            print("classes:", raw_train.class_names)
        vectorize = layers.TextVectorization(max_tokens=MAX_TOKENS, output_mode="int",
                                             output_sequence_length=SEQUENCE_LENGTH)
        vectorize.adapt(raw_train.map(lambda text, label: text))

        def to_ids(text, label):
            return vectorize(text), label

        # Vectorize inside the pipeline (cached after the first pass), as the tutorial does.
        train_ds = raw_train.map(to_ids).cache().prefetch(keras.data.AUTOTUNE)
        val_ds = raw_val.map(to_ids).cache().prefetch(keras.data.AUTOTUNE)
        test_ds = raw_test.map(to_ids)
        model = keras.Sequential([
            keras.Input(shape=(SEQUENCE_LENGTH,), dtype="int64"),
            layers.Embedding(MAX_TOKENS, 16),
            layers.GlobalAveragePooling1D(),
            layers.Dropout(0.2),
            layers.Dense(1, activation="sigmoid"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=verbose)
        results = model.evaluate(test_ds, verbose=verbose, return_dict=True)
        if verbose:
            print(f"test accuracy {results['accuracy']:.3f} (chance: 0.5)")
        return model, history, results
    finally:
        if scratch is not None:
            scratch.cleanup()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
