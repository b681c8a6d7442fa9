"""Luong-style (dot-product) attention over a query and a value sequence, as Keras 3's
``layers.Attention``: scores from query and key, a softmax over the value axis with the value
mask and an optional causal mask applied, then the weighted sum of the values."""
import numpy as np

from gradiente import backend, ops
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import Layer


class Attention(Layer):
    """inputs [query (batch, Tq, dim), value (batch, Tv, dim), key (batch, Tv, dim) optional]
    -> (batch, Tq, dim), plus the attention weights (batch, Tq, Tv) when
    ``return_attention_scores``. ``mask=[query_mask (batch, Tq), value_mask (batch, Tv)]``:
    masked values get no weight, masked query rows are zero.

    ``score_mode``: "dot" (query · key) or "concat" (sum of tanh(query + key)).
    ``use_scale``: a trainable scalar multiplies the scores. ``dropout``: on the weights.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode}"
            )
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float, np.number)) or not 0 <= dropout < 1:
            raise ValueError(f"{type(self).__name__}: `dropout` must be a number in [0, 1), received {dropout!r}.")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        # A seed gives the layer its own generator, which fit cannot rewind to check a replay.
        self._rng = backend.make_rng(seed) if dropout > 0 and seed is not None else None
        self.scale = None
        self.concat_score_weight = None

    @property
    def traceable(self):
        """Pure ops on inputs and weights; dropout draws from the library's generator,
        which fit can rewind, unless the layer has its own seed."""
        return self._rng is None

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones")

    def _calculate_scores(self, query, key):
        """query (batch, Tq, dim), key (batch, Tv, dim) -> scores (batch, Tq, Tv)."""
        query, key = _tensor(query), _tensor(key)
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        pairs = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))  # (batch, Tq, Tv, dim)
        if self.scale is not None:
            pairs = ops.multiply(self.scale, pairs)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(pairs), axis=-1))

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        """The boolean mask of the scores that may receive weight: the value mask
        (batch, Tv), and with ``use_causal_mask`` the lower triangle (1, Tq, Tv) too."""
        v_mask = _boolean(v_mask)
        if not use_causal_mask:
            return v_mask
        tq, tv = scores.shape[-2], scores.shape[-1]
        causal = Tensor(np.tril(np.ones((1, tq, tv), dtype=bool)))  # position i sees j <= i
        if v_mask is None:
            return causal
        return ops.logical_and(ops.expand_dims(v_mask, -2), causal)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """Softmax of the masked scores over Tv, dropout, then weights @ value.
        Returns (output (batch, Tq, dim), weights (batch, Tq, Tv))."""
        if scores_mask is not None:
            if scores_mask.ndim == 2:
                scores_mask = ops.expand_dims(scores_mask, -2)
            # A large negative bias rather than -inf, as Keras: a row masked throughout stays
            # finite (uniform weights). 65504 is float16's largest value.
            big = 65504.0 if scores.dtype == np.float16 else 1.0e9
            scores = ops.where(scores_mask, scores, ops.subtract(scores, np.asarray(big, scores.dtype)))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = ops.dropout(weights, rate=self.dropout, generator=self._rng, cache={})
        return ops.matmul(weights, _tensor(value)), weights

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(query, key)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        output, weights = self._apply_scores(scores, value, scores_mask, training)
        q_mask = _boolean(q_mask)
        if q_mask is not None:
            output = ops.where(ops.expand_dims(q_mask, -1), output, np.zeros((), output.dtype))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, mask=None):
        """The query's mask passes on; the value's does not (the output has Tq steps)."""
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return ops.convert_to_tensor(mask[0])

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        # A shape tuple (ints and Nones) is one tensor's shape, from build.
        if not isinstance(inputs, (list, tuple)) or any(x is None or isinstance(x, (int, np.integer)) for x in inputs):
            raise ValueError(
                f"{name} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                                 f"Received: mask={mask}.")
            if not 2 <= len(mask) <= 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: mask={mask}.")

    def get_config(self):
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode, dropout=self.dropout, seed=self.seed)
        return config


def _tensor(x):
    return x if isinstance(x, Tensor) else ops.convert_to_tensor(x)


def _boolean(mask):
    """A mask as a boolean Tensor (nonzero = keep, as Keras reads numeric masks), or None."""
    if mask is None:
        return None
    mask = _tensor(mask)
    return mask if mask.dtype == np.bool_ else ops.cast(mask, "bool")
