"""examples/text_classification_from_scratch.py: keras-io's tutorial code on a generated aclImdb
tree: the unsup folder removed, a NumPy custom standardization (HTML breaks, punctuation),
Conv1D classifier fed by a mapped Dataset, then the end-to-end string model well above chance."""
import sys
from pathlib import Path

import numpy as np

import gradiente as keras

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))


def test_custom_standardization_strips_html_breaks_and_punctuation():
    import text_classification_from_scratch as example

    out = example.custom_standardization(np.array([["Great film.<br /><br />A MUST-see!"]]))
    assert out.shape == (1, 1) and out[0, 0] == "great film  a mustsee"


def test_tutorial_learns_and_its_string_model_reads_raw_files(tmp_path, capsys):
    import text_classification_from_scratch as example

    example.write_aclimdb(tmp_path, per_class=150, seed=0)
    keras.utils.set_random_seed(1337)
    model, history, results = example.main(str(tmp_path), embedding_dim=64, sequence_length=40, epochs=12,
                                           verbose=1)
    assert not (tmp_path / "aclImdb" / "train" / "unsup").exists()
    printed = capsys.readouterr().out
    assert "Using 240 files for training." in printed and "<br />" in printed  # text_batch.numpy()[i]
    assert history.history["val_accuracy"][-1] > 0.85  # two balanced classes: chance is 0.5
    assert results["accuracy"] > 0.85
    # The string model scores new raw reviews (class 1 is "pos", the folders sorted).
    filler = "The plot, the cast and the music of this film; an evening at the hall with popcorn. "
    reviews = np.array([[filler + "Superb, brilliant, wonderful!"], [filler + "Dreadful, boring, tedious!"]])
    scores = model.predict(reviews, verbose=0)
    assert scores[0, 0] > 0.5 > scores[1, 0]
