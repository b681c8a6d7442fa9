"""``clone_model``: the same architecture with new layers and freshly initialised weights."""
import inspect
import warnings

from gradiente.layers.input_layer import InputLayer
from gradiente.layers.node import KerasTensor
from gradiente.models.functional import Functional
from gradiente.utils.nest import flatten, map_structure


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model wired like ``model``, with new layers (Keras 3's ``clone_model``).

    ``clone_function(layer)`` makes each layer's replacement (default: from its config, so
    the same name and new weights); a layer used several times is cloned once, so sharing
    is kept. ``call_function(layer, *args, **kwargs)`` calls each clone in a Functional
    model (default: ``layer(*args, **kwargs)``). ``recursive=True`` clones nested
    Sequential/Functional models layer by layer with the same functions. ``input_tensors``:
    Input tensors to build the clone on. A compiled model's clone is compiled the same way
    (a new optimizer). A subclassed model is rebuilt from its ``get_config()``. Copy
    weights with ``clone.set_weights(model.get_weights())``.
    """
    from gradiente.models.sequential import Sequential

    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"clone_model(): unexpected keyword argument(s) {tuple(kwargs)}.")
    if clone_function is not None and not callable(clone_function):
        raise ValueError(f"clone_model(): `clone_function` must be callable, received {clone_function!r}.")
    if call_function is not None and not callable(call_function):
        raise ValueError(f"clone_model(): `call_function` must be callable, received {call_function!r}.")
    wrapped = _wrap_clone_function(clone_function, call_function, recursive, {} if cache is None else cache)
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "clone_model(): `call_function` works with Functional models only: a Sequential "
                f"model's layers are listed, not called, when it is built (model '{model.name}')."
            )
        clone = _clone_sequential(model, wrapped, input_tensors)
    elif isinstance(model, Functional):
        clone = _clone_functional(model, wrapped, call_function, input_tensors)
    else:
        return _clone_subclassed(model, clone_function, call_function, input_tensors)
    _copy_compile(model, clone)
    return clone


def _default_clone(layer):
    from gradiente.saving.construct import instantiate

    return instantiate(type(layer), layer.get_config())


def _wrap_clone_function(clone_function, call_function, recursive, cache):
    """Clone each layer once (shared layers stay shared); with ``recursive``, nested
    Sequential/Functional models are cloned layer by layer."""
    clone_function = clone_function or _default_clone

    def wrapped(layer):
        key = id(layer)
        if key not in cache:
            if recursive and isinstance(layer, Functional):
                cache[key] = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache,
                                         call_function=None if _is_sequential(layer) else call_function)
            else:
                cache[key] = clone_function(layer)
        return cache[key]

    return wrapped


def _is_sequential(model):
    from gradiente.models.sequential import Sequential

    return isinstance(model, Sequential)


def _clone_sequential(model, clone_function, input_tensors):
    from gradiente.models.sequential import Sequential

    clone = Sequential(name=model.name)
    if input_tensors is not None:
        given = flatten(input_tensors)
        if len(given) != 1 or not isinstance(given[0], KerasTensor):
            raise ValueError(
                f"clone_model(): a Sequential model takes one input tensor (keras.Input), but "
                f"`input_tensors` holds {len(given)} value(s): {input_tensors!r:.80}"
            )
        clone.add(given[0])
    for layer in model._layers:
        if isinstance(layer, InputLayer):
            if input_tensors is None:
                clone.add(_default_clone(layer))
        else:
            clone.add(clone_function(layer))
    if not model.trainable:  # setting it True would unfreeze layers the config froze
        clone.trainable = False
    return clone


def _clone_functional(model, clone_function, call_function, input_tensors):
    if not model.built:
        raise ValueError(f"clone_model(): model '{model.name}' is not built yet.")
    tensors = {}
    given = flatten(input_tensors) if input_tensors is not None else None
    if given is not None:
        if len(given) != len(model.inputs):
            raise ValueError(
                f"clone_model(): model '{model.name}' has {len(model.inputs)} input(s), but "
                f"{len(given)} input tensor(s) were given."
            )
        bad = [type(t).__name__ for t in given if not isinstance(t, KerasTensor)]
        if bad:
            raise ValueError(f"clone_model(): `input_tensors` must be keras.Input tensors, received {bad}.")
    for i, t in enumerate(model.inputs):
        if given is not None:
            tensors[id(t)] = given[i]
        else:
            tensors[id(t)] = _default_clone(t._keras_history[0])._inbound_nodes[0].outputs

    def new(x):
        return tensors[id(x)] if isinstance(x, KerasTensor) else x

    for node in model._nodes_in_order:
        if node.is_input and isinstance(node.layer, InputLayer):
            continue
        layer = clone_function(node.layer)
        kwargs = {k: map_structure(new, v) for k, v in node.call_kwargs.items()}
        args = kwargs.pop("_args", ())
        inputs = map_structure(new, node.call_inputs)
        if call_function is None:
            outputs = layer(inputs, *args, **kwargs)
        else:
            outputs = call_function(layer, inputs, *args, **kwargs)
        for old, fresh in zip(node.output_tensors, flatten(outputs)):
            tensors[id(old)] = fresh
    cls = type(model) if _functional_like_constructor(type(model)) else Functional
    return cls(inputs=map_structure(new, model._input_structure),
               outputs=map_structure(new, model._output_structure), name=model.name)


def _functional_like_constructor(cls):
    """A Functional subclass that takes Functional's own constructor arguments is cloned as
    itself (Keras's rule); any other becomes a plain Functional."""
    if cls is Functional:
        return True
    return inspect.getfullargspec(cls.__init__).args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]


def _clone_subclassed(model, clone_function, call_function, input_tensors):
    from gradiente.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

    if clone_function is not None or input_tensors is not None or call_function is not None:
        raise ValueError(
            "clone_model(): `clone_function`, `call_function` and `input_tensors` work with "
            f"Sequential and Functional models only, but '{model.name}' is a subclassed model "
            f"({type(model).__name__})."
        )
    try:
        config = serialize_keras_object(model)
    except NotImplementedError as err:
        raise ValueError(
            f"clone_model() rebuilds the subclassed model '{model.name}' ({type(model).__name__}) "
            f"from its get_config(), which it does not implement: {err}"
        ) from None
    config.pop("build_config", None)  # weights are created fresh on first call, as in Keras
    clone = deserialize_keras_object(config, custom_objects={type(model).__name__: type(model)})
    _copy_compile(model, clone)
    return clone


def _copy_compile(model, clone):
    """Compile the clone as ``model`` was (a new optimizer of the same config), as Keras does."""
    from gradiente.saving.compile_config import compile_from_config, compile_to_config

    if not getattr(model, "compiled", False) or getattr(model, "_compile_state", None) is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = compile_to_config(model)
    if config is None:
        warnings.warn(
            f"clone_model(): the clone of '{model.name}' is not compiled: its compile arguments "
            "(a lambda or unregistered function?) cannot be copied. Call compile() on the clone.",
            UserWarning, stacklevel=3,
        )
        return
    compile_from_config(clone, config, None, "<clone_model>")
