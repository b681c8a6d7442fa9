"""MultiHeadAttention, as Keras 3: four EinsumDense projections (``query``, ``key``, ``value``,
``attention_output``) around scaled dot-product attention over one or more attention axes."""
import math
import string

from gradiente import initializers, ops, regularizers
from gradiente.layers.attention.attention_masks import (combine_attention_mask, expand_for_scores,
                                                        masked_softmax, masks_detached)
from gradiente.layers import weight_arguments
from gradiente.layers.dropout import Dropout
from gradiente.layers.einsum_dense import EinsumDense
from gradiente.layers.layer import Layer

_LETTERS = string.ascii_lowercase


def _projection(free_dims, bound_dims, output_dims):
    """Keras's projection equation: free axes kept, bound axes contracted, output axes new."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims:free_dims + bound_dims]
    new = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{new}->{free}{new}", new, len(free + new)


def _attention_equations(rank, attn_axes):
    """(scores equation key,query->scores, combine equation scores,value->out, scores rank)
    over projected tensors (batch, <other axes>, <attention axes>, heads, channels)."""
    target = _LETTERS[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _LETTERS[offset]
            offset += 1
    product = ("".join(target[i] for i in batch_dims) + "".join(target[i] for i in attn_axes)
               + "".join(source[i] for i in attn_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class MultiHeadAttention(Layer):
    """Attention of ``query`` (batch, T..., dim) over ``value`` (batch, S..., dim_v) (and
    ``key``, default ``value``) with ``num_heads`` heads -> (batch, T..., output_shape or dim).

    Kernels: query/key (dim, heads, key_dim), value (dim_v, heads, value_dim),
    attention_output (heads, value_dim, dim). Masks: a query mask (batch, T), value/key masks
    (batch, S) and ``attention_mask`` (batch, T, S), True where attention is allowed, are
    combined by AND, with a causal mask when ``use_causal_mask`` and the symmetric band
    |t - s| < ``sliding_window``. ``use_gate`` multiplies each head's output by a sigmoid
    projection of the query (EinsumDense ``gate``) before the output projection.
    """
    supports_masking = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        for name, value, optional in (("num_heads", num_heads, False), ("key_dim", key_dim, False),
                                      ("value_dim", value_dim, True)):
            if (value is not None or not optional) and (
                    not isinstance(value, int) or isinstance(value, bool) or value <= 0):
                raise ValueError(f"Received an invalid value for argument `{name}`, expected a positive "
                                 f"integer{' or `None`' if optional else ''}. Received: {name}={value}")
        if sliding_window is not None and (
                not isinstance(sliding_window, int) or isinstance(sliding_window, bool) or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        if flash_attention:
            # Keras's NumPy and TensorFlow backends have no flash attention either.
            raise ValueError("MultiHeadAttention: flash attention is not supported by gradiente (as by "
                             "Keras's NumPy backend); the standard computation keeps O(T*S) memory "
                             "per head once. Use flash_attention=None or False.")
        # Keras hands the activity regularizer to the four projections, not to this layer.
        super().__init__(**kwargs)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._sliding_window, self._flash_attention = sliding_window, False
        self._use_gate = bool(use_gate)
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim if value_dim else key_dim
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"MultiHeadAttention: `dropout` must be in [0, 1), received {dropout}.")
        self._dropout, self._use_bias = float(dropout), bool(use_bias)
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                                 "`output_shape` should be of type tuple, list, or int.") from None
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"`attention_axes` must be an int, list, or tuple.Received: "
                             f"attention_axes={attention_axes}")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        (self._kernel_initializer, self._bias_initializer, self._kernel_regularizer,
         self._bias_regularizer, self._kernel_constraint, self._bias_constraint) = weight_arguments.resolve(
            kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            kernel_constraint, bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))
        # Only with a rate: an unseeded Dropout keeps the step replayable, a seeded one does not.
        self._dropout_layer = Dropout(self._dropout, seed=seed) if self._dropout > 0 else None

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    use_gate = property(lambda self: self._use_gate)
    sliding_window = property(lambda self: self._sliding_window)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    @property
    def traceable(self):
        return self._dropout_layer is None or self._dropout_layer.traceable

    def _sublayer_kwargs(self):
        # Each projection gets its own copy of the initializers, as Keras clones them.
        return dict(kernel_initializer=initializers.get(initializers.serialize(self._kernel_initializer)),
                    bias_initializer=initializers.get(initializers.serialize(self._bias_initializer)),
                    kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer,
                    kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
                    dtype=self.dtype)

    def _projection_layer(self, rank, bound, last_dims, name, activation=None):
        equation, bias_axes, out_rank = _projection(rank - 1, bound, len(last_dims))
        return EinsumDense(equation, output_shape=[None] * (out_rank - 1 - len(last_dims)) + list(last_dims),
                           bias_axes=bias_axes if self._use_bias else None, name=name,
                           activation=activation, **self._sublayer_kwargs())

    def build(self, query_shape, value_shape, key_shape=None):
        # Keras's build config for several shapes: rebuilt from them by deserialize.
        self._build_shapes_dict = {"query_shape": tuple(query_shape), "value_shape": tuple(value_shape)}
        if key_shape is not None:
            self._build_shapes_dict["key_shape"] = tuple(key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received: value_shape={value_shape} and key_shape={key_shape}")
        heads = self._num_heads
        self._query_dense = self._projection_layer(len(query_shape), 1, [heads, self._key_dim], "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection_layer(len(key_shape), 1, [heads, self._key_dim], "key")
        self._key_dense.build(key_shape)
        if self._use_gate:  # built between key and value, so the weights come in Keras's order
            self._gate_dense = self._projection_layer(len(query_shape), 1, [heads, self._value_dim], "gate",
                                                      activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection_layer(len(value_shape), 1, [heads, self._value_dim], "value")
        self._value_dense.build(value_shape)
        rank = len(query_shape) + 1  # projected: (batch, ..., heads, channels)
        axes = self._attention_axes
        axes = tuple(range(1, rank - 2)) if axes is None else tuple(a if a >= 0 else rank - 1 + a for a in axes)
        self._attention_axes = axes
        self._dot_equation, self._combine_equation, scores_rank = _attention_equations(rank, axes)
        self._norm_axes = tuple(range(scores_rank - len(axes), scores_rank))
        out = self._output_shape or (query_shape[-1],)
        self._output_dense = self._projection_layer(len(query_shape), 2, list(out), "attention_output")
        projected = list(self._query_dense.compute_output_shape(query_shape))
        projected[-1] = self._value_dim
        self._output_dense.build(tuple(projected))
        self.built = True

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        if key is None:
            key = value
            key_mask = None  # the key is the value: its mask is the value's
        fast = query.ndim == 3 and self._dropout_layer is None and not return_attention_scores
        # Causal alone goes to the attention kernel as is_causal, with no (T, S) mask made.
        causal_only = (fast and use_causal_mask and query_mask is None and value_mask is None
                       and key_mask is None and attention_mask is None and self._sliding_window is None)
        mask = None if causal_only else self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
        with masks_detached(query, value, key):
            gate = self._gate_dense(query) if self._use_gate else None
            q = self._query_dense(query)
            k = self._key_dense(key)
            v = self._value_dense(value)
        if fast:
            if mask is not None:
                mask = ops.expand_dims(mask, 1)  # (B, T, S) -> (B, 1, T, S): every head
            out = ops.dot_product_attention(q, k, v, mask=mask, scale=self._inverse_sqrt_key_dim,
                                            is_causal=causal_only)
            scores = None
        else:
            out, scores = self._einsum_attention(q, k, v, mask, training)
        out = self._output_dense(out if gate is None else ops.multiply(out, gate))
        if return_attention_scores:
            return out, scores
        return out

    def _einsum_attention(self, q, k, v, mask, training):
        q = ops.multiply(q, self._inverse_sqrt_key_dim)
        scores = ops.einsum(self._dot_equation, k, q)
        if mask is not None:
            mask = expand_for_scores(mask, scores.ndim, len(self._attention_axes))
        scores = masked_softmax(scores, mask, axis=self._norm_axes)
        dropped = scores
        if self._dropout_layer is not None:
            dropped = self._dropout_layer(scores, training=training)
        return ops.einsum(self._combine_equation, dropped, v), scores

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask, causal):
        return combine_attention_mask(query.shape[1], value.shape[1], query_mask, value_mask, key_mask,
                                      attention_mask, causal, self._sliding_window)

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received: value_shape={value_shape} and key_shape={key_shape}")
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self._num_heads, key_dim=self._key_dim, value_dim=self._value_dim,
            dropout=self._dropout, use_bias=self._use_bias, use_gate=self._use_gate,
            output_shape=self._output_shape, attention_axes=self._attention_axes,
            sliding_window=self._sliding_window,
            **weight_arguments.to_config(
                self._kernel_initializer, self._bias_initializer, self._kernel_regularizer,
                self._bias_regularizer, self._activity_regularizer, self._kernel_constraint,
                self._bias_constraint),
            seed=self.seed,
        )
        return config
