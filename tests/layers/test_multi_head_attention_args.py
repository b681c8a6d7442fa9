"""MultiHeadAttention's remaining Keras 3 arguments (layers/attention/multi_head_attention.py):
sliding_window (a symmetric band, alone and with causal), use_gate (a sigmoid 'gate'
projection of the query multiplying each head's output), flash_attention (refused clearly),
the activity regularizer on the four projections, masks taken off before projecting, and
every documented constructor and call argument accepted by name."""
import inspect
import warnings

import numpy as np
import pytest

import gradiente as keras
from gradiente import layers
from gradiente.testing import check_gradients

KERAS_INIT_ARGS = ["num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape",
                   "attention_axes", "sliding_window", "flash_attention", "kernel_initializer",
                   "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
                   "kernel_constraint", "bias_constraint", "use_gate", "seed"]
KERAS_CALL_ARGS = ["query", "value", "key", "query_mask", "value_mask", "key_mask", "attention_mask",
                   "return_attention_scores", "training", "use_causal_mask"]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _reference(layer, q, v, allowed=None):
    """Per batch and head in float64: softmax(q k^T / sqrt(d)) over allowed positions (a
    fully masked row gives 0, as Keras's masked softmax), times v, gated, projected."""
    w = {x.path.split("/")[-2] + "/" + x.name: x.numpy().astype(np.float64) for x in layer.weights}
    out = np.zeros(q.shape[:-1] + (w["attention_output/kernel"].shape[-1],))
    for b in range(q.shape[0]):
        for h in range(layer.num_heads):
            qh = q[b] @ w["query/kernel"][:, h] + w["query/bias"][h]
            kh = v[b] @ w["key/kernel"][:, h] + w["key/bias"][h]
            vh = v[b] @ w["value/kernel"][:, h] + w["value/bias"][h]
            logits = qh @ kh.T / np.sqrt(layer.key_dim)
            if allowed is not None:
                logits = np.where(allowed[b], logits, -np.inf)
            with np.errstate(invalid="ignore"):
                e = np.exp(logits - logits.max(-1, keepdims=True))
                p = np.nan_to_num(e / e.sum(-1, keepdims=True))
            head = p @ vh
            if layer.use_gate:
                head = head * _sigmoid(q[b] @ w["gate/kernel"][:, h] + w["gate/bias"][h])
            out[b] += head @ w["attention_output/kernel"][h]
    return out + w["attention_output/bias"]


def _band(t, s, window, causal=False):
    rows, cols = np.arange(t)[:, None], np.arange(s)[None]
    allowed = np.abs(rows - cols) < window
    return allowed & (cols <= rows) if causal else allowed


def test_every_keras_argument_is_accepted_by_name():
    init = inspect.signature(layers.MultiHeadAttention.__init__).parameters
    call = inspect.signature(layers.MultiHeadAttention.call).parameters
    assert [a for a in KERAS_INIT_ARGS if a not in init] == []
    assert [a for a in KERAS_CALL_ARGS if a not in call] == []
    # In Keras's positional order too.
    assert [p for p in init if p in KERAS_INIT_ARGS] == KERAS_INIT_ARGS


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("scores", [False, True])  # the attention kernel, or the einsum path
def test_sliding_window_is_a_symmetric_band(causal, scores):
    q = np.random.default_rng(0).normal(size=(2, 7, 6))
    layer = layers.MultiHeadAttention(2, 3, sliding_window=3, dtype="float64")
    result = layer(q, q, use_causal_mask=causal, return_attention_scores=scores)
    out = result[0] if scores else result
    allowed = np.broadcast_to(_band(7, 7, 3, causal), (2, 7, 7))
    np.testing.assert_allclose(out.numpy(), _reference(layer, q, q, allowed), rtol=1e-10, atol=1e-12)
    if scores:
        probs = result[1].numpy()
        assert probs.shape == (2, 2, 7, 7)
        assert np.all(probs[:, :, ~allowed[0]] == 0)
    # The same as an explicit attention mask.
    explicit = layers.MultiHeadAttention(2, 3, dtype="float64")
    explicit(q, q)
    explicit.set_weights(layer.get_weights())
    np.testing.assert_allclose(explicit(q, q, attention_mask=allowed).numpy(), out.numpy(), rtol=1e-12)


def test_sliding_window_with_padding_masks_and_cross_attention():
    rng = np.random.default_rng(1)
    q, v = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 8, 4))
    value_mask = np.ones((2, 8), bool)
    value_mask[1, 4:] = False  # every query row still sees a key
    layer = layers.MultiHeadAttention(3, 2, sliding_window=2, dtype="float64")
    out = layer(q, v, value_mask=value_mask).numpy()
    allowed = _band(5, 8, 2)[None] & value_mask[:, None, :]
    np.testing.assert_allclose(out, _reference(layer, q, v, allowed), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("window", [0, -1, 2.5, "3", True])
def test_bad_sliding_window_is_refused_as_keras_does(window):
    with pytest.raises(ValueError, match="`sliding_window` must be `None` or a positive integer"):
        layers.MultiHeadAttention(2, 4, sliding_window=window)


def test_use_gate_multiplies_each_head_by_a_sigmoid_projection_of_the_query():
    rng = np.random.default_rng(2)
    q, v = rng.normal(size=(2, 4, 6)), rng.normal(size=(2, 5, 6))
    layer = layers.MultiHeadAttention(2, 3, value_dim=5, use_gate=True, dtype="float64")
    out = layer(q, v)
    # Keras's weights, in its order: query, key, gate, value, attention_output.
    names = [w.path.split("/")[-2] + "/" + w.name for w in layer.weights]
    assert names == ["query/kernel", "query/bias", "key/kernel", "key/bias", "gate/kernel", "gate/bias",
                     "value/kernel", "value/bias", "attention_output/kernel", "attention_output/bias"]
    assert layer.weights[4].shape == (6, 2, 5) and layer.weights[5].shape == (2, 5)
    assert layer.count_params() == 2 * (6 * 2 * 3 + 2 * 3) + 2 * (6 * 2 * 5 + 2 * 5) + 2 * 5 * 6 + 6
    np.testing.assert_allclose(out.numpy(), _reference(layer, q, v), rtol=1e-10, atol=1e-12)
    # The einsum path (scores returned) gates the same way.
    np.testing.assert_allclose(layer(q, v, return_attention_scores=True)[0].numpy(), out.numpy(), rtol=1e-12)


def test_gated_sliding_attention_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    q = rng.normal(size=(2, 5, 4))
    layer = layers.MultiHeadAttention(2, 2, use_gate=True, sliding_window=2, dtype="float64")
    layer(q, q, use_causal_mask=True)
    check_gradients(lambda x: layer(x, x, use_causal_mask=True), q, variables=layer.weights)


@pytest.mark.parametrize("flash", [True, "yes"])
def test_flash_attention_is_refused_clearly(flash):
    with pytest.raises(ValueError, match="flash attention is not supported by gradiente"):
        layers.MultiHeadAttention(2, 4, flash_attention=flash)
    for off in (None, False):
        layers.MultiHeadAttention(2, 4, flash_attention=off)


def test_activity_regularizer_applies_to_the_projections_not_the_layer():
    """As Keras: each of the four projections adds its own activity loss."""
    q = np.random.default_rng(4).normal(size=(2, 3, 4)).astype("float32")
    layer = layers.MultiHeadAttention(2, 2, activity_regularizer=keras.regularizers.L2(0.1))
    assert layer.activity_regularizer is None
    out = layer(q, q)
    assert len(layer.losses) == 4
    q_proj = layer.query_dense(q).numpy()
    expected_out = 0.1 * np.sum(out.numpy().astype(np.float64) ** 2)
    losses = sorted(float(x) for x in layer.losses)
    assert any(np.isclose(x, 0.1 * np.sum(q_proj.astype(np.float64) ** 2), rtol=1e-5) for x in losses)
    assert any(np.isclose(x, expected_out, rtol=1e-5) for x in losses)
    config = layer.get_config()
    assert config["activity_regularizer"]["class_name"] == "L2"
    assert layers.MultiHeadAttention.from_config(config)._activity_regularizer is not None


def test_config_round_trip_with_the_new_arguments():
    layer = layers.MultiHeadAttention(2, 4, use_gate=True, sliding_window=3)
    config = layer.get_config()
    assert config["use_gate"] is True and config["sliding_window"] == 3
    assert "flash_attention" not in config  # Keras does not save it either
    clone = layers.MultiHeadAttention.from_config(config)
    assert clone.use_gate and clone.sliding_window == 3
    x = np.random.default_rng(5).normal(size=(1, 6, 8)).astype("float32")
    layer(x, x)
    clone(x, x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x, x).numpy(), layer(x, x).numpy())


def test_masked_inputs_reach_the_projections_without_their_masks():
    """Keras takes the masks off before projecting: no 'mask stops here' warning from the
    projections, the output carries the query's mask, and the caller's tensors keep theirs."""
    tokens = np.array([[3, 4, 0, 0], [5, 0, 0, 0]])
    x = layers.Embedding(10, 8, mask_zero=True)(tokens)
    for layer in (layers.MultiHeadAttention(2, 4), layers.GroupQueryAttention(4, 2, 1)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = layer(x, x)
        np.testing.assert_array_equal(out._keras_mask.numpy(), tokens != 0)
        np.testing.assert_array_equal(x._keras_mask.numpy(), tokens != 0)
