"""Bahdanau-style (additive) attention, as Keras 3's ``layers.AdditiveAttention``: the
scores are sum(scale · tanh(query + key)) over the feature axis, with a learned per-feature
scale; masks, dropout and the weighted sum are those of ``Attention``."""
from gradiente import ops
from gradiente.layers.attention.attention import Attention, _tensor


class AdditiveAttention(Attention):
    """inputs [query (batch, Tq, dim), value (batch, Tv, dim), key optional] -> (batch, Tq, dim).
    ``use_scale`` (default True): a trainable ``scale`` of shape (dim,), Glorot-uniform."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],), initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        """query (batch, Tq, dim), key (batch, Tv, dim) -> scores (batch, Tq, Tv)."""
        pairs = ops.tanh(ops.add(ops.expand_dims(_tensor(query), -2), ops.expand_dims(_tensor(key), -3)))
        if self.scale is not None:
            pairs = ops.multiply(self.scale, pairs)
        return ops.sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
