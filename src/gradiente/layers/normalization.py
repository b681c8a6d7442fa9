"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
RMSNormalization.

The first three compute ``gamma · (x - mean) / sqrt(var + epsilon) + beta`` and differ in which
axes the mean and (biased) variance are taken over; RMSNormalization (and LayerNormalization
with ``rms_scaling``) computes ``gamma · x / sqrt(mean(x²) + epsilon)``. The training-mode forward and its
gradient are one fused primitive, ``ops.normalization.normalize``: composing it from ops
would cost about ten tape records and as many passes over the activations.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradiente import backend, constraints, initializers, ops, regularizers, replica_context
from gradiente.autodiff.trace import host_array
from gradiente.layers import weight_arguments
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer
from gradiente.ops.normalization import normalize, rms_normalize
from gradiente.ops.synchronized_normalization import synchronized_normalize

if TYPE_CHECKING:
    from collections.abc import Sequence

    from gradiente.hints import ConstraintArg, InitializerArg, RegularizerArg


def _axes_list(axis, owner):
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    if not axes or not all(isinstance(a, (int, np.integer)) for a in axes):
        raise TypeError(f"{owner}: `axis` must be an int or a list of ints, received axis={axis!r}.")
    return [int(a) for a in axes]


def _resolve_axes(axes, rank, owner, input_shape):
    resolved = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(
                f"{owner}: axis {a} is out of range for inputs of rank {rank} (shape {tuple(input_shape)})."
            )
        resolved.append(a % rank)
    if 0 in resolved:
        raise ValueError(
            f"{owner}: `axis` cannot include the batch axis 0 (received axis={axes}); give the "
            "feature axes, e.g. axis=-1 for channels-last data."
        )
    return sorted(set(resolved))


def _optional(fn, value):
    return None if value is None else fn(value)


def _broadcast(param, axes, rank):
    """A weight shaped like the normalized ``axes``, reshaped to broadcast against inputs of
    ``rank``; None stays None."""
    if param is None:
        return None
    if axes == list(range(rank - len(axes), rank)):
        return param  # already broadcasts (the usual channels-last case): no reshape record
    shape = [1] * rank
    for a, n in zip(axes, param.shape):
        shape[a] = n
    return ops.reshape(param, tuple(shape))


class _Normalization(Layer):
    """Shared options: epsilon, center (beta), scale (gamma), their initializers and penalties."""

    # call is ops on inputs and weights; BatchNormalization's moving statistics are updated
    # by its op (ops.normalization), so fit may replay all three.
    traceable = True

    supports_masking = True

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, (int, np.integer)) else list(axis)
        self._axes = _axes_list(axis, type(self).__name__)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _param_shape(self, input_shape):
        rank = len(input_shape)
        self._param_axes = _resolve_axes(self._axes, rank, type(self).__name__, input_shape)
        for a in self._param_axes:
            if input_shape[a] is None:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': axis {a} of the input shape "
                    f"{tuple(input_shape)} must be known to create its weights, but it is None."
                )
        return tuple(input_shape[a] for a in self._param_axes)

    def _add_gamma_beta(self, shape):
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)

    def _broadcast(self, param, rank):
        return _broadcast(param, self._param_axes, rank)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis,
            epsilon=self.epsilon,
            center=self.center,
            scale=self.scale,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            beta_regularizer=_optional(regularizers.serialize, self.beta_regularizer),
            gamma_regularizer=_optional(regularizers.serialize, self.gamma_regularizer),
            beta_constraint=_optional(_constraint_config, self.beta_constraint),
            gamma_constraint=_optional(_constraint_config, self.gamma_constraint),
        )
        return config


_constraint_config = weight_arguments.constraint_config


class BatchNormalization(_Normalization):
    """Normalizes each channel (``axis``, default the last) over the batch and all other axes.

    (batch, ..., C) -> same shape. Weights: gamma, beta (trainable), moving_mean and
    moving_variance (non-trainable). In training (``training=True``) it uses the batch's
    statistics and updates ``moving = momentum · moving + (1 - momentum) · batch``; otherwise
    it uses the moving statistics. A frozen layer (``trainable=False``) always runs in
    inference mode, as in Keras.
    """

    def __init__(self, axis: int | Sequence[int] = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: InitializerArg = "zeros",
                 gamma_initializer: InitializerArg = "ones", moving_mean_initializer: InitializerArg = "zeros",
                 moving_variance_initializer: InitializerArg = "ones", beta_regularizer: RegularizerArg = None,
                 gamma_regularizer: RegularizerArg = None, beta_constraint: ConstraintArg = None,
                 gamma_constraint: ConstraintArg = None, synchronized: bool = False, **kwargs: Any) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(
                f"BatchNormalization: `momentum` must be in [0, 1], received momentum={momentum!r}.")
        self.momentum = float(momentum)
        self.synchronized = bool(synchronized)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        shape = self._param_shape(input_shape)
        self._add_gamma_beta(shape)
        self.moving_mean = self.add_weight("moving_mean", shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        rank = len(input_shape)
        self._reduce_axes = tuple(a for a in range(rank) if a not in self._param_axes)
        self.input_spec = InputSpec(
            ndim=rank, axes={a: input_shape[a] for a in self._param_axes},
            layout=f"{tuple(input_shape)} (normalized axis {self._param_axes} fixed)",
            hint="It was built for inputs of this rank and this size along the normalized axis.")
        self.built = True

    @property
    def traceable(self):
        # Synchronized across processes, the step sums inside this layer; fit's replay check
        # runs a step twice on a process whose share has a new shape while another process
        # replays once, so such a step stays eager.
        return not (self.synchronized and replica_context.current() is not None)

    def call(self, inputs, training=None, mask=None):
        rank = inputs.ndim
        if mask is not None and np.ndim(getattr(mask, "data", mask)) != rank - 1:
            raise ValueError(
                f"BatchNormalization layer '{self.name}': the mask must have one axis fewer than "
                f"the inputs, received mask.shape={np.shape(getattr(mask, 'data', mask))} and "
                f"inputs.shape={tuple(inputs.shape)}."
            )
        gamma, beta = self._broadcast(self.gamma, rank), self._broadcast(self.beta, rank)
        if training and self.trainable:
            replicas = replica_context.current() if self.synchronized else None
            if replicas is not None:  # data parallel: the global batch's statistics
                if mask is not None:
                    raise NotImplementedError(
                        f"BatchNormalization layer '{self.name}': synchronized=True with a mask is "
                        "not supported across processes; use synchronized=False."
                    )
                return synchronized_normalize(inputs, gamma, beta, axes=self._reduce_axes, epsilon=self.epsilon,
                                              stats={}, moving=(self.moving_mean, self.moving_variance, self.momentum),
                                              reduce=replicas.comm.allreduce_sum)
            if mask is not None:
                return self._masked_training_call(inputs, mask, gamma, beta)
            # The op itself updates the moving statistics, so a replayed step does too.
            return normalize(inputs, gamma, beta, axes=self._reduce_axes, epsilon=self.epsilon, stats={},
                             moving=(self.moving_mean, self.moving_variance, self.momentum))
        # Inference: an affine map with constants from the moving statistics.
        inv = 1.0 / np.sqrt(self.moving_variance.data + self.epsilon)
        mean = self.moving_mean.data
        shape = [1] * rank
        for a, n in zip(self._param_axes, mean.shape):
            shape[a] = n
        inv, mean = inv.reshape(shape), mean.reshape(shape)
        out = ops.multiply(inputs, inv) if gamma is None else ops.multiply(inputs, ops.multiply(gamma, inv))
        shift = -mean * inv
        out = ops.add(out, shift if gamma is None else ops.multiply(gamma, shift))
        return out if beta is None else ops.add(out, beta)

    def _masked_training_call(self, inputs, mask, gamma, beta):
        """Training with a (batch, ..., time) mask, as Keras 3: the batch statistics are taken
        over the unmasked positions only (count + backend epsilon), then every position is
        normalized with them and the moving statistics follow them."""
        axes = self._reduce_axes
        keep = np.broadcast_to(host_array(mask, f"the mask of {self.name}", dtype=bool)[..., None], inputs.shape)
        weight = keep.astype(inputs.dtype)
        count = weight.sum(axis=axes, keepdims=True) + backend.epsilon()
        mean = ops.divide(ops.sum(ops.multiply(inputs, weight), axis=axes, keepdims=True), count)
        centered = ops.subtract(inputs, mean)
        var = ops.divide(ops.sum(ops.square(ops.multiply(centered, weight)), axis=axes, keepdims=True), count)
        for variable, value in ((self.moving_mean, mean), (self.moving_variance, var)):
            batch = value.data.reshape(variable.shape).astype(variable.dtype)
            variable.assign(variable.data * self.momentum + batch * (1 - self.momentum))
        out = ops.multiply(centered, ops.divide(np.asarray(1.0, dtype=inputs.dtype),
                                                ops.sqrt(ops.add(var, np.asarray(self.epsilon, dtype=inputs.dtype)))))
        if gamma is not None:
            out = ops.multiply(out, gamma)
        return out if beta is None else ops.add(out, beta)

    def get_config(self):
        config = super().get_config()
        config.update(
            momentum=self.momentum,
            moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
            moving_variance_initializer=initializers.serialize(self.moving_variance_initializer),
            synchronized=self.synchronized,
        )
        return config


class LayerNormalization(_Normalization):
    """Normalizes each sample over ``axis`` (default the last): (batch, ..., C) -> same shape.

    Weights gamma, beta shaped like the normalized axes. With ``rms_scaling=True``,
    ``center`` and ``scale`` are ignored: inputs are divided by their root mean square
    (no mean is taken) and multiplied by gamma, the only weight, as in Keras.
    """

    def __init__(self, axis: int | Sequence[int] = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, rms_scaling: bool = False, beta_initializer: InitializerArg = "zeros",
                 gamma_initializer: InitializerArg = "ones", beta_regularizer: RegularizerArg = None,
                 gamma_regularizer: RegularizerArg = None, beta_constraint: ConstraintArg = None,
                 gamma_constraint: ConstraintArg = None, **kwargs: Any) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        shape = self._param_shape(input_shape)
        if self.rms_scaling:
            self.beta = None
            self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        else:
            self._add_gamma_beta(shape)
        self.built = True

    def call(self, inputs):
        rank = inputs.ndim
        if self.rms_scaling:
            return rms_normalize(inputs, self._broadcast(self.gamma, rank), axes=tuple(self._param_axes),
                                 epsilon=self.epsilon, stats={})
        return normalize(inputs, self._broadcast(self.gamma, rank), self._broadcast(self.beta, rank),
                         axes=tuple(self._param_axes), epsilon=self.epsilon, stats={})

    def get_config(self):
        config = super().get_config()
        config["rms_scaling"] = self.rms_scaling
        return config


class GroupNormalization(_Normalization):
    """Splits the channels (``axis``, default the last) into ``groups`` and normalizes each
    group of each sample over its channels and all spatial axes. (batch, ..., C) -> same shape.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(axis, (int, np.integer)):
            raise TypeError(f"GroupNormalization: `axis` must be one int, received axis={axis!r}.")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        if not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"GroupNormalization: `groups` must be a positive integer, received {groups!r}.")
        self.groups = int(groups)

    def build(self, input_shape):
        shape = self._param_shape(input_shape)
        channels = shape[0]
        if channels < self.groups or channels % self.groups:
            raise ValueError(
                f"GroupNormalization layer '{self.name}': the number of channels ({channels}, axis "
                f"{self.axis}) must be a multiple of `groups` ({self.groups}) and at least as large. "
                f"Choose groups among the divisors of {channels}."
            )
        self._add_gamma_beta(shape)
        self.built = True

    def call(self, inputs):
        rank = inputs.ndim
        axis = self._param_axes[0]
        x = ops.moveaxis(inputs, axis, -1) if axis != rank - 1 else inputs
        moved_shape = tuple(x.shape)
        channels = moved_shape[-1]
        grouped = ops.reshape(x, moved_shape[:-1] + (self.groups, channels // self.groups))
        # Statistics over the spatial axes and the channels of each group.
        axes = tuple(range(1, rank - 1)) + (rank,)
        group_shape = (self.groups, channels // self.groups)
        gamma = None if self.gamma is None else ops.reshape(self.gamma, group_shape)
        beta = None if self.beta is None else ops.reshape(self.beta, group_shape)
        out = normalize(grouped, gamma, beta, axes=axes, epsilon=self.epsilon, stats={})
        out = ops.reshape(out, moved_shape)
        return ops.moveaxis(out, -1, axis) if axis != rank - 1 else out

    def get_config(self):
        config = super().get_config()
        config["groups"] = self.groups
        return config


class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang & Sennrich, 2019), as in Keras 3:
    ``x / sqrt(mean(x², axis) + epsilon) · scale``. (batch, ..., C) -> same shape; one weight,
    ``scale`` (ones), shaped like the normalized axes.
    """

    traceable = True
    supports_masking = False  # Keras 3's RMSNormalization does not pass masks on

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, (int, np.integer)) else list(axis)
        self._axes = _axes_list(axis, type(self).__name__)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        rank = len(input_shape)
        self._param_axes = _resolve_axes(self._axes, rank, type(self).__name__, input_shape)
        if any(input_shape[a] is None for a in self._param_axes):
            raise ValueError(
                f"RMSNormalization layer '{self.name}': the normalized axes of the input shape "
                f"{tuple(input_shape)} must be known to create its weight.")
        self.scale = self.add_weight("scale", tuple(input_shape[a] for a in self._param_axes), initializer="ones")
        self.built = True

    def call(self, inputs):
        scale = _broadcast(self.scale, self._param_axes, inputs.ndim)
        return rms_normalize(inputs, scale, axes=tuple(self._param_axes), epsilon=self.epsilon, stats={})

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon)
        return config
