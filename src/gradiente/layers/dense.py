"""Dense: ``activation(inputs @ kernel + bias)`` on the last axis, for inputs of any rank ≥ 2,
with Keras 3's low-rank adaptation (LoRA) of the kernel."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiente import activations, ops
from gradiente.layers import weight_arguments
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer
from gradiente.layers.lora import LoraKernel
# The primitive itself, not keras.ops's wrapper that looks for symbolic arguments: a layer's
# call only ever sees real Tensors (graphs call it on placeholders), and this is the hottest
# call of a one-sample predict.
from gradiente.ops.neural import dense as _dense

if TYPE_CHECKING:
    from gradiente.hints import ActivationArg, ConstraintArg, InitializerArg, RegularizerArg


class Dense(LoraKernel, Layer):
    """Densely connected layer. (batch, ..., n) -> (batch, ..., units).

    Weights: ``kernel`` (n, units), ``bias`` (units,); with LoRA (``lora_rank=r`` or
    ``enable_lora(r)``) also ``lora_kernel_a`` (n, r) and ``lora_kernel_b`` (r, units), float32
    and trainable, while the kernel is frozen and the layer computes with
    ``kernel + (a @ b) * (lora_alpha / r)``.
    """
    traceable = True  # call is ops on inputs and weights only: fit may replay it
    supports_masking = True  # acts on the last axis only, so time-step masks stay valid

    def __init__(self, units: int, activation: ActivationArg = None, use_bias: bool = True,
                 kernel_initializer: InitializerArg = "glorot_uniform", bias_initializer: InitializerArg = "zeros",
                 kernel_regularizer: RegularizerArg = None, bias_regularizer: RegularizerArg = None,
                 activity_regularizer: RegularizerArg = None, kernel_constraint: ConstraintArg = None,
                 bias_constraint: ConstraintArg = None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Dense: `units` must be a positive integer, received units={units!r}."
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        (self.kernel_initializer, self.bias_initializer, self.kernel_regularizer,
         self.bias_regularizer, self.kernel_constraint, self.bias_constraint) = weight_arguments.resolve(
            kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            kernel_constraint, bias_constraint)
        self._init_lora(lora_rank, lora_alpha)
        self.input_spec = InputSpec(
            min_ndim=2, layout="(batch, features)",
            hint="If each sample is a single number, reshape the data to (batch, 1) with "
                 "x.reshape(-1, 1); for one sample of n features, add the batch axis: x[None, :].",
        )
        # relu and linear run inside the fused dense op (one tape record, in-place bias/relu).
        fusable = {activations.linear: None, activations.relu: "relu", ops.relu: "relu"}
        self._fused = fusable.get(self.activation, False)

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f"Dense layer '{self.name}' needs to know its number of input features, but the last "
                f"axis of its input shape {tuple(input_shape)} is None."
            )
        self._kernel = self.add_weight("kernel", (features, self.units), initializer=self.kernel_initializer,
                                       regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(
            min_ndim=2, axes={-1: features}, layout=f"(batch, {features}) — {features} features",
            hint=f"It was built for {features} input features; give it data with {features} features "
                 "on the last axis (or add a Flatten layer before it for images).",
        )
        self.built = True
        self._build_lora()

    def call(self, inputs):
        kernel = self.kernel
        if self._fused is not False:
            return _dense(inputs, kernel, self.bias, activation=self._fused)
        return self.activation(_dense(inputs, kernel, self.bias))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            **weight_arguments.to_config(
                self.kernel_initializer, self.bias_initializer, self.kernel_regularizer,
                self.bias_regularizer, self.activity_regularizer, self.kernel_constraint,
                self.bias_constraint),
        )
        return self._lora_config(config)


# Older names the convolution layers import.
_maybe, _constraint_config = weight_arguments.optional_config, weight_arguments.constraint_config
