import os

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")  # the `image` extra; installed by the dev extra in CI
from PIL import Image  # noqa: E402

from gradiente import utils  # noqa: E402


def make_tree(root, classes=("dogs", "cats", "birds"), per_class=3, size=(6, 8), nested=True):
    """PNG files whose pixel value encodes (class index in alphanumeric order, file number)."""
    paths = {}
    for name in classes:
        folder = root / name
        folder.mkdir()
        for i in range(per_class):
            value = 40 * sorted(classes).index(name) + i
            sub = folder / "deep" if nested and i == per_class - 1 else folder
            sub.mkdir(exist_ok=True)
            path = sub / f"img_{i}.png"
            Image.fromarray(np.full(size + (3,), value, np.uint8)).save(path)
            paths[str(path)] = value
    (root / ".hidden").mkdir()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(root / ".hidden" / "x.png")
    (root / classes[0] / "notes.md").write_text("not an image")
    return paths


def sorted_order(root, classes):
    """Keras's order written out: class folders sorted; below each, folders in path order and
    files by name."""
    out = []
    for name in sorted(classes):
        for folder, _, files in sorted(os.walk(root / name), key=lambda e: e[0]):
            out += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".png")]
    return out


def test_class_names_order_labels_and_pixels(tmp_path, capsys):
    values = make_tree(tmp_path)
    ds = utils.image_dataset_from_directory(tmp_path, image_size=(6, 8), batch_size=4, shuffle=False)
    assert "Found 9 files belonging to 3 classes." in capsys.readouterr().out
    assert ds.class_names == ["birds", "cats", "dogs"]
    assert ds.file_paths == sorted_order(tmp_path, ["dogs", "cats", "birds"])
    images, labels = map(np.concatenate, zip(*list(ds)))
    assert images.shape == (9, 6, 8, 3) and images.dtype == np.float32 and labels.dtype == np.int32
    assert labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    np.testing.assert_array_equal(images[:, 0, 0, 0], [values[p] for p in ds.file_paths])
    assert len(ds) == 3


def test_seeded_shuffle_and_split_are_keras_s(tmp_path):
    make_tree(tmp_path, per_class=5)
    order = sorted_order(tmp_path, ["dogs", "cats", "birds"])
    index = np.arange(len(order))
    np.random.RandomState(123).shuffle(index)
    keras_order = [order[i] for i in index]
    train, val = utils.image_dataset_from_directory(
        tmp_path, image_size=(4, 4), batch_size=5, seed=123, validation_split=0.2, subset="both", verbose=False)
    assert train.file_paths == keras_order[:12] and val.file_paths == keras_order[12:]
    only_val = utils.image_dataset_from_directory(
        tmp_path, image_size=(4, 4), seed=123, validation_split=0.2, subset="validation", verbose=False)
    assert only_val.file_paths == val.file_paths
    # Labels travel with their files through the shuffles.
    names = train.class_names
    seen = []
    for images, labels in train:
        seen += labels.tolist()
        for image, label in zip(images, labels):
            assert image[0, 0, 0] // 40 == label
    assert sorted(seen) == sorted(names.index(p.split(os.sep)[-2 if "deep" not in p else -3]) for p in keras_order[:12])
    # Each pass reshuffles within the buffer; the same seed reproduces the passes.
    make = lambda: utils.image_dataset_from_directory(
        tmp_path, image_size=(4, 4), batch_size=5, seed=123, validation_split=0.2, subset="training", verbose=False)
    a, b = make(), make()
    passes_a = [[lbl.tolist() for _, lbl in a] for _ in range(3)]
    assert passes_a == [[lbl.tolist() for _, lbl in b] for _ in range(3)]
    assert len({str(p) for p in passes_a}) > 1


def test_label_modes_color_modes_and_channels_first(tmp_path):
    make_tree(tmp_path, classes=("no", "yes"), per_class=2)
    kw = dict(image_size=(3, 3), shuffle=False, verbose=False)
    _, binary = next(iter(utils.image_dataset_from_directory(tmp_path, label_mode="binary", **kw)))
    assert binary.dtype == np.float32 and binary.tolist() == [[0.0], [0.0], [1.0], [1.0]]
    _, onehot = next(iter(utils.image_dataset_from_directory(tmp_path, label_mode="categorical", **kw)))
    np.testing.assert_array_equal(onehot, [[1, 0], [1, 0], [0, 1], [0, 1]])
    images = next(iter(utils.image_dataset_from_directory(tmp_path, label_mode=None, color_mode="grayscale", **kw)))
    # Without labels every image below the folder counts, the hidden folder's too (as Keras).
    assert isinstance(images, np.ndarray) and images.shape == (5, 3, 3, 1)
    rgba, _ = next(iter(utils.image_dataset_from_directory(tmp_path, color_mode="rgba", **kw)))
    assert rgba.shape == (4, 3, 3, 4) and (rgba[..., 3] == 255).all()
    first, _ = next(iter(utils.image_dataset_from_directory(tmp_path, data_format="channels_first", **kw)))
    assert first.shape == (4, 3, 3, 3)
    unbatched = utils.image_dataset_from_directory(tmp_path, batch_size=None, **kw)
    image, label = next(iter(unbatched))
    assert image.shape == (3, 3, 3) and label == 0
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        utils.image_dataset_from_directory(tmp_path, label_mode="binary", class_names=["no"], **kw)


def tf_resize_loop(image, size, method):
    """tf.image.resize (half-pixel centres, no antialias), one output pixel at a time."""
    h, w, _ = image.shape
    out = np.zeros(size + image.shape[2:])
    for i in range(size[0]):
        for j in range(size[1]):
            if method == "nearest":
                r = min(int(np.floor((i + 0.5) * h / size[0])), h - 1)
                c = min(int(np.floor((j + 0.5) * w / size[1])), w - 1)
                out[i, j] = image[r, c]
                continue
            y, x = (i + 0.5) * h / size[0] - 0.5, (j + 0.5) * w / size[1] - 0.5
            y0, x0 = int(np.floor(y)), int(np.floor(x))
            dy, dx = y - y0, x - x0
            def at(r, c):
                return image[min(max(r, 0), h - 1), min(max(c, 0), w - 1)].astype(float)
            top = at(y0, x0) * (1 - dx) + at(y0, x0 + 1) * dx
            bottom = at(y0 + 1, x0) * (1 - dx) + at(y0 + 1, x0 + 1) * dx
            out[i, j] = top * (1 - dy) + bottom * dy
    return out


def test_bilinear_and_nearest_resize_match_tensorflow_s_rule(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (7, 11, 3), dtype=np.uint8)
    (tmp_path / "only").mkdir()
    Image.fromarray(pixels).save(tmp_path / "only" / "a.png")
    for size in ((4, 5), (13, 17), (7, 3)):
        for method in ("bilinear", "nearest"):
            images, _ = next(iter(utils.image_dataset_from_directory(
                tmp_path, image_size=size, interpolation=method, shuffle=False, verbose=False)))
            np.testing.assert_allclose(images[0], tf_resize_loop(pixels, size, method), atol=1e-3)
    # The other methods come from keras.ops.image.resize, unrounded as tf.image.resize's.
    images, _ = next(iter(utils.image_dataset_from_directory(
        tmp_path, image_size=(5, 5), interpolation="bicubic", shuffle=False, verbose=False)))
    from gradiente.ops.image import resize
    np.testing.assert_allclose(images[0], resize(pixels.astype("float32"), (5, 5), interpolation="bicubic").data)
    assert images.dtype == np.float32 and (images != np.round(images)).any()
    with pytest.raises(ValueError, match="exists only in TensorFlow"):
        utils.image_dataset_from_directory(tmp_path, interpolation="gaussian")


def test_crop_and_pad_to_aspect_ratio(tmp_path):
    (tmp_path / "c").mkdir()
    wide = np.zeros((4, 8, 3), np.uint8)
    wide[:, 2:6] = 200  # the centre square bright, the sides dark
    Image.fromarray(wide).save(tmp_path / "c" / "wide.png")
    kw = dict(image_size=(4, 4), shuffle=False, verbose=False, interpolation="nearest")
    cropped, _ = next(iter(utils.image_dataset_from_directory(tmp_path, crop_to_aspect_ratio=True, **kw)))
    assert (cropped[0] == 200).all()  # only the centre 4x4 is kept
    padded, _ = next(iter(utils.image_dataset_from_directory(tmp_path, pad_to_aspect_ratio=True, **kw)))
    assert (padded[0, 0] == 0).all() and (padded[0, 3] == 0).all()  # bands above and below
    np.testing.assert_array_equal(padded[0, 1:3, :, 0], [[0, 200, 200, 0]] * 2)
    with pytest.raises(ValueError, match="Only one of"):
        utils.image_dataset_from_directory(tmp_path, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)


def test_labels_given_as_a_list(tmp_path):
    make_tree(tmp_path, per_class=2, nested=False)
    # With a label list the whole tree counts, hidden folders too (only class folders skip them).
    ds = utils.image_dataset_from_directory(tmp_path, labels=[4, 5, 6, 7, 8, 9, 10], image_size=(2, 2),
                                            shuffle=False, verbose=False)
    assert ds.class_names == ["4", "5", "6", "7", "8", "9", "10"]  # sorted as numbers, then str
    assert ds.file_paths[0].endswith(os.path.join(".hidden", "x.png"))
    assert next(iter(ds))[1].tolist() == [4, 5, 6, 7, 8, 9, 10]
    with pytest.raises(ValueError, match="one-hot encodes integer labels 0..6.*from 4 to 10"):
        utils.image_dataset_from_directory(tmp_path, labels=[4, 5, 6, 7, 8, 9, 10], label_mode="categorical")
    onehot = utils.image_dataset_from_directory(tmp_path, labels=[0, 1, 2, 0, 1, 2, 0], label_mode="categorical",
                                                image_size=(2, 2), shuffle=False, verbose=False)
    np.testing.assert_array_equal(next(iter(onehot))[1][:3], np.eye(3))
    with pytest.raises(ValueError, match="len\\(labels\\) is 2 while we found 7 files"):
        utils.image_dataset_from_directory(tmp_path, labels=[0, 1], verbose=False)
    with pytest.raises(ValueError, match="list/tuple of integer labels"):
        utils.image_dataset_from_directory(tmp_path, labels="folders")
    with pytest.raises(ValueError, match="only pass `class_names` if `labels=\"inferred\"`"):
        utils.image_dataset_from_directory(tmp_path, labels=[0] * 7, class_names=["a"])


def test_class_names_argument(tmp_path):
    make_tree(tmp_path, per_class=1, nested=False)
    ds = utils.image_dataset_from_directory(tmp_path, class_names=["dogs", "birds"], image_size=(2, 2),
                                            shuffle=False, verbose=False)
    images, labels = next(iter(ds))
    assert ds.class_names == ["dogs", "birds"] and labels.tolist() == [0, 1]
    assert images[:, 0, 0, 0].tolist() == [80, 0]  # dogs first, then birds; no cats
    with pytest.raises(ValueError, match="did not match the names of the subdirectories"):
        utils.image_dataset_from_directory(tmp_path, class_names=["dogs", "fish"])


def test_bad_input_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="Could not find directory"):
        utils.image_dataset_from_directory(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No images found in directory"):
        utils.image_dataset_from_directory(tmp_path / "empty", verbose=False)
    (tmp_path / "bad" / "k").mkdir(parents=True)
    Image.fromarray(np.zeros((3, 3, 3), np.uint8)).save(tmp_path / "bad" / "k" / "good.png")
    (tmp_path / "bad" / "k" / "broken.png").write_bytes(b"\x89PNG not really")
    ds = utils.image_dataset_from_directory(tmp_path / "bad", image_size=(3, 3), verbose=False, shuffle=False)
    with pytest.raises(ValueError, match="Could not decode the image file .*broken.png"):
        list(ds)
    with pytest.raises(ValueError, match="must provide a `seed`"):
        utils.image_dataset_from_directory(tmp_path / "bad", validation_split=0.5, subset="training")
    with pytest.raises(ValueError, match="If `subset` is set, `validation_split` must be set"):
        utils.image_dataset_from_directory(tmp_path / "bad", subset="training")
    with pytest.raises(ValueError, match="`interpolation` should be one of"):
        utils.image_dataset_from_directory(tmp_path / "bad", interpolation="fancy")
    with pytest.raises(ValueError, match="`label_mode` argument must be one of"):
        utils.image_dataset_from_directory(tmp_path / "bad", label_mode="sparse")
    with pytest.raises(ValueError, match="image_size"):
        utils.image_dataset_from_directory(tmp_path / "bad", image_size=(3,))


def test_text_dataset(tmp_path):
    for name, texts in (("pos", ["good film", "great fun"]), ("neg", ["bad plot", "dull ending", "näive"])):
        (tmp_path / name).mkdir()
        for i, text in enumerate(texts):
            (tmp_path / name / f"{i}.txt").write_text(text, encoding="utf-8")
    ds = utils.text_dataset_from_directory(tmp_path, batch_size=2, shuffle=False, verbose=False)
    assert ds.class_names == ["neg", "pos"]
    texts, labels = map(np.concatenate, zip(*list(ds)))
    assert texts.tolist() == ["bad plot", "dull ending", "näive", "good film", "great fun"]
    assert labels.tolist() == [0, 0, 0, 1, 1] and labels.dtype == np.int32
    cut = utils.text_dataset_from_directory(tmp_path, max_length=3, label_mode=None, shuffle=False,
                                            verbose=False)
    assert next(iter(cut)).tolist() == ["bad", "dul", "nä", "goo", "gre"]  # bytes, as tf.strings.substr
    train, val = utils.text_dataset_from_directory(tmp_path, validation_split=0.4, subset="both", seed=3,
                                                   batch_size=None, verbose=False)
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert set(train.file_paths) | set(val.file_paths) == {str(p) for p in tmp_path.rglob("*.txt")}
    (tmp_path / "neg" / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(ValueError, match="latin1.txt is not UTF-8"):
        list(utils.text_dataset_from_directory(tmp_path, verbose=False))


def test_split_dataset():
    x, y = np.arange(10), np.arange(10) * 2
    left, right = utils.split_dataset((x, y), left_size=0.8)
    assert len(left) == 8 and len(right) == 2
    assert [int(a) for a, _ in right] == [8, 9]
    left, right = utils.split_dataset(x, right_size=3, shuffle=True, seed=5)
    import random
    order = list(range(10))
    random.Random(5).shuffle(order)
    assert [int(v) for v in left] == order[:7] and [int(v) for v in right] == order[7:]
    from gradiente.data import Dataset
    batched = Dataset.from_tensor_slices({"a": x}).batch(4)
    left, right = utils.split_dataset(batched, left_size=6)
    assert [b["a"].tolist() for b in left] == [[0, 1, 2, 3], [4, 5]]
    assert [b["a"].tolist() for b in right] == [[6, 7, 8, 9]]
    with pytest.raises(ValueError, match="At least one of"):
        utils.split_dataset(x)
    with pytest.raises(ValueError, match="`left_size` should be either a positive integer"):
        utils.split_dataset(x, left_size=10)
    with pytest.raises(ValueError, match="greater than 1"):
        utils.split_dataset(x, left_size=0.6, right_size=0.6)
    with pytest.raises(TypeError, match="Invalid `left_size` Type"):
        utils.split_dataset(x, left_size="half")
    with pytest.raises(ValueError, match="different lengths"):
        utils.split_dataset([x, y[:5]], left_size=2)
