"""Regularization by noise, active only in training (``training=True``); identity otherwise.

SpatialDropout1D/2D drop whole feature maps (channels) instead of single values;
GaussianNoise adds N(0, stddev²); GaussianDropout multiplies by N(1, rate / (1 - rate));
AlphaDropout drops units to SELU's saturation value and keeps mean and variance.
Randomness comes from ``backend.rng()``, or from the layer's own ``seed``.
"""
import numpy as np

from gradiente import backend, ops
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer


def _check_rate(owner, rate):
    if not isinstance(rate, (int, float, np.floating)) or not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"{owner}: `rate` must be a float in [0, 1), received rate={rate!r}.")
    return float(rate)


class _Noise(Layer):
    supports_masking = True
    _builds_at_init = True

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = backend.make_rng(seed) if seed is not None else None

    def _generator(self):
        return self._rng if self._rng is not None else backend.rng()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class _SpatialDropout(_Noise):
    """Drops entire channels: one keep/drop draw per (sample, channel), scaled by 1/(1-rate)."""

    _rank = None

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(type(self).__name__, rate)

    def _noise_shape(self, shape):
        raise NotImplementedError("SpatialDropout1D/2D define which axes share a draw (abstract)")

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        keep = self._generator().random(self._noise_shape(inputs.shape)) >= self.rate
        return ops.multiply(inputs, (keep / (1.0 - self.rate)).astype(inputs.dtype))

    def get_config(self):
        config = super().get_config()
        config["rate"] = self.rate
        return config


class SpatialDropout1D(_SpatialDropout):
    """(batch, steps, channels) -> same; drops whole channels for all steps of a sample."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.input_spec = InputSpec(
            ndim=3, layout="(batch, steps, channels)",
            hint="For (batch, features) data use Dropout; for images use SpatialDropout2D.")

    def _noise_shape(self, shape):
        return (shape[0], 1, shape[2])


class SpatialDropout2D(_SpatialDropout):
    """(batch, rows, cols, channels) -> same (or channels first); drops whole feature maps."""

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        data_format = data_format or backend.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "SpatialDropout2D: `data_format` must be 'channels_last' or 'channels_first', "
                f"received {data_format!r}."
            )
        self.data_format = data_format
        layout = ("(batch, rows, cols, channels)" if data_format == "channels_last"
                  else "(batch, channels, rows, cols)")
        self.input_spec = InputSpec(
            ndim=4, layout=layout,
            hint="For grayscale images add a channel axis: x[..., None] or a Reshape layer.")

    def _noise_shape(self, shape):
        if self.data_format == "channels_last":
            return (shape[0], 1, 1, shape[3])
        return (shape[0], shape[1], 1, 1)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` in training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not isinstance(stddev, (int, float, np.floating)) or stddev < 0:
            raise ValueError(f"GaussianNoise: `stddev` must be a number >= 0, received stddev={stddev!r}.")
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0.0:
            return inputs
        noise = self._generator().normal(0.0, self.stddev, inputs.shape).astype(inputs.dtype)
        return ops.add(inputs, noise)

    def get_config(self):
        config = super().get_config()
        config["stddev"] = self.stddev
        return config


class GaussianDropout(_Noise):
    """Multiplies by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 - rate))."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate("GaussianDropout", rate)

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        stddev = np.sqrt(self.rate / (1.0 - self.rate))
        noise = self._generator().normal(1.0, stddev, inputs.shape).astype(inputs.dtype)
        return ops.multiply(inputs, noise)

    def get_config(self):
        config = super().get_config()
        config["rate"] = self.rate
        return config


class AlphaDropout(_Noise):
    """Dropout for self-normalizing (SELU) networks: dropped units take SELU's negative
    saturation value, then an affine correction keeps the mean and variance of
    standardized inputs. Identity unless ``training``."""

    # -scale * alpha of SELU: where a SELU unit saturates.
    _SATURATION = -1.7580993408473766

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate("AlphaDropout", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        rate, sat = self.rate, self._SATURATION
        shape = inputs.shape if self.noise_shape is None else tuple(
            n if n is not None else d for n, d in zip(self.noise_shape, inputs.shape))
        keep = (self._generator().random(shape) >= rate).astype(inputs.dtype)
        a = ((1 - rate) * (1 + rate * sat ** 2)) ** -0.5
        b = -a * sat * rate
        kept = ops.multiply(inputs, keep * a)
        return ops.add(kept, ((1 - keep) * (a * sat) + b).astype(inputs.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape)
        return config
