"""The state Keras 3 keeps outside a layer's config for its lookup layers (StringLookup,
IntegerLookup, and the StringLookup inside TextVectorization), read and written.

Keras writes a lookup's *adapted* vocabulary (one given to the constructor stays in the
config) as the asset file ``assets/<object path>/vocabulary.txt`` of the ``.keras`` zip:
every entry of ``get_vocabulary()``, mask and OOV tokens included, joined by "\\n", no
final newline. It reads the file back with ``str.splitlines`` (trailing empty lines
dropped), parsing each line with ``int`` for IntegerLookup. In 'tf_idf' mode the idf
weights (special tokens included) are a named variable, ``<object path>/vars/idf_weights``,
in the weights file, whether the vocabulary was adapted or given. A TextVectorization
stores its inner lookup's state twice: at its own path and at ``<path>/_lookup_layer``.
Object paths are those of ``keras_weights_h5.keras_objects``.

Everything read is checked: each asset file must be one a layer here reads, within
``limits.MAX_ASSET_BYTES``, UTF-8 text; a vocabulary the layer refuses becomes
ModelFormatError naming the file.
"""
import numpy as np

from gradiente.saving import limits
from gradiente.saving.errors import ModelFormatError

VOCABULARY_FILE = "vocabulary.txt"
IDF = "idf_weights"
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


def _lookup(layer):
    """The IndexLookup holding ``layer``'s vocabulary (itself, or TextVectorization's),
    or None for a layer without one."""
    from gradiente.layers.preprocessing.index_lookup import IndexLookup
    from gradiente.layers.preprocessing.text_vectorization import TextVectorization

    if isinstance(layer, TextVectorization):
        return layer._lookup_layer
    return layer if isinstance(layer, IndexLookup) else None


def _reads_asset(layer):
    """Keras writes and reads the vocabulary file only for a vocabulary not given to the
    constructor (that one is in the config)."""
    lookup = _lookup(layer)
    return lookup is not None and not lookup._has_input_vocabulary


def state_names(layer):
    """Named (not numbered) variables Keras stores for ``layer`` in the weights file."""
    lookup = _lookup(layer)
    return (IDF,) if lookup is not None and lookup.output_mode == "tf_idf" else ()


def own_state(layer):
    """{name: array} of those named variables, as Keras's ``save_own_variables`` writes them."""
    if not state_names(layer):
        return {}
    lookup = _lookup(layer)
    if lookup.idf_weights is None:
        # Not adapted yet: Keras's layer starts with one zero weight per special index.
        return {IDF: np.zeros(lookup._token_start_index(), dtype=np.float32)}
    return {IDF: np.asarray(lookup.idf_weights, dtype=np.float32)}


def set_idf(layer, idf, path, where):
    """Keras's ``load_own_variables``: the file's idf weights replace the layer's (which
    must already have a vocabulary of that size)."""
    lookup = _lookup(layer)
    current = lookup.idf_weights
    if current is None or idf.shape != current.shape:
        size = "no vocabulary" if current is None else f"{current.shape[0]} idf weights"
        raise ModelFormatError(path, f"'{where}' holds {idf.shape[0] if idf.ndim else idf} idf "
                                     f"weights, but layer '{layer.name}' has {size} here.")
    lookup.idf_weights = idf.astype(current.dtype)


# --- reading ------------------------------------------------------------------------
def check_idf(shape, dtype, path, where):
    if len(shape) != 1 or dtype.kind != "f":
        raise ModelFormatError(path, f"'{where}' must hold a 1-D float array of idf weights, "
                                     f"not shape {shape} dtype {dtype}.")


def load_assets(reader, objects, state):
    """Give each lookup of ``objects`` ([(path, layer, named)]) the vocabulary file the
    archive ``reader`` holds for it and the idf weights ``state`` ({path: {name: array}})
    holds, in Keras's order (its variables, then its assets, object by object)."""
    wanted = {}
    for path, layer, _ in objects:
        if _reads_asset(layer):
            wanted[f"assets/{path}/{VOCABULARY_FILE}" if path else f"assets/{VOCABULARY_FILE}"] = path
    present = sorted(n for n in reader.members if n.startswith("assets/") and not n.endswith("/"))
    for name in present:
        if name not in wanted:
            raise ModelFormatError(reader.path, (
                f"the asset file {name!r} belongs to no layer of this architecture that reads "
                f"assets (expected only: {', '.join(sorted(wanted)) or 'none'})."))
    for path, layer, _ in objects:
        idf = state.get(path, {}).get(IDF)
        member = next((n for n, p in wanted.items() if p == path), None)
        if member is None:
            if idf is not None:
                set_idf(layer, idf, reader.path, f"{path}/vars/{IDF}")
            continue
        if member not in reader.members:
            raise ModelFormatError(reader.path, (
                f"it has no {member}: layer '{layer.name}' ({type(layer).__name__}) was adapted, "
                "and Keras stores its vocabulary in that file."))
        values = _vocabulary(reader, member, _lookup(layer).vocabulary_dtype)
        try:
            if idf is None:
                layer.set_vocabulary(values)
            else:
                # With pad_to_max_tokens Keras stores the idf weights padded to max_tokens,
                # which its own load_assets then refuses (lengths differ): the vocabulary's
                # part is unambiguous, and the padded whole is set just below.
                layer.set_vocabulary(values, idf_weights=idf[:len(values)])
        except (ValueError, TypeError, RuntimeError) as err:
            raise ModelFormatError(reader.path, f"{member} does not fit layer '{layer.name}': "
                                                f"{err}") from None
        if idf is not None:
            set_idf(layer, idf, reader.path, f"{path}/vars/{IDF}")


def _vocabulary(reader, name, dtype):
    info = reader.members[name]
    if info.file_size > limits.MAX_ASSET_BYTES:
        raise ModelFormatError(reader.path, f"{name} declares {info.file_size} bytes, more than "
                                            f"the {limits.MAX_ASSET_BYTES} a vocabulary may hold.")
    with reader._reading(name), reader.zip.open(info) as member:
        data = member.read(limits.MAX_ASSET_BYTES + 1)
    if len(data) > limits.MAX_ASSET_BYTES:
        raise ModelFormatError(reader.path, f"{name} holds more than {limits.MAX_ASSET_BYTES} bytes.")
    # Counted before splitting: a Python string per line costs ~50 bytes beyond its text.
    if data.count(b"\n") >= limits.MAX_VOCABULARY_LINES:
        raise ModelFormatError(reader.path, f"{name} has more than {limits.MAX_VOCABULARY_LINES} "
                                            "lines, more than a vocabulary may hold.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ModelFormatError(reader.path, f"{name} is not UTF-8 text ({err}).") from None
    lines = text.splitlines()  # as Keras reads it: every line break str knows, not only \n
    while lines and lines[-1] == "":
        lines.pop()
    if dtype == "string":
        return lines
    values = []
    for number, line in enumerate(lines, 1):
        try:
            value = int(line)
        except ValueError:
            raise ModelFormatError(reader.path, f"{name} line {number} ({line[:40]!r}) is not an "
                                                "integer, as an IntegerLookup's vocabulary must be.") from None
        if not _INT64[0] <= value <= _INT64[1]:
            raise ModelFormatError(reader.path, f"{name} line {number} is outside int64's range.")
        values.append(value)
    return values


# --- writing ------------------------------------------------------------------------
def asset_files(objects):
    """{zip member name: bytes} of the vocabulary files Keras writes for ``objects``."""
    out = {}
    for path, layer, _ in objects:
        if _reads_asset(layer):
            vocabulary = layer.get_vocabulary(include_special_tokens=True)
            name = f"assets/{path}/{VOCABULARY_FILE}" if path else f"assets/{VOCABULARY_FILE}"
            out[name] = "\n".join(str(w) for w in vocabulary).encode("utf-8")
    return out


_LOOKUP_CLASSES = {"StringLookup", "IntegerLookup", "TextVectorization"}


def keras_preprocessing_configs(value):
    """Our preprocessing layers' config records as Keras writes them, in place: a lookup's
    adapted vocabulary (and its idf weights) leaves the config for the asset file and the
    weights, and our ``has_input_vocabulary`` marker (Keras tells the two apart by the
    config's vocabulary being null) is dropped; Discretization's ``trainable`` is dropped
    (Keras's Discretization takes no such argument, and has no weights it could affect)."""
    if isinstance(value, list):
        for v in value:
            keras_preprocessing_configs(v)
        return value
    if not isinstance(value, dict):
        return value
    config = value.get("config")
    if value.get("class_name") in _LOOKUP_CLASSES and isinstance(config, dict):
        if not config.pop("has_input_vocabulary", config.get("vocabulary") is not None):
            config["vocabulary"] = None
            config["idf_weights"] = None
    if value.get("class_name") == "Discretization" and isinstance(config, dict):
        config.pop("trainable", None)
    for v in value.values():
        keras_preprocessing_configs(v)
    return value
