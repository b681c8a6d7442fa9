"""Wrappers: TimeDistributed (a layer or model applied to every time step) and Bidirectional
(a recurrent layer run forwards and backwards, outputs merged)."""
from gradiente import ops
from gradiente.autodiff.trace import host_array
from gradiente.layers.call_spec import call_signature
from gradiente.layers.layer import Layer
from gradiente.utils.nest import flatten


def _layer_config(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _layer_from_config(config):
    """The wrapped layer from its entry: built-in, registered or in a custom-object scope."""
    from gradiente.saving.serialization_lib import deserialize_layer

    return deserialize_layer(config)


def _check_layer(owner, layer):
    if not isinstance(layer, Layer):
        raise TypeError(
            f"{owner} wraps a layer (or model) instance, received {layer!r}. For example "
            f"{owner}(Dense(10))."
        )


class TimeDistributed(Layer):
    """Applies ``layer`` to each time step: (batch, time, ...) -> (batch, time, ...').

    The batch and time axes are merged, the layer runs once on (batch·time, ...), and the
    result is split again, so the same weights serve every step.
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        _check_layer("TimeDistributed", layer)
        super().__init__(**kwargs)
        self.layer = layer

    def _check_rank(self, shape):
        if len(shape) < 3:
            raise ValueError(
                f"TimeDistributed layer '{self.name}' expects inputs of rank >= 3, (batch, time, ...), "
                f"but received shape {tuple(shape)}. Add a time axis (e.g. x[:, None]) or apply "
                f"{type(self.layer).__name__} directly."
            )

    def build(self, input_shape):
        self._check_rank(input_shape)
        if not self.layer.built:
            self.layer._maybe_build((None,) + tuple(input_shape[2:]))
        self.built = True

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        self._check_rank(shape)
        batch, steps = shape[0], shape[1]
        merged = ops.reshape(inputs, (batch * steps,) + shape[2:])
        kwargs = {"training": training}
        if mask is not None and call_signature(type(self.layer))[1]:  # its call takes a mask
            mask = host_array(mask, f"the mask of {self.name}")
            if mask.ndim < 2 or mask.shape[:2] != (batch, steps):
                raise ValueError(
                    f"TimeDistributed layer '{self.name}': the mask of shape {mask.shape} does not "
                    f"fit inputs of shape {shape}: its first two axes must be (batch, time) = "
                    f"{(batch, steps)}."
                )
            kwargs["mask"] = mask.reshape((batch * steps,) + mask.shape[2:])
        out = self.layer(merged, **kwargs)
        return ops.reshape(out, (batch, steps) + tuple(out.shape[1:]))

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def get_config(self):
        config = super().get_config()
        config["layer"] = _layer_config(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(_layer_from_config(config.pop("layer")), **config)


_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """Runs a recurrent layer over the sequence forwards and a copy of it backwards.

    (batch, time, features) -> (batch, 2·units) with ``merge_mode="concat"`` (or units for
    ``"sum"``, ``"mul"``, ``"ave"``; a list of both outputs for ``None``). With
    ``return_sequences`` the backward outputs are put back in time order before merging.
    Weights: the forward layer's, then the backward layer's.
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        _check_layer("Bidirectional", layer)
        if not hasattr(layer, "go_backwards") or not hasattr(layer, "return_sequences"):
            raise ValueError(
                f"Bidirectional wraps a recurrent layer (LSTM, GRU, SimpleRNN, RNN), received "
                f"{type(layer).__name__}."
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Bidirectional: invalid merge_mode {merge_mode!r}; choose one of 'concat', 'sum', "
                "'mul', 'ave' or None."
            )
        super().__init__(**kwargs)
        config = layer.get_config()
        self.forward_layer = type(layer).from_config({**config, "name": "forward_" + layer.name})
        if backward_layer is None:
            backward_layer = type(layer).from_config(
                {**config, "name": "backward_" + layer.name, "go_backwards": not layer.go_backwards})
            self._backward_given = False
        else:
            _check_layer("Bidirectional", backward_layer)
            for attr in ("return_sequences", "return_state"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ValueError(
                        f"Bidirectional: forward and backward layers must have the same {attr}, "
                        f"received {getattr(layer, attr)} and {getattr(backward_layer, attr)}."
                    )
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError(
                    "Bidirectional: the backward layer must read the sequence the other way: give it "
                    f"go_backwards={not layer.go_backwards}."
                )
            self._backward_given = True
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = bool(getattr(layer, "stateful", False))
        self._initial_weights = weights

    def build(self, input_shape):
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    @property
    def states(self):
        """The forward layer's carried states, then the backward's (None until both have some)."""
        fw, bw = self.forward_layer.states, self.backward_layer.states
        return tuple(fw + bw) if fw and bw else None

    def reset_state(self):
        """Zero both directions' carried states; Keras refuses it on a layer not stateful."""
        if not self.stateful:
            raise AttributeError(f"Bidirectional layer '{self.name}' must be stateful to reset its "
                                 "states: wrap a layer built with stateful=True.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        """Keras's alias of ``reset_state``."""
        self.reset_state()

    def _merge(self, fw, bw):
        if self.merge_mode == "concat":
            return ops.concatenate([fw, bw], axis=-1)
        if self.merge_mode == "sum":
            return ops.add(fw, bw)
        if self.merge_mode == "mul":
            return ops.multiply(fw, bw)
        if self.merge_mode == "ave":
            return ops.multiply(ops.add(fw, bw), 0.5)
        return [fw, bw]

    def call(self, inputs, training=None, mask=None, initial_state=None):
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        fw_kwargs, bw_kwargs = dict(kwargs), dict(kwargs)
        if initial_state is not None:
            states = flatten(initial_state)
            if len(states) % 2:
                raise ValueError(
                    f"Bidirectional layer '{self.name}': initial_state must hold the forward layer's "
                    f"states then the backward layer's (an even number), received {len(states)}."
                )
            half = len(states) // 2
            fw_kwargs["initial_state"], bw_kwargs["initial_state"] = states[:half], states[half:]
        fw = self.forward_layer(inputs, **fw_kwargs)
        bw = self.backward_layer(inputs, **bw_kwargs)
        fw_states = bw_states = []
        if self.return_state:
            fw, fw_states = fw[0], list(fw[1:])
            bw, bw_states = bw[0], list(bw[1:])
        if self.return_sequences:
            bw = ops.flip(bw, axis=1)
        out = self._merge(fw, bw)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + fw_states + bw_states
        return out

    def compute_output_shape(self, input_shape):
        shapes = self.forward_layer.compute_output_shape(input_shape)
        out, states = (shapes[0], list(shapes[1:])) if self.return_state else (shapes, [])
        if self.merge_mode == "concat":
            merged = [tuple(out[:-1]) + (out[-1] * 2,)]
        elif self.merge_mode is None:
            merged = [tuple(out), tuple(out)]
        else:
            merged = [tuple(out)]
        if self.return_state:
            return merged + states + states
        return merged[0] if len(merged) == 1 else merged

    def compute_mask(self, inputs, mask=None):
        """As Keras 3: with return_sequences the time-step mask (once per output when
        merge_mode is None); the returned states carry none."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if self.return_sequences:
            output_mask = [mask, mask] if self.merge_mode is None else mask
        else:
            output_mask = [None, None] if self.merge_mode is None else None
        if self.return_state:
            n_states = len(self.forward_layer._state_sizes())
            head = output_mask if isinstance(output_mask, list) else [output_mask]
            return head + [None] * (2 * n_states)
        return output_mask

    def get_config(self):
        config = super().get_config()
        layer_config = _layer_config(self.forward_layer)
        layer_config["config"]["name"] = self.forward_layer.name[len("forward_"):]
        config.update(layer=layer_config, merge_mode=self.merge_mode)
        if self._backward_given:
            config["backward_layer"] = _layer_config(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        layer = _layer_from_config(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = _layer_from_config(backward)
        return cls(layer, backward_layer=backward, **config)
