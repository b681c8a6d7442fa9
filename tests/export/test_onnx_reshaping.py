"""ONNX export of the reshaping layers."""
import pytest

import gradiente as keras
from gradiente import layers


def test_flatten_reshape_permute_repeat(check_export, randomized, rng):
    inputs = keras.Input((3, 4, 2))
    a = layers.Flatten()(inputs)
    b = layers.Reshape((4, -1))(inputs)
    c = layers.Reshape((2, 12))(inputs)
    d = layers.Permute((3, 1, 2))(inputs)
    e = layers.RepeatVector(3)(layers.Dense(5)(a))
    model = randomized(keras.Model(inputs, [a, b, c, d, e]))
    check_export(model, rng.normal(size=(3, 3, 4, 2)).astype("float32"))


def test_flatten_of_a_vector_and_reshape_with_unknown_steps(check_export, rng):
    vec = keras.Input(())
    seq = keras.Input((None, 4))
    model = keras.Model([vec, seq], [layers.Flatten()(vec), layers.Reshape((-1, 2))(seq)])
    check_export(model, rng.normal(size=(3,)).astype("float32"), rng.normal(size=(3, 5, 4)).astype("float32"))


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_padding_cropping_upsampling(rank, data_format, check_export, rng):
    spatial = {1: (5,), 2: (4, 5), 3: (3, 4, 5)}[rank]
    if rank == 1:
        data_format = "channels_last"  # the 1D layers have no data_format
    kw = {} if rank == 1 else {"data_format": data_format}
    shape = (2,) + spatial if data_format == "channels_first" else spatial + (2,)
    pad = {1: (1, 2), 2: ((1, 0), (2, 1)), 3: ((0, 1), (1, 1), (2, 0))}[rank]
    crop = {1: (1, 0), 2: ((1, 1), (0, 2)), 3: ((1, 0), (0, 1), (1, 2))}[rank]
    size = {1: 3, 2: (2, 3), 3: (2, 1, 2)}[rank]
    inputs = keras.Input(shape)
    outputs = [getattr(layers, f"ZeroPadding{rank}D")(pad, **kw)(inputs),
               getattr(layers, f"Cropping{rank}D")(crop, **kw)(inputs),
               getattr(layers, f"UpSampling{rank}D")(size, **kw)(inputs)]
    if rank == 2:
        outputs.append(layers.UpSampling2D((2, 3), interpolation="bilinear", **kw)(inputs))
    check_export(keras.Model(inputs, outputs), rng.normal(size=(3,) + shape).astype("float32"))


def test_bilinear_needs_known_sizes(tmp_path):
    model = keras.Sequential([keras.Input((None, 4, 1)),
                              layers.UpSampling2D(2, interpolation="bilinear", name="up")])
    with pytest.raises(ValueError, match=r"'up' \(UpSampling2D\).*bilinear"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)


def test_time_distributed(check_export, randomized, rng):
    inputs = keras.Input((None, 6, 6, 2))  # any number of frames
    h = layers.TimeDistributed(layers.Conv2D(3, 3, activation="relu"))(inputs)
    h = layers.TimeDistributed(layers.Flatten())(h)
    h = layers.TimeDistributed(layers.Dense(4))(h)
    model = randomized(keras.Model(inputs, layers.GRU(2)(h)))
    check_export(model, rng.normal(size=(3, 4, 6, 6, 2)).astype("float32"))


def test_augmentation_is_identity_at_inference(check_export, randomized, rng):
    model = keras.Sequential([keras.Input((6, 6, 3)), layers.RandomFlip(), layers.RandomRotation(0.2),
                              layers.RandomTranslation(0.1, 0.1), layers.RandomZoom(0.2),
                              layers.RandomContrast(0.3), layers.RandomBrightness(0.2),
                              layers.Conv2D(2, 3), layers.GlobalMaxPooling2D()])
    check_export(randomized(model), rng.uniform(0, 1, (3, 6, 6, 3)).astype("float32"))
