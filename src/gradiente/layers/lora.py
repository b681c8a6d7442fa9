"""Keras 3's low-rank adaptation (LoRA) of a layer's kernel, shared by Dense and EinsumDense.

The layer keeps its weight ``_kernel`` of shape (..., out). With LoRA it is frozen and two
float32 factors train instead: ``lora_kernel_a`` (kernel.shape[:-1] + (rank,)) and
``lora_kernel_b`` (rank, out); the layer computes with
``kernel + (a @ b) * (lora_alpha / rank)``. A saved file holds that merged kernel in the
kernel's place and no factors (as Keras saves them), and loading zeroes the factors, so files
pass between LoRA and plain layers.
"""
import math

from gradiente import backend, initializers, ops


def check_lora_arguments(owner, rank, alpha, need_rank=False):
    """``lora_rank``: None or 0 (no LoRA) or a positive integer; enable_lora needs one."""
    lowest = 1 if need_rank else 0
    if (rank is not None or need_rank) and (
            not isinstance(rank, int) or isinstance(rank, bool) or rank < lowest):
        raise ValueError(f"{owner}: the LoRA rank must be {'a positive' if need_rank else 'a non-negative'} "
                         f"integer, received {rank!r}.")
    if alpha is not None and (not isinstance(alpha, (int, float)) or isinstance(alpha, bool)):
        raise ValueError(f"{owner}: `lora_alpha` must be a number, received {alpha!r}.")


class LoraKernel:
    """Mixed into a layer with ``_kernel``, ``kernel_regularizer`` and ``kernel_constraint``."""

    def _init_lora(self, lora_rank, lora_alpha):
        check_lora_arguments(type(self).__name__, lora_rank, lora_alpha)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def _build_lora(self):
        if self.lora_rank:  # 0 or None: no LoRA, as in Keras
            # Keras's build passes the rank alone here, which resets a configured lora_alpha
            # to the rank; the alpha the config holds is kept instead.
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def kernel(self):
        """The kernel the layer computes with: the ``kernel`` Variable, or with LoRA a Tensor
        ``kernel + (lora_kernel_a @ lora_kernel_b) * (lora_alpha / lora_rank)``."""
        if not self.built:
            raise AttributeError(f"{type(self).__name__} layer '{self.name}' is not built yet, so it "
                                 "has no `kernel`: build it (or call it on data) first.")
        if not self.lora_enabled:
            return self._kernel
        delta = ops.multiply(ops.matmul(self.lora_kernel_a, self.lora_kernel_b),
                             self.lora_alpha / self.lora_rank)
        kernel = ops.add(self._kernel, delta)
        return kernel if kernel.dtype == self.compute_dtype else ops.cast(kernel, self.compute_dtype)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the kernel and train a low-rank update ``a @ b`` of it instead (Keras 3's
        LoRA): ``a`` starts from ``a_initializer``, ``b`` from ``b_initializer`` (zeros: the
        layer's output is unchanged at first)."""
        if self.kernel_constraint:
            raise ValueError(
                "Lora is incompatible with kernel constraints. In order to enable lora on this "
                "layer, remove the `kernel_constraint` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        check_lora_arguments(type(self).__name__, rank, lora_alpha, need_rank=True)
        shape = tuple(self._kernel.shape)
        a_shape, b_shape = shape[:-1] + (rank,), (rank, shape[-1])
        # A model file holds the merged kernel, not the factors, so while a model is rebuilt
        # from a file no array of it can stand for them. They are created unchecked when no
        # larger than twice the kernel the file did fill (any rank up to min(in, out) is); a
        # larger rank is left to the file's check, which refuses it before allocating.
        small = math.prod(a_shape) + math.prod(b_shape) <= 2 * math.prod(shape)
        token = backend.set_weight_check(None) if small and backend.weight_check() else None
        try:
            self.lora_kernel_a = self._add_lora_factor("lora_kernel_a", a_shape, a_initializer)
            self.lora_kernel_b = self._add_lora_factor("lora_kernel_b", b_shape, b_initializer)
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

    # Saving (saving/saved_weights.py), as Keras's save_own_variables/load_own_variables.
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

    def _lora_config(self, config):
        if self.lora_rank:
            config.update(lora_rank=self.lora_rank, lora_alpha=self.lora_alpha)
        return config
