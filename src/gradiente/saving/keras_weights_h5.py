"""Keras 3's weights layout (``model.weights.h5`` in a ``.keras`` archive, and
``.weights.h5`` files): variables stored by the model's object tree, read and written.

Keras walks a model as an object tree: a Sequential or Functional model's ``layers`` list
first, each element named by its class in snake case, numbered per class in list order
(``layers/dense``, ``layers/dense_1``, ...; never by the layer's own name, which is not
reproducible), then each object's attributes that hold layers, by attribute name
(``layers/lstm/cell``, ``layers/bidirectional/forward_layer``). Every object stores its
own variables, trainable ones first, as ``<path>/vars/0``, ``<path>/vars/1``, ... and the
group carries the object's name as an attribute. The optimizer's variables are at
``optimizer/vars``.

``keras_tree`` reproduces that walk for our layers, so a file's arrays are assigned by
their path, exactly as Keras assigns them, and ``write_keras_weights`` writes the same paths.
"""
import re
import warnings

import numpy as np

from gradiente.saving import keras_assets
from gradiente.saving.errors import ModelFormatError

# Sublayers Keras reaches through a differently named attribute (its public property) than
# ours holds them under; the first name found on our layer is used.
_NAMED_CHILDREN = {
    "MultiHeadAttention": [("query_dense", ("query_dense", "_query_dense")),
                           ("key_dense", ("key_dense", "_key_dense")),
                           ("value_dense", ("value_dense", "_value_dense")),
                           ("output_dense", ("output_dense", "_output_dense"))],
    "Bidirectional": [("forward_layer", ("forward_layer",)),
                      ("backward_layer", ("backward_layer",))],
}
# Attributes of ours that hold layers but are bookkeeping, not part of Keras's tree.
_SKIPPED_ATTRIBUTES = {"_inbound_nodes", "_outbound_nodes", "_layers", "_functional",
                       "_input_layers", "_output_layers", "_nodes", "_plan", "_template"}


def snake_case(name):
    """Keras's ``naming.to_snake_case``: ``Conv2D`` -> ``conv2d``, ``LSTM`` -> ``lstm``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name if not name.startswith("_") else "private" + name


def _own_variables(layer):
    own = list(layer._own_weights) + list(layer._attribute_variables())
    # A layer may store a derived value or nothing in a weight's place (LoRA's merged
    # kernel, its factors left out), as Keras's save_own_variables does.
    hook = getattr(layer, "_saved_weight_value", None)
    if hook is not None:
        own = [v for v in own if hook(v) is not None]
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def _is_model_graph(layer):
    from gradiente.models.functional import Functional

    return isinstance(layer, Functional)


def _is_subclassed_model(layer):
    from gradiente.models.model import Model

    return isinstance(layer, Model) and not _is_model_graph(layer)


def _base_attributes():
    from gradiente.layers.layer import Layer

    if not hasattr(_base_attributes, "names"):
        _base_attributes.names = set(vars(Layer()))
    return _base_attributes.names


def _children(layer):
    """[(attribute name, layer or list of layers)] in Keras's walk order."""
    from gradiente.layers.layer import Layer

    out = []
    if _is_model_graph(layer):
        out.append(("layers", list(layer.layers)))
    named = _NAMED_CHILDREN.get(type(layer).__name__)
    if named is not None:
        for keras_name, ours in named:
            child = next((getattr(layer, a) for a in ours if isinstance(getattr(layer, a, None), Layer)),
                         None)
            if child is not None:
                out.append((keras_name, child))
        return out
    if hasattr(layer, "cell") and isinstance(getattr(layer, "cell"), Layer):
        out.append(("cell", layer.cell))
    skip = _base_attributes() | _SKIPPED_ATTRIBUTES | {"cell"}
    attributes = dict(vars(layer))
    if _is_subclassed_model(layer):
        # Keras walks dir(model), where the `layers` property sits among the attributes:
        # a sublayer held under a name sorting after "layers" is stored as layers/<class>.
        attributes["layers"] = list(layer.layers)
    # Keras visits public attributes before private ones, each group alphabetically.
    for name in sorted(attributes, key=lambda n: "~" + n if n.startswith("_") else n):
        if name in skip or name.startswith("__"):
            continue
        value = attributes[name]
        if isinstance(value, Layer):
            out.append((name, value))
        elif (isinstance(value, (list, tuple)) and value
              and all(isinstance(v, Layer) for v in value)):
            out.append((name, list(value)))
    return out


def keras_objects(model):
    """[(path, layer, named)] for every layer of ``model``, in Keras's walk order; ``path``
    "" is the model itself. ``named``: the layer's name is part of a graph's config (a
    Sequential or Functional model's layer), so a file written by Keras for the same config
    names it the same."""
    out, seen = [], set()

    def visit(layer, path, named):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        out.append((path, layer, named))
        for attr, child in _children(layer):
            child_path = f"{path}/{attr}" if path else attr
            if isinstance(child, list):
                counts = {}
                graph = _is_model_graph(layer) and attr == "layers"
                for element in child:
                    base = snake_case(type(element).__name__)
                    n = counts.get(base, -1) + 1
                    counts[base] = n
                    visit(element, f"{child_path}/{base}" + (f"_{n}" if n else ""), graph)
            else:
                visit(child, child_path, False)

    visit(model, "", False)
    return out


def keras_tree(model):
    """[(path, object name, [variables], named)] for every layer of ``model``, in Keras's
    walk order (see ``keras_objects``)."""
    return [(path, layer.name, _own_variables(layer), named)
            for path, layer, named in keras_objects(model)]


def _vars_path(path):
    return f"{path}/vars" if path else "vars"


# --- reading --------------------------------------------------------------------------
def read_keras_weights(reader, model, root="", check_names=False, skip_mismatch=False,
                       state=None):
    """Read the arrays for ``model``'s variables from an open ``H5Reader`` by Keras's paths
    (under ``root``) and set them, only once every one was found and fits; returns the
    file's optimizer datasets ({index: dataset}) for the caller to restore. A lookup's named
    variables (its idf weights, see ``keras_assets``) go into ``state`` ({path: {name:
    array}}) when given, for the caller to apply with the vocabulary; else they are set."""
    from gradiente.saving.saved_weights import after_loading

    datasets = reader.datasets_under(root)
    if not any(k.startswith("layers/") for k in datasets):
        # tf.keras 2.13 named the layer list after its checkpoint attribute; Keras 3 reads
        # such files by this renaming, and so do we.
        old = "_layer_checkpoint_dependencies"
        datasets = {k.replace(old, "layers"): d for k, d in datasets.items()}
    used = set()
    assignments, named_state = [], []
    objects = keras_objects(model)
    for path, layer, named in objects:
        name, variables = layer.name, _own_variables(layer)
        group = _vars_path(path)
        present = sorted((k for k in datasets if k.startswith(group + "/")
                          and "/" not in k[len(group) + 1:]), key=_index_key)
        for state_name in keras_assets.state_names(layer):
            key = f"{group}/{state_name}"
            if key not in present:
                raise ModelFormatError(reader.path, (
                    f"layer '{name}' ({type(layer).__name__} in 'tf_idf' mode) needs its idf "
                    f"weights at '{key}', which the file does not hold."))
            present.remove(key)
            used.add(key)
            shape, dtype = reader.check_dataset(datasets[key], key)
            keras_assets.check_idf(shape, dtype, reader.path, key)
            named_state.append((path, layer, state_name, key))
        expected = [f"{group}/{i}" for i in range(len(variables))]
        if present != expected:
            raise ModelFormatError(reader.path, (
                f"layer '{name}' ({'/'.join(path.split('/')[-2:]) or 'the model'}) has "
                f"{len(variables)} variables in this architecture, but the file holds "
                f"{len(present)} at '{group}' ({', '.join(present[:4]) or 'none'}): the file was "
                "saved from a different architecture."))
        holder = reader.group(f"{root}/{group}" if root else group, required=False)
        if check_names and named and variables and holder is not None:
            stored = reader.attribute(holder, "name", group)
            if isinstance(stored, str) and stored != name:
                raise ModelFormatError(reader.path, (
                    f"'{group}' holds the weights of layer '{stored}', but this path is layer "
                    f"'{name}' here: the layer order differs from the file's."))
        for key, v in zip(expected, variables):
            used.add(key)
            shape, dtype = reader.check_dataset(datasets[key], key)
            if shape != tuple(v.data.shape):
                message = (f"'{key}' (weight '{getattr(v, 'path', v.name)}' of layer '{name}') "
                           f"has shape {shape} in the file, but {tuple(v.data.shape)} here.")
                if not skip_mismatch:
                    raise ValueError(f"'{reader.path}': {message} Pass skip_mismatch=True to skip "
                                     "such weights.")
                warnings.warn("Skipping: " + message, UserWarning, stacklevel=4)
                continue
            if dtype.kind not in "biuf" or (dtype.kind in "biu") != (v.data.dtype.kind in "biu"):
                raise ModelFormatError(reader.path, f"'{key}' has dtype {dtype}, which cannot "
                                                    f"become weight '{v.name}' ({v.data.dtype}).")
            assignments.append((v, key))
    optimizer = {k: d for k, d in datasets.items() if k.startswith("optimizer/")}
    # tf.keras 2.13+ also stored its metric trackers' running totals: not weights.
    left = sorted(k for k in datasets if k not in used and k not in optimizer
                  and not k.startswith("metrics/"))
    if left:
        raise ModelFormatError(reader.path, (
            f"the file holds weights this architecture has no place for: {', '.join(left[:5])}"
            f"{' ...' if len(left) > 5 else ''} ({len(left)})."))
    values = [(v, reader.read(datasets[key], key)) for v, key in assignments]
    extra = [(path, layer, state_name, key, reader.read(datasets[key], key))
             for path, layer, state_name, key in named_state]
    bad = []
    for v, value in values:
        v.data[...] = value
        if v.data.dtype.kind == "f" and not np.isfinite(v.data).all():
            bad.append(getattr(v, "path", v.name))
    if bad:
        warnings.warn(f"'{reader.path}': the weights {bad} contain NaN or infinite values; "
                      "the model was loaded as saved.", UserWarning, stacklevel=4)
    for path, layer, state_name, key, value in extra:
        if state is None:
            keras_assets.set_idf(layer, value, reader.path, key)
        else:
            state.setdefault(path, {})[state_name] = value
    after_loading(model)
    return {int(k.rsplit("/", 1)[1]): d for k, d in optimizer.items()
            if k.startswith("optimizer/vars/") and k.rsplit("/", 1)[1].isdigit()}


def _index_key(key):
    tail = key.rsplit("/", 1)[1]
    return (0, int(tail), "") if tail.isdigit() else (1, 0, tail)


def restore_optimizer_from(reader, datasets, optimizer, model):
    """The optimizer's variables from ``optimizer/vars/<i>`` when they fit the optimizer
    rebuilt for ``model`` (same count, shapes), else a warning and a fresh optimizer."""
    if not datasets or optimizer is None:
        return
    if len(datasets) > len(optimizer.variables):
        optimizer.build(model.trainable_weights)
    variables = optimizer.variables
    checked = [reader.check_dataset(datasets.get(i), f"optimizer/vars/{i}")
               if i in datasets else None for i in range(len(variables))]
    if len(datasets) != len(variables) or any(
            c is None or c[0] != tuple(v.data.shape) for c, v in zip(checked, variables)):
        warnings.warn(f"'{reader.path}': the saved optimizer state ({len(datasets)} variables) "
                      f"does not fit the optimizer rebuilt for this model ({len(variables)} "
                      "variables); training will restart the optimizer from scratch.",
                      UserWarning, stacklevel=4)
        return
    for i, v in enumerate(variables):
        v.data[...] = reader.read(datasets[i], f"optimizer/vars/{i}")


# --- writing --------------------------------------------------------------------------
def write_keras_weights(h5, model, include_optimizer=True):
    """Write ``model``'s variables (and its optimizer's) into the open h5py.File ``h5``
    under Keras's paths, each group named as Keras names it."""
    from gradiente.saving.saved_weights import saved_weights

    stored = {id(v): value for v, value in saved_weights(model)}
    for path, layer, _ in keras_objects(model):
        group = h5.create_group(_vars_path(path))
        group.attrs["name"] = layer.name
        for i, v in enumerate(_own_variables(layer)):
            group.create_dataset(str(i), data=np.asarray(stored.get(id(v), v.data)))
        for state_name, value in keras_assets.own_state(layer).items():
            group.create_dataset(state_name, data=value)
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and optimizer.variables:
        group = h5.create_group("optimizer/vars")
        group.attrs["name"] = optimizer.name
        for i, v in enumerate(optimizer.variables):
            data = np.asarray(v.data)
            if i == 0 and data.dtype.kind in "iu":
                data = data.astype(np.int32)  # Keras's iterations counter
            group.create_dataset(str(i), data=data)
