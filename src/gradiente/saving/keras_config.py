"""Keras's config JSON (Keras 3 archives, legacy tf.keras 2 files) translated into our
layers' configs where the two differ in form but not in meaning.

Only what means the same is translated: a dtype policy object becomes its dtype name, and
Keras-only arguments are dropped when they hold the value that changes nothing
(``sparse=False``, ``quantization_config=None``, ...). Any other value of such an argument,
and any argument our layers do not know, reaches the layer's ``from_config`` unchanged and
is refused there by name, so a feature gradiente lacks is never silently ignored.
"""
import copy

from gradiente.saving.errors import ModelFormatError

# Arguments Keras writes that our layers do not take, with the value meaning "off".
_NEUTRAL = {
    "sparse": False,
    "ragged": False,
    "optional": False,
    "quantization_config": None,
    "synchronized": False,   # BatchNormalization across replicas (one device here)
    "lora_enabled": False,
    "renorm": False,
    "renorm_clipping": None,
    "use_gate": False,       # MultiHeadAttention's gated variant
    "sliding_window": None,
}
# Arguments that only matter while another one is on: dropped with it.
_ONLY_WITH = {"renorm_momentum": "renorm"}
# Keys Keras writes next to a model's layers that restate what the config already holds.
_REDUNDANT = ("build_input_shape", "shared_object_id")
_POLICY_CLASSES = {"DTypePolicy", "FloatDTypePolicy", "Policy"}
_MIXED = {"mixed_float16", "mixed_bfloat16"}


def translate(config, path):
    """A deep copy of a Keras model config that our ``model_from_config`` reads."""
    return _walk(copy.deepcopy(config), path, depth=0)


def _walk(value, path, depth):
    if depth > 400:
        raise ModelFormatError(path, "the architecture is nested too deeply.")
    if isinstance(value, list):
        return [_walk(v, path, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") in _POLICY_CLASSES and isinstance(value.get("config"), dict):
        return _policy_name(value, path)
    for key in _REDUNDANT:
        value.pop(key, None)
    inner = value.get("config")
    if isinstance(inner, dict) and isinstance(value.get("class_name"), str):
        for key, neutral in _NEUTRAL.items():
            if key in inner and inner[key] == neutral:
                del inner[key]
        for key, switch in _ONLY_WITH.items():
            if key in inner and switch not in inner:
                del inner[key]
    if isinstance(value.get("inbound_nodes"), list):
        value["inbound_nodes"] = [_node(n, path) if isinstance(n, dict) else n
                                  for n in value["inbound_nodes"]]
    return {k: _walk(v, path, depth + 1) for k, v in value.items()}


def _policy_name(record, path):
    name = record["config"].get("name")
    if not isinstance(name, str):
        raise ModelFormatError(path, f"a dtype policy has no name: {str(record)[:80]}.")
    if name in _MIXED:
        raise ModelFormatError(path, (
            f"the model uses Keras's mixed-precision policy '{name}', which gradiente does not "
            "implement (it computes in the variables' dtype); re-save it with float32."))
    return name


# --- Functional graphs ---------------------------------------------------------------
def _node(node, path):
    """Keras 3's call record ``{"args": [...], "kwargs": {...}}`` (tensors as
    ``__keras_tensor__`` records with a ``keras_history``) in our form: the first argument's
    tensors as ``[layer, node, tensor, kwargs]`` references, further positional arguments
    under ``kwargs["_args"]``, tensors among them as ``{"__keras_tensor__": reference}``."""
    args, kwargs = node.get("args"), node.get("kwargs", {})
    if not isinstance(args, list) or not args or not isinstance(kwargs, dict):
        raise ModelFormatError(path, f"a layer call record is malformed: {str(node)[:100]}.")
    kwargs = {k: _kwarg(v, path) for k, v in kwargs.items()}
    if len(args) > 1:
        kwargs["_args"] = [_kwarg(a, path) for a in args[1:]]
    first = args[0]
    if _is_tensor(first):
        return [_reference(first, path) + [kwargs]]
    return _structure(first, kwargs, path)


def _is_tensor(value):
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _reference(record, path):
    history = record.get("config", {}).get("keras_history") if isinstance(record.get("config"), dict) else None
    if (not isinstance(history, list) or len(history) != 3 or not isinstance(history[0], str)
            or not all(type(i) is int for i in history[1:])):
        raise ModelFormatError(path, f"a tensor reference is malformed: {str(record)[:100]}.")
    return list(history)


def _structure(value, kwargs, path):
    if _is_tensor(value):
        return _reference(value, path) + [kwargs]
    if isinstance(value, list):
        return [_structure(v, kwargs, path) for v in value]
    if isinstance(value, dict):
        return {k: _structure(v, kwargs, path) for k, v in value.items()}
    raise ModelFormatError(path, f"a layer is called on the constant {str(value)[:60]!r} in "
                                 "place of a tensor, which gradiente's graphs do not record.")


def _kwarg(value, path):
    if _is_tensor(value):
        return {"__keras_tensor__": _reference(value, path)}
    if isinstance(value, list):
        return [_kwarg(v, path) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _kwarg(v, path) for k, v in value.items()}
    return value


# --- our graphs written as Keras 3 writes them --------------------------------------------
def keras_call_records(model, config):
    """``config`` (our Functional ``get_config``) with every layer's inbound nodes as Keras
    3's call records: Keras 3 reads our reference lists only for calls whose every tensor
    is in the first argument, not MultiHeadAttention's ``(query, value)``. A record's
    tensors carry their shape and dtype, which Keras needs to revive them."""
    from gradiente.models.functional import Functional
    from gradiente.utils.nest import flatten

    tensors = {}
    for layer in model._layers:
        kept = [n for n in layer._inbound_nodes if id(n) in model._network_nodes]
        for k, node in enumerate(kept):
            for t, tensor in enumerate(flatten(node.outputs)):
                tensors[(layer.name, k, t)] = tensor
    by_name = {layer.name: layer for layer in model._layers}

    def record(ref):
        tensor = tensors[(ref[0], ref[1], ref[2])]
        return {"class_name": "__keras_tensor__", "config": {
            # Our string tensors hold Python str objects; Keras names their dtype "string".
            "shape": list(tensor.shape),
            "dtype": "string" if tensor.dtype.kind in "OUS" else tensor.dtype.name,
            "keras_history": [ref[0], ref[1], ref[2]]}}

    def structure(data):
        if _is_ref(data):
            return record(data)
        if isinstance(data, dict):
            return {k: structure(v) for k, v in data.items()}
        return [structure(v) for v in data]

    def kwarg(value):
        if isinstance(value, dict) and set(value) == {"__keras_tensor__"}:
            return record(value["__keras_tensor__"])
        if isinstance(value, dict):
            return {k: kwarg(v) for k, v in value.items()}
        if isinstance(value, list):
            return [kwarg(v) for v in value]
        return value

    for entry in config["layers"]:
        nodes = []
        for data in entry.get("inbound_nodes", []):
            refs = _refs_in(data)
            kwargs = dict(refs[0][3]) if refs and len(refs[0]) == 4 else {}
            extra = kwargs.pop("_args", [])
            first = record(data[0]) if len(data) == 1 and _is_ref(data[0]) else structure(data)
            nodes.append({"args": [first] + [kwarg(a) for a in extra],
                          "kwargs": {k: kwarg(v) for k, v in kwargs.items()}})
        entry["inbound_nodes"] = nodes
        layer = by_name.get(entry.get("name"))
        if isinstance(layer, Functional) and isinstance(entry.get("config"), dict):
            keras_call_records(layer, entry["config"])
    return config


def _is_ref(value):
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and type(value[1]) is int and type(value[2]) is int)


def _refs_in(data):
    if _is_ref(data):
        return [data]
    items = data.values() if isinstance(data, dict) else data
    return [r for item in items for r in _refs_in(item)]
