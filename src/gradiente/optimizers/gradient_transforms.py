"""What an optimizer does to gradients before its rule, and to variables after it: loss-scale
division, accumulation over several calls, clipping (by value, norm or global norm), and
the exponential moving averages of ``use_ema``.

``GradientTransforms`` is a mixin of ``Optimizer`` (optimizers/optimizer.py), whose
``apply`` calls these only when one of them is configured.
"""
import math

import numpy as np

from gradiente.autodiff.tensor import Tensor


class GradientTransforms:
    """Clipping, accumulation and loss scaling of gradients; moving averages of variables."""

    def _transform_gradients(self, entries, grads, iterations):
        """Loss-scale division, accumulation and clipping, in Keras's order. Returns
        None while gradients are only being accumulated."""
        arrays = []
        for e, g in zip(entries, grads):
            if g is not None:
                g = _array(g)
                if g.shape != e.var.data.shape:
                    raise _shape_error(e, g)
            arrays.append(g)
        if self.loss_scale_factor is not None:
            arrays = [None if g is None else g / self.loss_scale_factor for g in arrays]
        if self.gradient_accumulation_steps:
            arrays = self._accumulate(entries, arrays, iterations)
            if arrays is None:
                return None
        if self.clipnorm or self.global_clipnorm or self.clipvalue:
            arrays = self._clip(arrays)
        return arrays

    def _accumulate(self, entries, grads, iterations):
        """Add to the accumulators; on every k-th call return their mean and reset them."""
        steps = self.gradient_accumulation_steps
        if (iterations + 1) % steps:
            for e, g in zip(entries, grads):
                if g is not None:
                    e.accumulator.data += g
            return None
        out = []
        for e, g in zip(entries, grads):
            if g is None:
                out.append(None)
                continue
            acc = e.accumulator.data
            out.append((g + acc) / steps)
            acc[...] = 0
        return out

    def _clip(self, grads):
        if self.clipnorm:
            return [None if g is None else g * _clip_scale(_norm(g), self.clipnorm) for g in grads]
        if self.global_clipnorm:
            total = math.sqrt(sum(_norm(g) ** 2 for g in grads if g is not None))
            scale = _clip_scale(total, self.global_clipnorm)
            return [None if g is None else g * scale for g in grads]
        v = self.clipvalue
        return [None if g is None else np.clip(g, -v, v) for g in grads]

    def _update_averages(self, entries, iterations):
        momentum = self.ema_momentum if iterations else 0.0
        overwrite = (self.ema_overwrite_frequency
                     and (iterations + 1) % self.ema_overwrite_frequency == 0)
        for e in entries:
            avg = e.average.data
            avg *= momentum
            avg += (1 - momentum) * e.var.data
            if overwrite:
                e.var.data[...] = avg

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, set the variables to their moving averages (end of training)."""
        if self.use_ema:
            for var in var_list:
                entry = self._entries.get(id(var))
                if entry is not None:
                    var.data[...] = entry.average.data


def _array(g):
    return g.data if isinstance(g, Tensor) else np.asarray(g)


def _shape_error(entry, g):
    return ValueError(
        f"Gradient for variable {entry.var.path!r} has shape {g.shape}, but the variable "
        f"has shape {entry.var.data.shape}."
    )


def _norm(g):
    flat = g.reshape(-1)
    return math.sqrt(float(np.dot(flat, flat)))


def _clip_scale(norm, limit):
    """Multiplier bringing a norm down to ``limit``: limit / max(norm, limit)."""
    return limit / max(norm, limit)
