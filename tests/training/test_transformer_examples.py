"""The Transformer examples (examples/text_classification_transformer.py and
examples/timeseries_transformer.py) train on their generated data, small, and learn."""
import sys
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))


def test_text_classifier_with_a_subclassed_transformer_block_learns():
    import text_classification_transformer as example

    _, labels = example.reviews(1000, seed=1)
    assert 0.4 < labels.mean() < 0.6  # balanced classes: chance is about one half
    model, history, results = example.main(train=800, epochs=4, verbose=0)
    assert results["accuracy"] > 0.85
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_timeseries_transformer_learns_and_fit_replays_its_step():
    import timeseries_transformer as example

    model, history, results = example.main(train=320, epochs=3, verbose=0)
    assert results["sparse_categorical_accuracy"] > 0.85
    assert any(r is not None for r in model._compiled_step.replays.values())
    assert np.isfinite(history.history["loss"]).all()
