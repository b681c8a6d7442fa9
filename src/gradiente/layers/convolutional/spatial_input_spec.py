"""SpatialInputSpec: the input check of convolution, pooling and spatial layers."""
from gradiente.layers.convolutional.arguments import layout
from gradiente.layers.input_spec import InputSpec


class SpatialInputSpec(InputSpec):
    """An InputSpec for (batch, *spatial, channels) inputs. When the channel axis is
    missing, the error shows the exact Reshape / indexing that adds it."""

    __slots__ = ("channels_first", "rank")

    def __init__(self, rank, data_format, axes=None, exact=False):
        # Keras words it "expected min_ndim=4" for convolutions, "expected ndim=4" for pooling.
        bounds = dict(ndim=rank + 2) if exact else dict(min_ndim=rank + 2, max_ndim=rank + 2)
        super().__init__(axes=axes, layout=layout(rank, data_format), **bounds)
        self.channels_first = data_format == "channels_first"
        self.rank = rank

    def check(self, layer, shape, index=0):
        if len(shape) == self.rank + 1:
            dims = tuple(shape[1:])
            target = (1,) + dims if self.channels_first else dims + (1,)
            shown = "(" + ", ".join("None" if d is None else str(d) for d in target) + (",)" if len(target) == 1 else ")")
            index_fix = "x[:, None]" if self.channels_first else "x[..., None]"
            self.hint = (
                f"If each sample has a single channel, add a channel axis of size 1: put "
                f"`layers.Reshape({shown})` before this layer, or pass `{index_fix}` instead of `x`."
            )
        else:
            self.hint = None
        super().check(layer, shape, index)
