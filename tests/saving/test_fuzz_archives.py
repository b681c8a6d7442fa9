"""Issue 13's fuzz test: a valid backup archive, mutated at random (its bytes, its JSON
members' values, its arrays' headers), loaded every way a file is loaded. Every load must
either succeed or raise ModelFormatError, each within a memory and a time bound.

Seeded and bounded: the same few hundred cases every run, a couple of seconds in all. A
failure names the case (kind and number) so it can be replayed alone with ``_case``.
"""
import copy
import io
import json
import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import ModelFormatError
from hostile_helpers import MAX_EXTRA_BYTES, MAX_SECONDS, write_archive
from saving_helpers import small_mlp

SEED = 13
CASES = {"bytes": 30, "json": 55, "npy": 15}

# Values a crafted file might put anywhere in a JSON member. Sizes are either small or
# beyond any memory: model_from_json (no archive to bound it) builds what fits in RAM.
_HOSTILE = [
    10 ** 400, -(10 ** 400), 2 ** 63, 2 ** 40, -1, 0, 10 ** 12, 1e308, float("nan"),
    float("inf"), True, None, "", "abc", "os.system", "(12000,12000)f8", "float64", "O",
    [], {}, [[[[[]]]]], [0] * 50, {"class_name": "Dense", "config": {"units": 10 ** 9}},
    {"class_name": "function", "config": "eval"}, {"__array__": [1, 2], "dtype": "(3000,3000)f8"},
]


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """A backup as BackupAndRestore writes it: model, optimizer state, training state."""
    folder = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 6)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
    callback = keras.callbacks.BackupAndRestore(folder / "b", delete_checkpoint=False)
    small_mlp(seed=3).fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[callback])
    return folder, _members(folder / "b" / "latest.keras")


def _walk(value, path=()):
    """Every (path, value) inside a JSON value, containers included."""
    yield path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _walk(item, path + (key,))


def _replace(value, path, new):
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


# Where JSON mutations go: mostly the architecture, then the backup's state.
_JSON_ODDS = {"config.json": 0.6, "training_state.json": 0.3, "metadata.json": 0.1}


def _mutate_json(rng, members):
    name = rng.choice(list(_JSON_ODDS), p=list(_JSON_ODDS.values()))
    doc = json.loads(members[name])
    for _ in range(rng.integers(1, 3)):
        doc = _mutate_value(rng, doc)
    return {**members, name: json.dumps(doc).encode()}


def _mutate_value(rng, doc):
    nodes = list(_walk(doc))
    # Scalars three times as often as containers: most of what a loader checks is a value.
    odds = np.array([1.0 if isinstance(v, (dict, list)) else 3.0 for _, v in nodes])
    path, old = nodes[rng.choice(len(nodes), p=odds / odds.sum())]
    action = rng.integers(4)
    if action == 0 and path:  # drop a key or an element
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
        return doc
    if action == 1:  # a hostile value
        return _replace(doc, path, copy.deepcopy(_HOSTILE[rng.integers(len(_HOSTILE))]))
    if action == 2:  # a number larger (but harmless, or beyond any memory), or a string
        return _replace(doc, path, old * 10 ** int(rng.choice([2, 20, 400])) if type(old) is int
                        else str(old)[:20])
    return _replace(doc, path, copy.deepcopy(nodes[rng.integers(len(nodes))][1]))  # moved here


def _mutate_npy(rng, members):
    name = rng.choice(sorted(n for n in members if n.endswith(".npy")))
    shapes = [(2 ** 32, 2 ** 32), (10 ** 6, 10 ** 6), (0,), (-1, 3), (3, 3, 3), (), (10 ** 400,)]
    descrs = ["<f8", "|u1", "|O", ("<f8", (3000, 3000)), "|V4", ">f4", "<c16", "<M8[s]"]
    array = np.lib.format.read_array(io.BytesIO(members[name]))
    header = {"descr": np.lib.format.dtype_to_descr(array.dtype),
              "fortran_order": bool(rng.integers(2)), "shape": array.shape}
    if rng.integers(2):
        header["shape"] = shapes[rng.integers(len(shapes))]
    else:
        header["descr"] = descrs[rng.integers(len(descrs))]
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)  # written as given, not validated
    return {**members, name: buf.getvalue() + array.tobytes()}


def _mutate_bytes(rng, path):
    data = bytearray(path.read_bytes())
    # Half the time inside a deflated JSON member, the part of the file zlib reads.
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(rng.choice(sorted(n for n in zf.namelist() if n.endswith(".json"))))
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    span = (start, start + info.compress_size) if rng.integers(2) else (0, len(data))
    at = int(rng.integers(*span))
    action = rng.integers(4)
    if action == 0:
        for _ in range(rng.integers(1, 5)):
            data[int(rng.integers(*span))] ^= 1 << int(rng.integers(8))
    elif action == 1:
        data[at:at + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
    elif action == 2:
        del data[at:]
    else:
        data[at:at] = rng.integers(0, 256, int(rng.integers(1, 40)), dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))


def _case(kind, index, original, path):
    """Write case ``index`` of ``kind`` to ``path``."""
    _, members = original
    rng = np.random.default_rng([SEED, list(CASES).index(kind), index])
    if kind == "bytes":
        write_archive(path, members)
        _mutate_bytes(rng, path)
    elif kind == "json":
        write_archive(path, _mutate_json(rng, members))
    else:
        write_archive(path, _mutate_npy(rng, members))


def _loads(path, model, kind):
    """Every way a file is read: a whole model, weights into ``model``, a backup into it
    (as BackupAndRestore does when fit starts), and (when the JSON was mutated) its
    config.json as model_from_json's input."""
    yield lambda: keras.models.load_model(path)
    yield lambda: model.load_weights(path)

    def resume():
        backup = keras.callbacks.BackupAndRestore(path.parent)
        backup.set_model(model)
        generator = keras.backend.rng()
        try:
            backup.on_train_begin()
        finally:  # the backup's random state must not leak into the tests after this one
            keras.backend._state["rng"] = generator
    yield resume
    if kind != "json":
        return
    try:
        with zipfile.ZipFile(path) as zf:
            text = zf.read("config.json")
    except Exception:  # noqa: BLE001 - a damaged archive has no config to give
        return
    yield lambda: keras.models.model_from_json(text)


def test_mutated_archives_load_or_raise_the_format_error(original, tmp_path):
    path = tmp_path / "latest.keras"  # the name BackupAndRestore looks for
    model = small_mlp(seed=3)  # what load_weights and restore_training load into, reused
    failures, outcomes, worst = [], {"loaded": 0, "refused": 0}, [0, 0.0]
    for kind, count in CASES.items():
        for index in range(count):
            _case(kind, index, original, path)
            for way, load in enumerate(_loads(path, model, kind)):
                outcome = _measured(load, way)
                if outcome in outcomes:
                    outcomes[outcome] += 1
                else:
                    failures.append((kind, index, way, outcome))
    assert not failures, failures[:10]
    # Both outcomes occur, or the mutations are not reaching the loaders.
    assert outcomes["loaded"] > 100 and outcomes["refused"] > 150, outcomes


def _measured(load, way):
    """"loaded", "refused", or what went wrong: another exception, or a load over the
    time or memory bound. Traced only while loading: tracing the rest costs seconds."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load()
        outcome = "loaded"
    except ModelFormatError:
        outcome = "refused"
    except Exception as err:  # noqa: BLE001 - the point is to catch anything
        outcome = "refused" if way in (1, 2) and _is_model_mismatch(err) else repr(err)[:200]
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if peak > MAX_EXTRA_BYTES or seconds > MAX_SECONDS:
        return f"{outcome} after {seconds:.2f} s, {peak >> 20} MB"
    return outcome


def _is_model_mismatch(err):
    """load_weights and restore_training into a given model raise a plain ValueError when
    the file's arrays do not fit that model, as Keras does: the model is what differs."""
    return type(err) is ValueError and ("Build the same architecture" in str(err)
                                        or "Pass skip_mismatch=True" in str(err))
