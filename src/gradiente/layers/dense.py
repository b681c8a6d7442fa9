"""Dense: ``activation(inputs @ kernel + bias)`` on the last axis, for inputs of any rank ≥ 2,
with Keras 3's low-rank adaptation (LoRA) of the kernel."""
from gradiente import activations, backend, constraints, initializers, ops, regularizers
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer


class Dense(Layer):
    """Densely connected layer. (batch, ..., n) -> (batch, ..., units).

    Weights: ``kernel`` (n, units), ``bias`` (units,); with LoRA (``lora_rank=r`` or
    ``enable_lora(r)``) also ``lora_kernel_a`` (n, r) and ``lora_kernel_b`` (r, units), float32
    and trainable, while the kernel is frozen and the layer computes with
    ``kernel + (a @ b) * (lora_alpha / r)``.
    """
    traceable = True  # call is ops on inputs and weights only: fit may replay it
    supports_masking = True  # acts on the last axis only, so time-step masks stay valid

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Dense: `units` must be a positive integer, received units={units!r}."
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        _check_lora_arguments(lora_rank, lora_alpha)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
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
        if self.lora_rank:  # 0 or None: no LoRA, as in Keras
            # Keras's build passes the rank alone here, which resets a configured lora_alpha
            # to the rank; the alpha the config holds is kept instead.
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def kernel(self):
        """The kernel the layer computes with: the ``kernel`` Variable, or with LoRA a Tensor
        ``kernel + (lora_kernel_a @ lora_kernel_b) * (lora_alpha / lora_rank)``."""
        if not self.built:
            raise AttributeError(f"Dense layer '{self.name}' is not built yet, so it has no "
                                 "`kernel`: build it (or call it on data) first.")
        if not self.lora_enabled:
            return self._kernel
        delta = ops.multiply(ops.matmul(self.lora_kernel_a, self.lora_kernel_b),
                             self.lora_alpha / self.lora_rank)
        kernel = ops.add(self._kernel, delta)
        if kernel.dtype != self.compute_dtype:
            kernel = ops.cast(kernel, self.compute_dtype)
        return kernel

    def call(self, inputs):
        kernel = self.kernel
        if self._fused is not False:
            return ops.dense(inputs, kernel, self.bias, activation=self._fused)
        return self.activation(ops.dense(inputs, kernel, self.bias))

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the kernel and train a low-rank update ``a @ b`` of it instead (Keras 3's
        LoRA): ``a`` (n, rank) starts from ``a_initializer``, ``b`` (rank, units) from
        ``b_initializer`` (zeros: the layer's output is unchanged at first)."""
        if self.kernel_constraint:
            raise ValueError(
                "Lora is incompatible with kernel constraints. In order to enable lora on this "
                "layer, remove the `kernel_constraint` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        _check_lora_arguments(rank, lora_alpha, need_rank=True)
        features = self._kernel.shape[0]
        # A model file holds the merged kernel, not the factors (as Keras saves them), so
        # while a model is rebuilt from a file no array of it can stand for them. They are
        # created unchecked when no larger than twice the kernel the file did fill (any
        # rank up to min(n, units) is); a larger rank is left to the file's check, which
        # refuses it before allocating.
        small = rank * (features + self.units) <= 2 * features * self.units
        token = backend.set_weight_check(None) if small and backend.weight_check() else None
        try:
            self.lora_kernel_a = self._add_lora_factor("lora_kernel_a", (features, rank), a_initializer)
            self.lora_kernel_b = self._add_lora_factor("lora_kernel_b", (rank, self.units), b_initializer)
        finally:
            if token is not None:
                backend.reset_weight_check(token)
        self._kernel.trainable = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def _add_lora_factor(self, name, shape, initializer):
        # float32 whatever the layer's dtype, as Keras: small updates must not underflow.
        return self.add_weight(name, shape, dtype="float32", initializer=initializers.get(initializer),
                               regularizer=self.kernel_regularizer)

    # Saving (saving/saved_weights.py), as Keras's save_own_variables/load_own_variables:
    # with LoRA a file holds the merged kernel in the kernel's place and no factors, and
    # loading zeroes the factors, so files pass between LoRA and plain Dense layers.
    def _saved_weight_value(self, variable):
        if not self.lora_enabled:
            return variable.data
        if variable is self._kernel:
            return self.kernel.data.astype(self._kernel.dtype, copy=False)
        if variable is self.lora_kernel_a or variable is self.lora_kernel_b:
            return None
        return variable.data

    def _after_weights_loaded(self):
        if self.lora_enabled:
            self.lora_kernel_a.data[...] = 0
            self.lora_kernel_b.data[...] = 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=_maybe(regularizers.serialize, self.kernel_regularizer),
            bias_regularizer=_maybe(regularizers.serialize, self.bias_regularizer),
            activity_regularizer=_maybe(regularizers.serialize, self.activity_regularizer),
            kernel_constraint=_maybe(_constraint_config, self.kernel_constraint),
            bias_constraint=_maybe(_constraint_config, self.bias_constraint),
        )
        if self.lora_rank:
            config.update(lora_rank=self.lora_rank, lora_alpha=self.lora_alpha)
        return config


def _maybe(fn, value):
    return None if value is None else fn(value)


def _constraint_config(c):
    return {"class_name": type(c).__name__, "config": c.get_config()}


def _check_lora_arguments(rank, alpha, need_rank=False):
    """``lora_rank``: None or 0 (no LoRA) or a positive integer; enable_lora needs one."""
    lowest = 1 if need_rank else 0
    if (rank is not None or need_rank) and (
            not isinstance(rank, int) or isinstance(rank, bool) or rank < lowest):
        raise ValueError(f"Dense: the LoRA rank must be {'a positive' if need_rank else 'a non-negative'} "
                         f"integer, received {rank!r}.")
    if alpha is not None and (not isinstance(alpha, (int, float)) or isinstance(alpha, bool)):
        raise ValueError(f"Dense: `lora_alpha` must be a number, received {alpha!r}.")
