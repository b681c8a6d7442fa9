"""A backup's training state (BackupAndRestore): read from its archive, checked entry by
entry, and given back only in the shapes the callback uses.

``training_state.json`` is ``{"epoch": int, "history": {name: [number, ...]}, "rng":
bit generator state}``. Anything else there is a damaged or crafted file, reported as
ModelFormatError naming the entry, never a KeyError from deep inside ``fit``.
"""
import numpy as np

from gradiente.saving import limits
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.layout import (
    FORMAT_VERSION, MODEL_MEMBERS, MODEL_PATTERNS, check_manifest, check_metadata, open_archive,
    read_config,
)
from gradiente.saving.weights_file import assign_weights, restore_optimizer

# The words of a bit generator's state are unsigned 32- or 64-bit integers; nothing else
# may be built from a file's "dtype" here.
_RNG_DTYPES = {"uint32": np.uint32, "uint64": np.uint64}


def restore_training(model, filepath):
    """Load weights, optimizer state and the stored training state of a backup written by
    ``save_model(..., training_state=...)`` into ``model`` (same architecture, compiled).
    Returns the training state, checked: {"epoch": int, "history": {str: list}, "rng":
    a bit generator state with NumPy arrays, or None}."""
    with open_archive(filepath, MODEL_MEMBERS, MODEL_PATTERNS, "backup") as reader:
        check_metadata(reader, "model", FORMAT_VERSION)
        if not reader.has("training_state.json"):
            raise ModelFormatError(reader.path, "the backup holds no training_state.json.")
        # Checked before any weight changes: a bad backup leaves the model as it was.
        state = check_training_state(reader.read_json("training_state.json"), reader.path)
        config = read_config(reader)
        weights = check_manifest(reader, config.get("weights", []), "weights/", "weights")
        optimizer = check_manifest(reader, config.get("optimizer_variables", []), "optimizer/",
                                   "optimizer variables")
        assign_weights(model, reader, [f"weights/{i:05d}.npy" for i in range(len(weights))], False)
        restore_optimizer(reader, optimizer, getattr(model, "optimizer", None), model)
    return state


def check_training_state(state, path):
    where = "training_state.json"
    if not isinstance(state, dict):
        raise ModelFormatError(path, f"{where} is not a JSON object.")
    epoch = state.get("epoch")
    if type(epoch) is not int or not 0 <= epoch <= limits.MAX_EPOCH:
        raise ModelFormatError(path, f"{where}: `epoch` must be a whole number from 0 to "
                                     f"{limits.MAX_EPOCH}; found {str(epoch)[:40]!r}.")
    history = state.get("history", {})
    if not isinstance(history, dict):
        raise ModelFormatError(path, f"{where}: `history` must be an object of lists; found "
                                     f"{type(history).__name__}.")
    for name, values in history.items():
        if not isinstance(values, list) or not all(_is_number(v) for v in values):
            raise ModelFormatError(path, f"{where}: history[{name[:40]!r}] must be a list of "
                                         f"numbers; found {str(values)[:60]}.")
    rng = state.get("rng")
    if rng is not None and not isinstance(rng, dict):
        raise ModelFormatError(path, f"{where}: `rng` must be a bit generator state object.")
    return {"epoch": epoch, "history": {k: list(v) for k, v in history.items()},
            "rng": None if rng is None else _decode_rng(rng, path, f"{where}: rng")}


def _is_number(value):
    # A logged value is a number (NaN and infinities included: a diverged epoch is still
    # history) or null.
    return value is None or type(value) in (int, float)


def _decode_rng(state, path, where):
    """The state with its {"__array__": [...], "dtype": ...} records as small arrays of
    unsigned words, the only arrays a bit generator's state holds."""
    out = {}
    for key, value in state.items():
        if isinstance(value, dict) and set(value) == {"__array__", "dtype"}:
            words, dtype = value["__array__"], value["dtype"]
            if dtype not in _RNG_DTYPES:
                raise ModelFormatError(path, f"{where}.{key}: the dtype {str(dtype)[:60]!r} is not "
                                             "that of a bit generator's state (uint32 or uint64).")
            limit = np.iinfo(_RNG_DTYPES[dtype]).max
            if (not isinstance(words, list) or len(words) > limits.MAX_RNG_WORDS
                    or not all(type(w) is int and 0 <= w <= limit for w in words)):
                raise ModelFormatError(path, f"{where}.{key}: expected at most "
                                             f"{limits.MAX_RNG_WORDS} {dtype} words.")
            out[key] = np.array(words, dtype=_RNG_DTYPES[dtype])
        elif isinstance(value, dict):
            out[key] = _decode_rng(value, path, f"{where}.{key}")
        else:
            out[key] = value
    return out
