"""examples/text_classification_from_files.py: text files in tmp_path -> text_dataset_from_directory
-> TextVectorization -> Embedding -> pooling -> Dense learns well above chance."""
import sys
from pathlib import Path

import pytest

import gradiente as keras

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))


@pytest.mark.skipif(not hasattr(keras.layers, "TextVectorization"), reason="layers.TextVectorization is missing")
def test_text_classifier_from_a_folder_of_files_learns(tmp_path):
    import text_classification_from_files as example

    example.write_reviews(tmp_path / "train", per_class=120, seed=0)
    example.write_reviews(tmp_path / "test", per_class=60, seed=1)
    assert len(list((tmp_path / "train" / "pos").glob("*.txt"))) == 120
    model, history, results = example.main(directory=str(tmp_path), epochs=8, verbose=0)
    assert results["accuracy"] > 0.85  # two balanced classes: chance is 0.5
    assert history.history["val_accuracy"][-1] > 0.85
    assert history.history["loss"][-1] < 0.75 * history.history["loss"][0]
