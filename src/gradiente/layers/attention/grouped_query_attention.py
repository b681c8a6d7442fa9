"""GroupedQueryAttention (``keras.layers.GroupQueryAttention``), as Keras 3: query heads in
groups sharing fewer key/value heads; one key/value head is multi-query attention, as many
as the query heads is multi-head attention."""
import math

from gradiente import initializers, ops
from gradiente.layers.attention.attention_masks import (combine_attention_mask, expand_for_scores,
                                                        masked_softmax, masks_detached)
from gradiente.layers import weight_arguments
from gradiente.layers.dropout import Dropout
from gradiente.layers.einsum_dense import EinsumDense
from gradiente.layers.layer import Layer


def _positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"GroupQueryAttention: `{name}` must be a positive integer. "
                         f"Received: {name}={value!r}")


class GroupedQueryAttention(Layer):
    """Attention of ``query`` (B, T, dim) over ``value`` (B, S, dim) (and ``key``, default
    ``value``) with ``num_query_heads`` heads of size ``head_dim``, each group of
    num_query_heads // num_key_value_heads query heads sharing one key/value head
    -> (B, T, dim), and with ``return_attention_scores`` the scores (B, num_query_heads, T, S).

    Kernels: query (dim, Nq, head_dim), key/value (dim, Nkv, head_dim), attention_output
    (Nq, head_dim, dim); with ``use_gate`` a sigmoid gate (dim, Nq, head_dim) multiplies the
    attention before the output projection. ``sliding_window`` w keeps |t - s| < w.
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        for name, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                            ("num_key_value_heads", num_key_value_heads)):
            _positive_int(name, value)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.head_dim, self.num_query_heads = head_dim, num_query_heads
        self.num_key_value_heads = num_key_value_heads
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`. Received: "
                             f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}")
        self.num_repeats = num_query_heads // num_key_value_heads
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"GroupQueryAttention: `dropout` must be in [0, 1). Received: dropout={dropout}")
        self.dropout, self.use_bias, self.use_gate = float(dropout), bool(use_bias), bool(use_gate)
        if sliding_window is not None and (
                not isinstance(sliding_window, int) or isinstance(sliding_window, bool) or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self.sliding_window = sliding_window
        if flash_attention:
            # Keras's NumPy and TensorFlow backends have no flash attention either.
            raise ValueError("GroupQueryAttention: flash attention is not supported by gradiente (as by "
                             "Keras's NumPy backend); the standard computation is already "
                             "memory-efficient. Use flash_attention=None or False.")
        self._flash_attention = False
        (self.kernel_initializer, self.bias_initializer, self.kernel_regularizer,
         self.bias_regularizer, self.kernel_constraint, self.bias_constraint) = weight_arguments.resolve(
            kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            kernel_constraint, bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        # Only with a rate: an unseeded Dropout keeps the step replayable, a seeded one does not.
        self._dropout_layer = Dropout(self.dropout, seed=seed) if self.dropout > 0 else None

    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    @property
    def traceable(self):
        return self._dropout_layer is None or self._dropout_layer.traceable

    def _dense(self, equation, heads, bias_axes, name, activation=None):
        # Each sublayer gets its own copy of the initializers, as Keras clones them.
        return EinsumDense(
            equation, output_shape=(None,) + heads, bias_axes=bias_axes if self.use_bias else None,
            activation=activation, name=name,
            kernel_initializer=initializers.get(initializers.serialize(self.kernel_initializer)),
            bias_initializer=initializers.get(initializers.serialize(self.bias_initializer)),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.activity_regularizer, kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint, dtype=self.dtype)

    def build(self, query_shape, value_shape, key_shape=None):
        # Keras's build config for several shapes: rebuilt from them by deserialize.
        self._build_shapes_dict = {"query_shape": tuple(query_shape), "value_shape": tuple(value_shape)}
        if key_shape is not None:
            self._build_shapes_dict["key_shape"] = tuple(key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(f"GroupQueryAttention expects `{name}` of rank 3 (batch, seq, dim). "
                                 f"Received: {name}_shape={tuple(shape)}")
        self.feature_dim = query_shape[-1]
        nq, nkv, h = self.num_query_heads, self.num_key_value_heads, self.head_dim
        # Keras's einsum letters: b batch, q/k lengths, m model dim, u/v query/kv heads, h head dim.
        self._query_dense = self._dense("bqm,muh->bquh", (nq, h), "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", (nkv, h), "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", (nq, h), "uh", "gate", activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._dense("bkm,mvh->bkvh", (nkv, h), "vh", "value")
        self._value_dense.build(value_shape)
        self._output_dense = self._dense("bquh,uhm->bqm", (self.feature_dim,), "m", "attention_output")
        self._output_dense.build((None, None, nq, h))
        self.built = True

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        if key is None:
            key = value
            key_mask = None  # the key is the value: its mask is the value's
        # Causal alone goes to the attention kernel as is_causal (Keras's fast path).
        causal_only = (use_causal_mask and query_mask is None and value_mask is None and key_mask is None
                       and attention_mask is None and self.sliding_window is None)
        mask = None
        if not causal_only:
            mask = combine_attention_mask(query.shape[1], value.shape[1], query_mask, value_mask, key_mask,
                                          attention_mask, use_causal_mask, self.sliding_window)
        with masks_detached(query, value, key):
            gate = self._gate_dense(query) if self.use_gate else None
            q = self._query_dense(query)   # (B, T, Nq, h)
            k = self._key_dense(key)       # (B, S, Nkv, h)
            v = self._value_dense(value)   # (B, S, Nkv, h)
        if self._dropout_layer is None and not return_attention_scores:
            if mask is not None:
                mask = expand_for_scores(mask, 4)
            # The primitive folds each query group onto its key/value head: no repeat needed.
            out = ops.dot_product_attention(q, k, v, mask=mask, scale=self._inverse_sqrt_head_dim,
                                            is_causal=causal_only)
            scores = None
        else:
            if causal_only:
                mask = combine_attention_mask(query.shape[1], value.shape[1], causal=True)
            out, scores = self._einsum_attention(q, k, v, mask, training)
        out = self._output_dense(ops.multiply(out, gate) if gate is not None else out)
        if return_attention_scores:
            return out, scores
        return out

    def _einsum_attention(self, q, k, v, mask, training):
        """Keras's explicit path: key/value heads repeated to the query heads, scores
        (B, Nq, T, S) through the masked softmax, dropout on them, combined with the values."""
        if self.num_repeats > 1:
            k = ops.repeat(k, self.num_repeats, axis=2)
            v = ops.repeat(v, self.num_repeats, axis=2)
        q = ops.multiply(q, self._inverse_sqrt_head_dim)
        scores = ops.einsum("bquh,bkuh->buqk", q, k)
        scores = masked_softmax(scores, None if mask is None else expand_for_scores(mask, 4))
        dropped = scores
        if self._dropout_layer is not None:
            dropped = self._dropout_layer(scores, training=training)
        return ops.einsum("buqk,bkuh->bquh", dropped, v), scores

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError("The last dimension of `query_shape` and `value_shape` must be equal, but are "
                             f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                             f"value_shape={value_shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received: value_shape={value_shape} and key_shape={key_shape}")
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            head_dim=self.head_dim, num_query_heads=self.num_query_heads,
            num_key_value_heads=self.num_key_value_heads, use_bias=self.use_bias, use_gate=self.use_gate,
            sliding_window=self.sliding_window, dropout=self.dropout,
            **weight_arguments.to_config(
                self.kernel_initializer, self.bias_initializer, self.kernel_regularizer,
                self.bias_regularizer, self.activity_regularizer, self.kernel_constraint,
                self.bias_constraint),
            seed=self.seed,
        )
        return config


GroupQueryAttention = GroupedQueryAttention  # the name Keras 3 exports
