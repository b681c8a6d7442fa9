"""keras.ops.image functions on KerasTensors: a Functional graph records each as an op layer
named as Keras names it (resize (Resize), crop_images (CropImages)), with the right output
shapes; predict equals the eager calls; the model saves and loads."""
import numpy as np

import gradiente as keras

image_ops = keras.ops.image


def test_image_ops_in_a_functional_graph(tmp_path):
    inputs = keras.Input((8, 10, 3))
    x = image_ops.resize(inputs, (6, 6), interpolation="bicubic")
    x = image_ops.affine_transform(x, np.array([1.0, 0, 0.5, 0, 1.0, -0.5, 0, 0], dtype="float32"),
                                   fill_mode="reflect")
    x = image_ops.pad_images(x, 1, 2, target_height=9, target_width=9)
    x = image_ops.crop_images(x, 1, 1, target_height=7, target_width=5)
    outputs = image_ops.rgb_to_grayscale(x)
    model = keras.Model(inputs, outputs)
    assert [(layer.name, type(layer).__name__ if layer.name == "input_1" else layer._display_class)
            for layer in model.layers[1:]] == [
        ("resize", "Resize"), ("affine_transform", "AffineTransform"), ("pad_images", "PadImages"),
        ("crop_images", "CropImages"), ("rgb_to_grayscale", "RgbToGrayscale")]
    assert model.output_shape == (None, 7, 5, 1)

    data = np.random.default_rng(0).uniform(0, 1, (2, 8, 10, 3)).astype("float32")
    eager = image_ops.resize(data, (6, 6), interpolation="bicubic")
    eager = image_ops.affine_transform(eager, np.tile([[1.0, 0, 0.5, 0, 1.0, -0.5, 0, 0]], (2, 1)).astype("float32"),
                                       fill_mode="reflect")
    eager = image_ops.crop_images(image_ops.pad_images(eager, 1, 2, target_height=9, target_width=9), 1, 1,
                                  target_height=7, target_width=5)
    want = image_ops.rgb_to_grayscale(eager).numpy()
    np.testing.assert_allclose(model.predict(data, verbose=0), want, rtol=1e-6)

    model.save(tmp_path / "graph.keras")
    loaded = keras.models.load_model(tmp_path / "graph.keras")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), want, rtol=1e-6)
