"""examples/preprocessing_layers_guide.py: the guide's snippets run as written and print what
the guide's rendered output (made with Keras) shows: lookups' indices and one-hot rows, the
TextVectorization int / multi-hot / TF-IDF encodings of "The Brain is deeper than the sea"."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))

import preprocessing_layers_guide as guide  # noqa: E402


def test_adapted_normalization_and_fixed_vocabulary_lookup():
    mean, std = guide.normalization()
    assert abs(mean) < 1e-6 and abs(std - 1) < 1e-5
    np.testing.assert_array_equal(guide.string_lookup_fixed_vocabulary().numpy(), [[1, 3, 4], [4, 0, 2]])


def test_one_hot_lookups_adapted_on_datasets_match_the_guide():
    strings, integers = guide.one_hot_lookups()
    # Unknown values ("d", "e", "" / 50, 60) fall in the OOV column 0. IntegerLookup has no mask
    # token by default, so 0 is an adapted value (least frequent: the last column).
    np.testing.assert_array_equal(strings.numpy(), [[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0],
                                                    [1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]])
    np.testing.assert_array_equal(integers.numpy(), [[0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 1, 0, 0, 0],
                                                     [1, 0, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]])


def test_hashing_then_multi_hot_marks_one_bin_per_row():
    encoded = guide.hashing_trick().numpy()
    assert encoded.shape == (10000, 64)
    np.testing.assert_array_equal(encoded.sum(axis=1), np.ones(10000))
    assert (encoded.sum(axis=0) > 0).sum() > 60  # 10,000 values spread over the 64 bins


def test_text_vectorization_encodings_match_the_guide_and_export_string_models():
    encoded, output = guide.text_model("int")
    np.testing.assert_array_equal(encoded, [[2, 19, 14, 1, 9, 2, 1]])
    assert tuple(output.shape) == (1, 1) and np.isfinite(output.numpy()).all()
    encoded, _ = guide.text_model("multi_hot", ngrams=2)
    assert encoded.shape == (1, 41)
    assert np.flatnonzero(encoded[0]).tolist() == [0, 1, 16, 17, 18, 28, 36, 37]
    encoded, output = guide.text_model("tf_idf", ngrams=2)
    expected = np.zeros(41, dtype="float32")
    expected[[0, 1]] = [5.461647, 1.6945957]
    expected[[16, 17, 18, 28, 36, 37]] = 1.0986123  # log(1 + 4 / (1 + 1)): tokens in one of 4 texts
    np.testing.assert_allclose(encoded[0], expected, rtol=1e-6)
    assert tuple(output.shape) == (1, 1)


def test_augmentation_mapped_over_a_dataset_feeds_fit():
    history = guide.augmented_pipeline(steps_per_epoch=3)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
