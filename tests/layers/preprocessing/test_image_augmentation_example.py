"""examples/image_augmentation_classifier.py: PNG files written with Pillow into a class
folder tree, read by keras.utils.image_dataset_from_directory, a convnet with augmentation
layers trained by fit (its step replayed), validation accuracy far above chance (0.5)."""
import sys
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
sys.path.insert(0, str(EXAMPLES))


def test_augmented_classifier_learns_stripe_orientation_from_png_files(tmp_path):
    import image_augmentation_classifier as example

    model, history, accuracy = example.main(directory=tmp_path, per_class=40, epochs=3, verbose=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["horizontal", "vertical"]
    assert len(list((tmp_path / "vertical").glob("*.png"))) == 40
    assert accuracy >= 0.85
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert any(r is not None for r in model._compiled_step.replays.values())
    # Augmentation is off at inference: predictions are repeatable.
    image = example.stripes("vertical", np.random.default_rng(5))[None].astype("float32")
    np.testing.assert_array_equal(model.predict(image, verbose=0), model.predict(image, verbose=0))
    assert model.predict(image, verbose=0).argmax() == 1
