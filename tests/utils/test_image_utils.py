"""keras.utils image helpers (array_to_img, img_to_array, save_img, load_img) as Keras 3 has them:
modes by channel count, rescaling to [0, 255], the data format, file round trips, resizing,
the argument errors, and Pillow staying optional."""
import io
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import gradiente as keras
from gradiente.utils import array_to_img, img_to_array, load_img, save_img

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def channels_first():
    keras.config.set_image_data_format("channels_first")
    yield
    keras.config.set_image_data_format("channels_last")


def random_image(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape).astype("uint8")


def test_the_helpers_are_in_keras_utils():
    for name in ("array_to_img", "img_to_array", "save_img", "load_img"):
        assert callable(getattr(keras.utils, name))
    with pytest.raises(AttributeError, match="no attribute 'load_image'"):
        keras.utils.load_image


@pytest.mark.parametrize("channels, mode", [(1, "L"), (3, "RGB"), (4, "RGBA")])
def test_array_to_img_picks_the_mode_from_the_channels(channels, mode):
    pixels = random_image((5, 7, channels))
    img = array_to_img(pixels, scale=False)
    assert img.mode == mode and img.size == (7, 5)  # PIL sizes are (width, height)
    np.testing.assert_array_equal(img_to_array(img, dtype="uint8"), pixels)


def test_wide_grayscale_becomes_32_bit_mode_I():
    pixels = np.arange(12, dtype="float32").reshape(3, 4, 1) * 1000
    img = array_to_img(pixels, scale=False)
    assert img.mode == "I"
    np.testing.assert_array_equal(img_to_array(img), pixels)


def test_scale_stretches_values_to_0_255():
    pixels = np.array([[[-1.0], [0.0]], [[1.0], [3.0]]])
    np.testing.assert_array_equal(img_to_array(array_to_img(pixels))[..., 0], [[0, 63], [127, 255]])
    # A flat image stays at 0 instead of dividing by zero.
    assert np.all(img_to_array(array_to_img(np.full((2, 2, 3), 7.0))) == 0)
    # scale=False takes the values as they are.
    np.testing.assert_array_equal(img_to_array(array_to_img(pixels.clip(0), scale=False))[..., 0], [[0, 0], [1, 3]])


def test_array_to_img_refuses_bad_input():
    with pytest.raises(ValueError, match="rank 3.*shape: \\(4, 4\\)"):
        array_to_img(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        array_to_img(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="data_format"):
        array_to_img(np.zeros((4, 4, 3)), data_format="channels_middle")
    with pytest.raises(TypeError, match="float dtype.*scale=False"):
        array_to_img(np.zeros((4, 4, 3)), dtype="uint8")
    assert array_to_img(np.zeros((4, 4, 3)), dtype="uint8", scale=False).mode == "RGB"


def test_tensors_are_accepted():
    img = array_to_img(keras.ops.ones((3, 2, 3)) * 9.0, scale=False)
    assert img.size == (2, 3) and img.getpixel((0, 0)) == (9, 9, 9)


def test_data_format_argument_and_global_setting(channels_first):
    pixels = random_image((3, 4, 5))  # channels first: 3 channels, 4 rows, 5 columns
    img = array_to_img(pixels, scale=False)
    assert img.size == (5, 4)
    assert img_to_array(img).shape == (3, 4, 5)
    assert img_to_array(img, data_format="channels_last").shape == (4, 5, 3)
    assert img_to_array(img.convert("L")).shape == (1, 4, 5)
    assert array_to_img(pixels.transpose(1, 2, 0), data_format="channels_last", scale=False).size == (5, 4)


def test_img_to_array_dtype_and_shapes():
    img = Image.fromarray(random_image((4, 6)), "L")
    assert img_to_array(img).dtype == np.float32 and img_to_array(img).shape == (4, 6, 1)
    assert img_to_array(img, dtype="uint8").dtype == np.uint8
    keras.config.set_floatx("float64")
    try:
        assert img_to_array(img).dtype == np.float64
    finally:
        keras.config.set_floatx("float32")
    with pytest.raises(ValueError, match="Unsupported image shape"):
        img_to_array(np.zeros(5))
    with pytest.raises(ValueError, match="data_format"):
        img_to_array(img, data_format="NHWC")


@pytest.mark.parametrize("channels, color_mode", [(1, "grayscale"), (3, "rgb"), (4, "rgba")])
def test_png_round_trip_is_exact(tmp_path, channels, color_mode):
    pixels = random_image((9, 11, channels))
    path = tmp_path / "picture.png"
    save_img(path, pixels, scale=False)
    img = load_img(path, color_mode=color_mode)
    np.testing.assert_array_equal(img_to_array(img), pixels)


@pytest.mark.parametrize("name, file_format", [("a.jpg", None), ("b.jpeg", None), ("c.JPG", None),
                                               ("d.jpg", "jpg"), ("e.bin", "JPEG")])
def test_jpeg_round_trip_is_close(tmp_path, name, file_format):
    # Smooth content so the lossy codec stays near the original.
    ramp = np.linspace(0, 255, 32)
    pixels = np.stack(np.broadcast_arrays(ramp[:, None], ramp[None, :], 128.0), axis=-1)
    save_img(str(tmp_path / name), pixels, file_format=file_format, scale=False, quality=95)
    with Image.open(tmp_path / name) as f:
        assert f.format == "JPEG"
    loaded = img_to_array(load_img(tmp_path / name))
    assert loaded.shape == (32, 32, 3) and np.abs(loaded - pixels).mean() < 3


def test_rgba_saved_as_jpeg_drops_alpha_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        save_img(tmp_path / "alpha.jpg", random_image((50, 50, 4)))
    assert img_to_array(load_img(tmp_path / "alpha.jpg")).shape == (50, 50, 3)


def test_save_img_passes_options_to_pillow(tmp_path):
    pixels = random_image((64, 64, 3))
    save_img(tmp_path / "low.jpg", pixels, quality=5)
    save_img(tmp_path / "high.jpg", pixels, quality=95)
    assert (tmp_path / "low.jpg").stat().st_size < (tmp_path / "high.jpg").stat().st_size


def test_file_objects_and_path_types(tmp_path):
    pixels = random_image((6, 5, 3))
    buffer = io.BytesIO()
    save_img(buffer, pixels, file_format="png", scale=False)
    buffer.seek(0)
    np.testing.assert_array_equal(img_to_array(load_img(buffer)), pixels)
    path = tmp_path / "p.png"
    path.write_bytes(buffer.getvalue())
    for where in (path, str(path), str(path).encode()):
        np.testing.assert_array_equal(img_to_array(load_img(where)), pixels)
    with pytest.raises(TypeError, match="path-like or io.BytesIO"):
        load_img(42)
    with pytest.raises(ValueError, match="file_format"):
        save_img(io.BytesIO(), pixels)
    with pytest.raises(ValueError, match="no extension"):
        save_img(tmp_path / "noext", pixels)


def test_color_mode_converts(tmp_path):
    rgb = random_image((4, 4, 3))
    save_img(tmp_path / "rgb.png", rgb, scale=False)
    gray = load_img(tmp_path / "rgb.png", color_mode="grayscale")
    assert gray.mode == "L" and img_to_array(gray).shape == (4, 4, 1)
    rgba = img_to_array(load_img(tmp_path / "rgb.png", color_mode="rgba"))
    assert rgba.shape == (4, 4, 4) and np.all(rgba[..., 3] == 255)
    save_img(tmp_path / "gray.png", rgb[..., :1], scale=False)
    as_rgb = img_to_array(load_img(tmp_path / "gray.png"))
    assert as_rgb.shape == (4, 4, 3) and np.all(as_rgb == as_rgb[..., :1])
    with pytest.raises(ValueError, match='color_mode must be "grayscale", "rgb", or "rgba"'):
        load_img(tmp_path / "rgb.png", color_mode="cmyk")


def test_16_bit_grayscale_is_kept_in_grayscale_mode(tmp_path):
    deep = (np.arange(16, dtype="int32").reshape(4, 4) * 4000)
    Image.fromarray(deep.astype("uint16")).save(tmp_path / "deep.png")
    img = load_img(tmp_path / "deep.png", color_mode="grayscale")
    assert img.mode in ("I", "I;16")
    np.testing.assert_array_equal(img_to_array(img)[..., 0], deep)


def test_target_size_and_interpolation(tmp_path):
    pixels = random_image((6, 10, 3))
    save_img(tmp_path / "x.png", pixels, scale=False)
    original = Image.fromarray(pixels, "RGB")
    filters = getattr(Image, "Resampling", Image)
    for method in ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos"):
        img = load_img(tmp_path / "x.png", target_size=(3, 4), interpolation=method)
        assert img.size == (4, 3)
        expected = original.resize((4, 3), getattr(filters, method.upper()))
        np.testing.assert_array_equal(img_to_array(img), img_to_array(expected))
    # Same size: no resampling at all.
    np.testing.assert_array_equal(img_to_array(load_img(tmp_path / "x.png", target_size=(6, 10))), pixels)
    # Nearest upsampling repeats pixels in 2x2 blocks.
    big = img_to_array(load_img(tmp_path / "x.png", target_size=[12, 20]), dtype="uint8")
    np.testing.assert_array_equal(big[::2, ::2], pixels)


def test_keep_aspect_ratio_crops_the_centre(tmp_path):
    # Width 8, height 4: column c holds the value 30 * c.
    columns = np.tile((np.arange(8) * 30)[None, :, None], (4, 1, 3))
    save_img(tmp_path / "wide.png", columns, scale=False)
    squeezed = img_to_array(load_img(tmp_path / "wide.png", target_size=(4, 4)))[0, :, 0]
    cropped = img_to_array(load_img(tmp_path / "wide.png", target_size=(4, 4), keep_aspect_ratio=True))[0, :, 0]
    np.testing.assert_array_equal(squeezed, [30, 90, 150, 210])  # every other column, by centres
    np.testing.assert_array_equal(cropped, [60, 90, 120, 150])  # the middle four columns
    tall = img_to_array(load_img(tmp_path / "wide.png", target_size=(4, 2), keep_aspect_ratio=True))
    assert tall.shape == (4, 2, 3)


@pytest.mark.parametrize("target_size", [(0, 4), (4,), (4, 4, 4), "ab", (2.5, 3), (True, 2)])
def test_bad_target_size_is_refused(tmp_path, target_size):
    save_img(tmp_path / "x.png", random_image((4, 4, 3)))
    with pytest.raises(ValueError, match="target_size"):
        load_img(tmp_path / "x.png", target_size=target_size)


def test_bad_interpolation_is_refused_even_without_resizing(tmp_path):
    save_img(tmp_path / "x.png", random_image((4, 4, 3)))
    with pytest.raises(ValueError, match="Invalid interpolation method 'cubic'.*nearest, bilinear"):
        load_img(tmp_path / "x.png", target_size=(4, 4), interpolation="cubic")


def test_without_pillow_the_error_says_how_to_install(monkeypatch, tmp_path):
    # A None entry in sys.modules makes `from PIL import Image` raise ImportError.
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    for call in (lambda: array_to_img(np.zeros((2, 2, 3))),
                 lambda: save_img(tmp_path / "x.png", np.zeros((2, 2, 3))),
                 lambda: load_img(tmp_path / "x.png")):
        with pytest.raises(ImportError, match=r"pip install pillow.*pip install gradiente\[image\]"):
            call()
    # Reading a plain array needs no Pillow, as in Keras.
    assert img_to_array(np.zeros((2, 2))).shape == (2, 2, 1)


def test_importing_gradiente_does_not_import_pillow():
    code = ("import sys, gradiente as keras; keras.utils.load_img; keras.utils.save_img; "
            "print('PIL' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=pathlib.Path(__file__).parent)
    assert result.stdout.strip() == "False"
